"""The measures every report uses (evaluate, stard, bench, loadtest), each defined once.

Percentiles are nearest-rank: the smallest observed value with at least q % of the sample at or
below it, so a reported p95 is a latency that was actually measured. Ranking measures take a
ranked list (best first) and the set of right answers.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, fields, replace
from typing import Any, ClassVar, Collection, Protocol, Sequence, TypeVar

import numpy as np

from qa.search.searcher import RETRIEVERS

__all__ = [
    "COMPARED_RETRIEVERS",
    "Percentiles",
    "percentile",
    "mean",
    "share",
    "first_rank",
    "hit_at",
    "reciprocal_rank",
    "recall_at",
    "question_weighted",
]

T = TypeVar("T")


class _Counted(Protocol):
    """A dataclass of scores over ``questions`` questions."""

    __dataclass_fields__: ClassVar[dict[str, Any]]

    @property
    def questions(self) -> int: ...


C = TypeVar("C", bound=_Counted)

#: Every retriever, in the order reports list them: the two parts, then their fusion.
COMPARED_RETRIEVERS: tuple[str, ...] = tuple(sorted(RETRIEVERS, key=lambda r: r == "hybrid"))


def percentile(values: Sequence[float], q: float) -> float:
    """The nearest-rank ``q``-th percentile (0–100) of ``values``; NaN for no values."""
    if len(values) == 0:
        return math.nan
    return float(np.percentile(np.asarray(values, dtype=float), q, method="inverted_cdf"))


@dataclass(frozen=True)
class Percentiles:
    """p50/p95/p99 and mean of a sample of timings, rounded for reports, and its size."""

    p50: float
    p95: float
    p99: float
    mean: float
    n: int

    @classmethod
    def of(cls, values: Sequence[float], digits: int = 2) -> Percentiles:
        if len(values) == 0:
            return cls(math.nan, math.nan, math.nan, math.nan, 0)
        p50, p95, p99 = (round(percentile(values, q), digits) for q in (50, 95, 99))
        return cls(p50, p95, p99, round(mean(values), digits), len(values))

    def to_dict(self) -> dict[str, float]:
        return asdict(self)


def mean(values: Sequence[float]) -> float:
    """The arithmetic mean; NaN for no values."""
    return float(np.mean(values)) if len(values) else math.nan


def share(flags: Sequence[bool]) -> float:
    """The fraction of ``flags`` that are true; NaN for none."""
    return sum(flags) / len(flags) if len(flags) else math.nan


def first_rank(ranked: Sequence[T], gold: Collection[T]) -> int | None:
    """The 1-based rank of the first right answer in ``ranked``, None if there is none."""
    return next((i for i, item in enumerate(ranked, 1) if item in gold), None)


def hit_at(rank: int | None, k: int) -> bool:
    """Whether a right answer is among the first ``k`` (``rank`` from :func:`first_rank`)."""
    return rank is not None and rank <= k


def reciprocal_rank(rank: int | None, cutoff: int = 10) -> float:
    """1/rank if a right answer is within ``cutoff`` (MRR@cutoff averages it), else 0."""
    return 1.0 / rank if rank is not None and rank <= cutoff else 0.0


def recall_at(ranked: Sequence[T], gold: Collection[T], k: int) -> float:
    """The share of the right answers found in the first ``k`` of ``ranked``."""
    return len(set(gold) & set(ranked[:k])) / len(gold)


def question_weighted(parts: Sequence[C]) -> C:
    """The parts (folds, groups) as one: ``questions`` summed, every float field averaged weighted by each part's
    questions and rounded to 4 places (NaN when no part has a question); other fields are the first part's."""
    n = sum(p.questions for p in parts)
    averaged = {
        f.name: round(sum(getattr(p, f.name) * p.questions for p in parts) / n, 4) if n else math.nan
        for f in fields(parts[0]) if f.type in ("float", float)
    }
    return replace(parts[0], questions=n, **averaged)
