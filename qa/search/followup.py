"""Follow-up questions read with the conversation, by fixed rules (no language model).

A short or elliptical question ("那燃料电池车呢？", "下一条呢", "这条谁负责？", "What about hydrogen?") does not
say what it is about; the previous question and the articles just shown do. Four readings, tried in order:

- ``citation``: the question names an article itself — it is searched as it is;
- ``neighbour``: "下一条 / 上一条 / the next one / the previous article" — the article after or before the
  first one shown, looked up by citation;
- ``this-article``: it points at what was shown ("这条", "该条", "this article", "it") — searched together
  with the previous question, which found that article;
- ``ellipsis``: it opens with 那/还有/另外, ends with 呢, opens with "what about / and / how about", or is short
  (≤ 8 Chinese characters, ≤ 4 English words) — searched together with the previous question unless it already
  finds an answer on its own (a follow-up that stands alone, "那加氢站呢？", "知识产权保护", needs no context;
  "怎么分级管理？", "需要什么条件？" do).

Chosen among four variants (context always / only when needed; with / without the length rule) on
``tests/dialogues/anhui.jsonl``, whose last ten dialogues change the subject; the figures are in-sample.

Anything else is a new question. The answer says how it was read ("按上文理解为：…").
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Callable

from qa.lang.cite import find_citation
from qa.lang.numerals import article_label
from qa.lang.text import clean_question
from qa.search.searcher import Answer

__all__ = ["READINGS", "Reading", "Turn", "ask_follow_up", "read_follow_up"]

READINGS = ("new", "citation", "neighbour", "this-article", "ellipsis")

_NEIGHBOUR_ZH = re.compile(r"^(?:那|那么)?(?:再看)?(?P<dir>下|上|后|前)一条(?:呢|是什么|说了什么|讲什么|规定了什么)?[？?。.！!]*$")
_NEIGHBOUR_EN = re.compile(
    r"^(?:and |what about |how about |show me |then )?(?:the )?(?P<dir>next|previous|following|preceding|last)(?: one| article)?"
    r"(?: please)?[?.!]*$",
    re.I,
)
_THIS_ZH = re.compile(r"这条|该条|本条|此条|这一条|上述|上面(?:这|那)?条|^它")
_THIS_EN = re.compile(r"\b(?:this|that|the same) (?:article|provision|rule)\b|\b(?:it|this one)\b", re.I)
_ELLIPSIS_ZH = re.compile(r"^(?:那|那么|还有|另外|如果是|要是|那如果)|呢[？?。！!\s]*$")
_ELLIPSIS_EN = re.compile(r"^(?:what about|how about|and|also|what if)\b", re.I)
_FORWARD = {"下", "后", "next", "following"}
_CJK = re.compile(r"[\u3400-\u9fff]")
SHORT_CJK, SHORT_WORDS = 8, 4


@dataclass(frozen=True)
class Turn:
    """What the previous answer was: the question as searched, and the articles shown (best first)."""

    question: str
    articles: tuple[int, ...] = ()


@dataclass(frozen=True)
class Reading:
    """How a question is read: ``query`` is what gets searched; ``rule`` one of :data:`READINGS`."""

    query: str
    rule: str

    @property
    def uses_context(self) -> bool:
        return self.rule in ("neighbour", "this-article", "ellipsis")


def _short(text: str) -> bool:
    cjk = len(_CJK.findall(text))
    return cjk <= SHORT_CJK if cjk else len(text.split()) <= SHORT_WORDS


def read_follow_up(question: str, previous: Turn | None) -> Reading:
    """The reading of ``question`` after ``previous`` (see the module docstring for the rules)."""
    text, _ = clean_question(question)
    if previous is None or not previous.question:
        return Reading(text, "new")
    if find_citation(text) is not None:
        return Reading(text, "citation")
    neighbour = _NEIGHBOUR_ZH.match(text) or _NEIGHBOUR_EN.match(text)
    if neighbour and previous.articles:
        step = 1 if neighbour.group("dir").lower() in _FORWARD else -1
        target = previous.articles[0] + step
        if target >= 1:
            return Reading(article_label(target), "neighbour")
    together = f"{previous.question} {text}"
    if _THIS_ZH.search(text) or _THIS_EN.search(text):
        return Reading(together, "this-article")
    if _ELLIPSIS_ZH.search(text) or _ELLIPSIS_EN.search(text) or _short(text):
        return Reading(together, "ellipsis")
    return Reading(text, "new")


def _explained(answer: Answer, question: str, reading: Reading) -> Answer:
    zh = f"按上文理解为：{reading.query}"
    en = f"Read with the previous question as: {reading.query}"
    return replace(
        answer,
        question=question,
        notice_zh="；".join(n for n in (zh, answer.notice_zh) if n),
        notice=" ".join(n for n in (en, answer.notice) if n),
    )


def ask_follow_up(search: Callable[[str], Answer], question: str, previous: Turn | None) -> tuple[Answer, Reading]:
    """Answer ``question`` read with ``previous``; ``search`` is ``Searcher.search`` with the caller's
    settings bound (``functools.partial(searcher.search, k=5)``). An elliptical question that finds an
    answer on its own keeps that answer (the context would only blur it)."""
    reading = read_follow_up(question, previous)
    if reading.rule == "ellipsis":
        alone = search(question)
        if not alone.abstained:
            return alone, Reading(alone.question, "new")
    if not reading.uses_context:
        return search(question), reading
    return _explained(search(reading.query), question, reading), reading
