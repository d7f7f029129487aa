"""Score follow-up questions: hit@3 of the second turn of two-turn dialogues, with and without the rule.

Without the rule the second question is searched alone, as a new question; with it, it is read with the
first question and the articles the first answer showed (:mod:`qa.search.followup`).
"""

from __future__ import annotations

from functools import partial
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from qa.corpus.model import CorpusError
from qa.measure.inputs import json_lines
from qa.search.followup import Turn, ask_follow_up
from qa.search.searcher import Answer, Searcher

__all__ = ["Dialogue", "DialogueOutcome", "load_dialogues", "run_dialogues", "summarize_dialogues"]


@dataclass(frozen=True)
class Dialogue:
    id: str
    lang: str
    questions: tuple[str, str]
    expected: tuple[tuple[int | str, ...], tuple[int | str, ...]]


@dataclass(frozen=True)
class DialogueOutcome:
    dialogue: Dialogue
    rule: str
    alone_hit: bool
    with_rule_hit: bool
    with_rule_returned: tuple[int | str, ...]


def load_dialogues(path: str | Path) -> list[Dialogue]:
    source = Path(path)
    dialogues: list[Dialogue] = []
    for lineno, rec in json_lines(source):
        try:
            turns = rec["turns"]
            if len(turns) != 2:
                raise CorpusError(source, lineno, "turns", "a dialogue has exactly two turns")
            dialogues.append(
                Dialogue(
                    rec["id"],
                    rec["lang"],
                    (turns[0]["question"], turns[1]["question"]),
                    (tuple(turns[0]["expected"]), tuple(turns[1]["expected"])),
                )
            )
        except (KeyError, TypeError) as exc:
            raise CorpusError(source, lineno, "dialogue", f"not a dialogue line: {exc}") from exc
    return dialogues


def _returned(answer: Answer, k: int) -> tuple[int | str, ...]:
    return (*(h.article for h in answer.hits[:k]), *(f.kind for f in answer.front))


def _hit(answer: Answer, expected: Sequence[int | str], k: int) -> bool:
    return any(n in expected for n in _returned(answer, k))


def run_dialogues(searcher: Searcher, dialogues: Sequence[Dialogue], *, k: int = 3, retriever: str = "hybrid") -> list[DialogueOutcome]:
    outcomes: list[DialogueOutcome] = []
    for dialogue in dialogues:
        first = searcher.search(dialogue.questions[0], retriever=retriever)
        previous = Turn(first.question, tuple(h.article for h in first.hits))
        alone = searcher.search(dialogue.questions[1], retriever=retriever)
        answer, reading = ask_follow_up(partial(searcher.search, retriever=retriever), dialogue.questions[1], previous)
        outcomes.append(
            DialogueOutcome(dialogue, reading.rule, _hit(alone, dialogue.expected[1], k), _hit(answer, dialogue.expected[1], k), _returned(answer, k))
        )
    return outcomes


def summarize_dialogues(outcomes: Sequence[DialogueOutcome]) -> dict[str, object]:
    def share(values: Sequence[bool]) -> float | None:
        return round(sum(values) / len(values), 4) if values else None

    by_lang: dict[str, dict[str, float | int | None]] = {}
    for lang in sorted({o.dialogue.lang for o in outcomes}):
        part = [o for o in outcomes if o.dialogue.lang == lang]
        by_lang[lang] = {"n": len(part), "hit_at_3_alone": share([o.alone_hit for o in part]), "hit_at_3_with_rule": share([o.with_rule_hit for o in part])}
    rules: dict[str, int] = {}
    for o in outcomes:
        rules[o.rule] = rules.get(o.rule, 0) + 1
    return {
        "n": len(outcomes),
        "hit_at_3_alone": share([o.alone_hit for o in outcomes]),
        "hit_at_3_with_rule": share([o.with_rule_hit for o in outcomes]),
        "by_lang": by_lang,
        "rules": rules,
    }
