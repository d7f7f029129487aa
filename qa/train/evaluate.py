"""Scoring an adapter without the product index: exact dense ranking over every article (e5 part only).

Three checks, all on the dev split of STARD (the held-out fifth is scored by ``qa stard`` through the
product's own Searcher, once per final variant):

- :func:`cross_validate`: k folds of dev questions; each fold scored by an adapter trained without it;
- :func:`leave_laws_out`: laws split into groups; each group's questions scored by an adapter trained
  with *every* pair naming one of its laws removed (STARD's and mined ones). An adapter that only learned
  which laws STARD asks about can do no better than the base model here; it must not do worse.

Both score each adapter at every :data:`STRENGTHS` (its learned update scaled down toward the base model), and
:func:`choose_strength` takes the strongest at which the leave-laws-out check is no worse than the base: the
shrinkage keeps what transfers and gives back what was only a preference for STARD's laws.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Callable, Sequence

import numpy as np

from qa.measure.metrics import first_rank, hit_at, mean, question_weighted, recall_at, reciprocal_rank, share
from qa.models.adapter import QueryAdapter
from qa.train.fit import FitConfig, Rows, fit, nearest
from qa.train.pairs import Pair
from qa.train.vectors import Articles

__all__ = ["DenseScores", "Comparison", "STRENGTHS", "score", "rows_of", "fold_of", "cross_validate", "leave_laws_out", "law_groups", "pooled", "pooled_at", "choose_strength"]

#: Strengths every held-out adapter is scored at (1.0: as trained).
STRENGTHS = (0.25, 0.5, 0.75, 1.0)


@dataclass(frozen=True)
class DenseScores:
    questions: int
    recall_at_10: float
    recall_at_100: float
    hit_at_1: float
    mrr: float


@dataclass(frozen=True)
class Comparison:
    """The same questions ranked by the base model and by an adapter trained without them (``adapted``, as
    trained; ``scaled``, at each strength of :data:`STRENGTHS`)."""

    name: str
    base: DenseScores
    adapted: DenseScores
    scaled: dict[float, DenseScores] = field(default_factory=dict)

    def to_dict(self) -> dict:
        scaled = {str(k): asdict(v) for k, v in self.scaled.items()}
        return {"name": self.name, "base": asdict(self.base), "adapted": asdict(self.adapted)} | ({"scaled": scaled} if scaled else {})


def score(pairs: Sequence[Pair], vectors: np.ndarray, articles: Articles, adapter: QueryAdapter | None = None) -> DenseScores:
    """Dense e5 ranking quality of ``pairs`` (their query rows ``vectors``), top 100, exact."""
    if not pairs:
        return DenseScores(0, float("nan"), float("nan"), float("nan"), float("nan"))
    q = adapter.apply(vectors) if adapter is not None else vectors
    top = nearest(q, articles.vectors, 100)
    ranked = [[articles.keys[j] for j in row] for row in top]
    ranks = [first_rank(r, p.gold) for r, p in zip(ranked, pairs)]
    return DenseScores(
        questions=len(pairs),
        recall_at_10=round(mean([recall_at(r, p.gold, 10) for r, p in zip(ranked, pairs)]), 4),
        recall_at_100=round(mean([recall_at(r, p.gold, 100) for r, p in zip(ranked, pairs)]), 4),
        hit_at_1=round(share([hit_at(k, 1) for k in ranks]), 4),
        mrr=round(mean([reciprocal_rank(k) for k in ranks]), 4),
    )


def rows_of(pairs: Sequence[Pair], indices: Sequence[int], articles: Articles, mined_weight: float) -> Rows:
    """Training rows for ``pairs[i]`` (i in ``indices``; its vector row is i), golds not in ``articles`` dropped."""
    position = articles.position()
    query, target, golds, weight = [], [], [], []
    for i in indices:
        found = frozenset(position[g] for g in pairs[i].gold if g in position)
        for g in sorted(found):
            query.append(i)
            target.append(g)
            golds.append(found)
            weight.append(1.0 if pairs[i].source == "stard" else mined_weight)
    return Rows(np.array(query, np.int64), np.array(target, np.int64), golds, np.array(weight, np.float32))


Trainer = Callable[[Rows], QueryAdapter]


def _compare(name: str, pairs: Sequence[Pair], vectors: np.ndarray, articles: Articles, adapter: QueryAdapter) -> Comparison:
    scaled = {s: score(pairs, vectors, articles, adapter.with_strength(s)) for s in STRENGTHS}
    return Comparison(name, score(pairs, vectors, articles), scaled[1.0], scaled)


def _trainer(vectors: np.ndarray, articles: Articles, config: FitConfig) -> Trainer:
    return lambda rows: fit(vectors, rows, articles.vectors, config, log=lambda m: None)


def fold_of(pair: Pair, folds: int) -> int | None:
    """The cross-validation fold of a STARD pair, by question id (dev ids skip every fifth: ``id // 5`` spreads
    them evenly); None for a mined pair, which always trains."""
    return (pair.id // 5) % folds if pair.source == "stard" else None


def cross_validate(pairs: Sequence[Pair], vectors: np.ndarray, articles: Articles, config: FitConfig, folds: int = 5, *, log: Callable[[str], None] = print) -> list[Comparison]:
    """STARD questions in ``folds`` folds by id; mined pairs always train. One Comparison per fold."""
    train = _trainer(vectors, articles, config)
    results = []
    for fold in range(folds):
        test = [i for i, p in enumerate(pairs) if fold_of(p, folds) == fold]
        rest = [i for i, p in enumerate(pairs) if fold_of(p, folds) != fold]
        adapter = train(rows_of(pairs, rest, articles, config.mined_weight))
        chosen = [pairs[i] for i in test]
        results.append(_compare(f"fold {fold + 1}", chosen, vectors[test], articles, adapter))
        log(f"cv fold {fold + 1}/{folds}: {results[-1].to_dict()}")
    return results


def law_groups(pairs: Sequence[Pair], groups: int) -> list[frozenset[str]]:
    """The laws STARD's questions name, in ``groups`` groups of about equal question counts (greedy, by count)."""
    counts: dict[str, int] = {}
    for p in pairs:
        if p.source == "stard":
            for law in p.laws:
                counts[law] = counts.get(law, 0) + 1
    bins: list[tuple[int, list[str]]] = [(0, []) for _ in range(groups)]
    for law, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
        i = min(range(groups), key=lambda b: (bins[b][0], b))
        bins[i] = (bins[i][0] + n, bins[i][1] + [law])
    return [frozenset(laws) for _, laws in bins]


