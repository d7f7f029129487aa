"""The handlers that remember the conversation: follow-up questions, exporting the last answer as Markdown,
and reporting a wrong answer. Pure functions like :mod:`qa.app.handlers`; the page keeps a
:class:`Conversation` in a ``gr.State`` per visitor (nothing is stored on the server but feedback, and
only when the deployer names a feedback file).
"""

from __future__ import annotations

import hashlib
import shutil
import tempfile
import time
from dataclasses import dataclass
from functools import lru_cache, partial
from pathlib import Path
from typing import Any, Sequence

from qa.app.handlers import Engine, Message, answer_messages, user_message
from qa.app.inputs import question_text, to_int
from qa.measure.feedback import Feedback, append_feedback
from qa.present.markdown import answer_markdown, deep_link, markdown_filename
from qa.search.followup import Turn, ask_follow_up
from qa.search.searcher import Answer

__all__ = ["Conversation", "EXPORT_MAX_AGE", "converse", "export_markdown", "report_choices", "report_wrong"]

#: Exported files older than this (seconds) are removed when the next one is written.
EXPORT_MAX_AGE = 3600


@dataclass(frozen=True)
class Conversation:
    """What the page remembers between questions: the last answer, and what was searched for it
    (``query``: the question itself, or its reading with the previous one — what a deep link asks again)."""

    answer: Answer | None = None
    query: str = ""

    @property
    def turn(self) -> Turn | None:
        if self.answer is None:
            return None
        return Turn(self.query, tuple(h.article for h in self.answer.hits))


def converse(
    engine: Engine, message: Any, history: Sequence[Message] | None, chapter: Any, k: Any, conversation: Conversation | None
) -> tuple[list[Message], str, Conversation]:
    """Like :func:`qa.app.handlers.ask`, reading a follow-up with the previous answer (:mod:`qa.search.followup`)."""
    shown = list(history or [])
    state = conversation or Conversation()
    question = question_text(message).strip()
    if not question:
        return shown, "", state
    search = partial(engine.search, k=to_int(k, 5) or 5, chapter=to_int(chapter) or None)
    answer, reading = ask_follow_up(search, question, state.turn)
    return shown + [user_message(question)] + answer_messages(answer), "", Conversation(answer, reading.query)


def _base_url(headers: dict[str, str], scheme: str) -> str:
    host = headers.get("x-forwarded-host") or headers.get("host") or "127.0.0.1:7860"
    return f"{headers.get('x-forwarded-proto') or scheme}://{host}/"


def export_markdown(engine: Engine, conversation: Conversation | None, headers: dict[str, str], scheme: str = "http") -> tuple[str, str | None]:
    """The last answer as Markdown, and a file of it to download (None before the first answer)."""
    if conversation is None or conversation.answer is None:
        return "", None
    regulations = {r.id: r for r in engine.library}
    link = deep_link(_base_url(headers, scheme), conversation.query or conversation.answer.question)
    text = answer_markdown(conversation.answer, regulations, link=link)
    return text, str(_export_file(text, markdown_filename(conversation.answer)))


@lru_cache(maxsize=1)
def _export_root() -> Path:
    """One folder per process for the files the download button serves."""
    return Path(tempfile.mkdtemp(prefix="qa-export-"))


def _export_file(text: str, name: str) -> Path:
    """``text`` as ``name`` in a folder named by its content, so an answer exported again is written once;
    folders older than :data:`EXPORT_MAX_AGE` are removed on the way (every answer is exported, few downloaded)."""
    root = _export_root()
    cutoff = time.time() - EXPORT_MAX_AGE
    for old in root.iterdir():
        if old.stat().st_mtime < cutoff:
            shutil.rmtree(old, ignore_errors=True)
    folder = root / hashlib.sha256(f"{name}\n{text}".encode()).hexdigest()[:16]
    path = folder / name
    if not path.is_file():
        folder.mkdir(exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return path


def report_choices(engine: Engine) -> list[tuple[str, int]]:
    """The articles a visitor may name as the right one: every loaded article of the first regulation."""
    if not engine.library:
        return []
    return [(f"{a.label_zh} / Article {a.number_en}", a.number) for a in engine.library[0].articles if not a.suffix]


def report_wrong(conversation: Conversation | None, correct: Any, path: Path | None) -> str:
    """Write a report of the last answer to ``path`` (JSON Lines); the confirmation to show."""
    if path is None:
        return "反馈未开启。/ Feedback is not enabled on this server."
    if conversation is None or conversation.answer is None:
        return "请先提问。/ Ask a question first."
    answer = conversation.answer
    number = to_int(correct)
    report = Feedback(
        question=conversation.query or answer.question,  # a follow-up is recorded as it was read, so it stands alone
        shown=tuple(h.article for h in answer.hits),
        correct=(number,) if number else None,
        regulation_id=answer.hits[0].regulation_id if answer.hits else None,
        retriever=answer.retriever,
    )
    append_feedback(path, report)
    return "已记录，谢谢！审核后将用于改进检索。/ Thank you: recorded for review."
