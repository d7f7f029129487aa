"""Reports of wrong answers, kept in a local JSON Lines file and turned into evaluation questions once reviewed.

The app appends one line per report (question, the articles it showed, the article the user says is right,
if any); nothing leaves the machine. A reviewer sets ``"reviewed": true`` on the lines they checked (and
may correct ``"correct"``: article numbers, or ``[]`` when the regulation does not cover the question); then
``qa eval --questions feedback.jsonl`` scores exactly those lines. Unreviewed reports are never scored:
a user's verdict is a lead, not a label.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime, timezone
from pathlib import Path

from qa.corpus.model import CorpusError
from qa.measure.inputs import json_lines
from qa.lang.text import detect_lang
from qa.measure.evaluate import Question

__all__ = ["FEEDBACK_TYPE", "Feedback", "append_feedback", "feedback_questions", "is_feedback_file", "read_feedback"]

FEEDBACK_TYPE = "feedback"
_LOCK = threading.Lock()


@dataclass(frozen=True)
class Feedback:
    """One report: ``shown`` are the article numbers the answer showed, best first; ``correct`` the
    articles the user (or, once ``reviewed``, the reviewer) says answer it — ``[]`` for "not covered",
    ``None`` when the user only said the answer was wrong."""

    question: str
    shown: tuple[int, ...]
    correct: tuple[int, ...] | None = None
    regulation_id: str | None = None
    retriever: str = "hybrid"
    lang: str = ""
    time: str = ""
    reviewed: bool = False
    type: str = field(default=FEEDBACK_TYPE)

    @property
    def id(self) -> str:
        return "FB-" + hashlib.sha256(f"{self.time}\n{self.question}".encode()).hexdigest()[:10]

    def to_json(self) -> str:
        data = asdict(self)
        data["shown"], data["correct"] = list(self.shown), None if self.correct is None else list(self.correct)
        return json.dumps(data, ensure_ascii=False)


def append_feedback(path: str | os.PathLike[str], report: Feedback) -> Feedback:
    """Append ``report`` (stamped with the time and language) as one line; safe across threads."""
    stamped = replace(
        report,
        time=report.time or datetime.now(timezone.utc).isoformat(timespec="seconds"),
        lang=report.lang or detect_lang(report.question),
    )
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    line = (stamped.to_json() + "\n").encode("utf-8")
    with _LOCK:
        fd = os.open(target, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(fd, line)
        finally:
            os.close(fd)
    return stamped


def _numbers(value: object, path: Path, lineno: int, key: str) -> tuple[int, ...] | None:
    if value is None and key == "correct":
        return None
    if not isinstance(value, list) or not all(isinstance(n, int) and not isinstance(n, bool) and n > 0 for n in value):
        raise CorpusError(path, lineno, key, f"{key} must be a list of article numbers")
    return tuple(value)


def read_feedback(path: str | os.PathLike[str]) -> list[Feedback]:
    """Every report in the file; a damaged line raises CorpusError naming it."""
    source = Path(path)
    reports: list[Feedback] = []
    for lineno, rec in json_lines(source):
        if not isinstance(rec, dict) or rec.get("type") != FEEDBACK_TYPE or not isinstance(rec.get("question"), str):
            raise CorpusError(source, lineno, "feedback", 'not a feedback line (needs "type": "feedback" and a "question")')
        reports.append(
            Feedback(
                question=rec["question"],
                shown=_numbers(rec.get("shown", []), source, lineno, "shown") or (),
                correct=_numbers(rec.get("correct"), source, lineno, "correct"),
                regulation_id=rec.get("regulation_id"),
                retriever=str(rec.get("retriever", "hybrid")),
                lang=str(rec.get("lang") or detect_lang(rec["question"])),
                time=str(rec.get("time", "")),
                reviewed=rec.get("reviewed") is True,
            )
        )
    return reports


def is_feedback_file(path: str | os.PathLike[str]) -> bool:
    """Whether the first non-blank line of ``path`` is a feedback report (so ``qa eval`` can take either)."""
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                try:
                    return json.loads(line).get("type") == FEEDBACK_TYPE
                except (json.JSONDecodeError, AttributeError):
                    return False
    return False


def feedback_questions(path: str | os.PathLike[str]) -> tuple[list[Question], int]:
    """The reviewed reports as questions (paraphrase, or out_of_scope for ``correct: []``), and how many
    reports were left out because nobody has reviewed them or they name no correct article."""
    questions: list[Question] = []
    left_out = 0
    for report in read_feedback(path):
        if not report.reviewed or report.correct is None:
            left_out += 1
            continue
        kind = "paraphrase" if report.correct else "out_of_scope"
        questions.append(Question(report.id, report.question, report.lang, kind, tuple(sorted(report.correct))))
    return questions, left_out