def leave_laws_out(pairs: Sequence[Pair], vectors: np.ndarray, articles: Articles, config: FitConfig, groups: int = 5, *, log: Callable[[str], None] = print) -> list[Comparison]:
    """For each group of laws: train without any pair that names one of them, score the STARD questions that do."""
    train = _trainer(vectors, articles, config)
    results = []
    for n, laws in enumerate(law_groups(pairs, groups), 1):
        test = [i for i, p in enumerate(pairs) if p.source == "stard" and p.laws & laws]
        rest = [i for i, p in enumerate(pairs) if not p.laws & laws]
        adapter = train(rows_of(pairs, rest, articles, config.mined_weight))
        chosen = [pairs[i] for i in test]
        name = f"group {n}: {len(laws)} laws ({', '.join(sorted(laws)[:3])}{' …' if len(laws) > 3 else ''})"
        results.append(_compare(name, chosen, vectors[test], articles, adapter))
        log(f"leave-laws-out {n}/{groups}: {results[-1].to_dict()}")
    return results


def pooled(results: Sequence[Comparison], which: str, strength: float | None = None) -> DenseScores:
    """Question-weighted mean of the folds' or groups' scores (``which`` = "base" or "adapted"; with ``strength``,
    the adapted scores at that strength)."""
    parts: list[DenseScores] = [getattr(r, which) if strength is None or which == "base" else r.scaled[strength] for r in results if r.base.questions]
    return question_weighted(parts) if parts else DenseScores(0, *(float("nan"),) * 4)


def pooled_at(results: Sequence[Comparison], strength: float) -> DenseScores | None:
    """The pooled scores at ``strength`` as :func:`choose_strength` means it (0: the base model); None at a strength
    that was not scored."""
    if strength == 0:
        return pooled(results, "base")
    return pooled(results, "adapted", strength) if strength in STRENGTHS else None


def choose_strength(results: Sequence[Comparison]) -> float:
    """The strongest of :data:`STRENGTHS` at which the leave-laws-out ``results`` are no worse than the base model
    on pooled recall@10, recall@100 and hit@1 (0.0, the base model itself, when none is)."""
    base = pooled(results, "base")
    fields = ("recall_at_10", "recall_at_100", "hit_at_1")
    fine = [s for s in STRENGTHS if all(getattr(pooled(results, "adapted", s), f) >= getattr(base, f) for f in fields)]
    return max(fine, default=0.0)
