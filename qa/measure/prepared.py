"""Question sets measured once, answered many ways: the cache behind every leave-one-regulation-out sweep.

Encoding a question is most of an answer's cost; ranking and abstaining are array arithmetic. A
:class:`PreparedSet` keeps :meth:`Searcher.prepare`'s result for each question of a set, so a sweep over
fusion weights, thresholds or confidence models re-answers 783 questions in seconds instead of re-encoding
them for each setting and fold.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace
from typing import Sequence

from qa.measure.evaluate import Outcome, Question, outcome_of
from qa.search import Abstention, Searcher
from qa.search.settings import Ranking
from qa.search.searcher import Prepared

__all__ = ["PreparedSet", "prepare_set", "outcomes"]


@dataclass(frozen=True)
class PreparedSet:
    """One set's questions, each measured against its regulation (hybrid, ``k`` articles), with the time
    each measurement took."""

    name: str
    searcher: Searcher
    questions: tuple[Question, ...]
    prepared: tuple[Prepared, ...]
    prepare_ms: tuple[float, ...] = ()


def prepare_set(name: str, searcher: Searcher, questions: Sequence[Question], k: int = 10) -> PreparedSet:
    """Measure every question once (as :func:`qa.measure.evaluate.run` asks them: hybrid, ``k`` = 10)."""
    prepared: list[Prepared] = []
    elapsed: list[float] = []
    for q in questions:
        started = time.perf_counter()
        prepared.append(searcher.prepare(q.question, k=k, retriever="hybrid"))
        elapsed.append((time.perf_counter() - started) * 1000)
    return PreparedSet(name, searcher, tuple(questions), tuple(prepared), tuple(elapsed))


def outcomes(prepared: PreparedSet, *, ranking: Ranking | None = None, abstention: Abstention | None = None) -> list[Outcome]:
    """The set's outcomes with these settings (default: the searcher's own). Latency is the question's
    measurement plus this answer, as :meth:`Searcher.search` would have taken without its cache."""
    answer = prepared.searcher.answer
    out: list[Outcome] = []
    for q, p, ms in zip(prepared.questions, prepared.prepared, prepared.prepare_ms or (0.0,) * len(prepared.prepared)):
        started = time.perf_counter()
        result = answer(p, ranking=ranking, abstention=abstention)
        out.append(replace(outcome_of(q, result), latency_ms=round(ms + (time.perf_counter() - started) * 1000, 2)))
    return out
