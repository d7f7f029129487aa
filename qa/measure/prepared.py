"""Question sets measured once, answered many ways: the cache behind every leave-one-regulation-out sweep.

Encoding a question is most of an answer's cost; ranking and abstaining are array arithmetic. A
:class:`PreparedSet` keeps :meth:`Searcher.prepare`'s result for each question of a set, so a sweep over
fusion weights, thresholds or confidence models re-answers 783 questions in seconds instead of re-encoding
them for each setting and fold.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from qa.measure.evaluate import Outcome, Question, outcome_of
from qa.search import Abstention, Searcher
from qa.search.fusion import Ranking
from qa.search.searcher import Prepared

__all__ = ["PreparedSet", "prepare_set", "outcomes"]


@dataclass(frozen=True)
class PreparedSet:
    """One set's questions, each measured against its regulation (hybrid, ``k`` articles)."""

    name: str
    searcher: Searcher
    questions: tuple[Question, ...]
    prepared: tuple[Prepared, ...]


def prepare_set(name: str, searcher: Searcher, questions: Sequence[Question], k: int = 10) -> PreparedSet:
    """Measure every question once (as :func:`qa.measure.evaluate.run` asks them: hybrid, ``k`` = 10)."""
    return PreparedSet(name, searcher, tuple(questions), tuple(searcher.prepare(q.question, k=k, retriever="hybrid") for q in questions))


def outcomes(prepared: PreparedSet, *, ranking: Ranking | None = None, abstention: Abstention | None = None) -> list[Outcome]:
    """The set's outcomes with these settings (default: the searcher's own); latency is not measured here."""
    answer = prepared.searcher.answer
    return [outcome_of(q, answer(p, ranking=ranking, abstention=abstention)) for q, p in zip(prepared.questions, prepared.prepared)]
