"""Leave-one-regulation-out for the ranking settings: the hybrid weight and the role prior.

They were first chosen by hand (hybrid 0.7 on the first four sets, role prior 0.2 a priori). Here each fold
picks, from a small grid, the pair with the best in-scope hit@3 (paraphrase and keyword questions; MRR@10
breaks ties, then closeness to the defaults) on the other sets, and scores the one left out with it. The statute
prior is left out: it acts only when several regulations are loaded, and every set here is one regulation.
Abstention stays at the searcher's thresholds, which do not depend on the ranking.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from itertools import product
from typing import Sequence

from qa.measure.crossval import Fold
from qa.measure.evaluate import Outcome
from qa.measure.metrics import hit_at, mean, reciprocal_rank
from qa.measure.prepared import PreparedSet, outcomes
from qa.search.settings import Ranking

__all__ = ["HYBRID_WEIGHTS", "ROLE_PRIORS", "grid", "objective", "RankingChoice", "leave_one_out", "format_choices"]

HYBRID_WEIGHTS = (0.4, 0.5, 0.6, 0.7, 0.8, 0.9)
#: Wide enough that the default (0.4) is not at the edge: 0.8 already loses (docs/evaluation.md).
ROLE_PRIORS = (0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.8)


def grid(base: Ranking | None = None) -> list[Ranking]:
    base = base or Ranking()
    return [replace(base, hybrid_weight=w, role_prior=r) for w, r in product(HYBRID_WEIGHTS, ROLE_PRIORS)]


def objective(outs: Sequence[Outcome]) -> tuple[float, float]:
    """(hit@3, MRR@10) over in-scope paraphrase and keyword questions, an abstained answer a miss."""
    scope = [o for o in outs if o.question.kind in ("paraphrase", "keyword")]
    if not scope:
        return (0.0, 0.0)
    return (sum(hit_at(o.rank, 3) for o in scope) / len(scope), mean([reciprocal_rank(o.rank) for o in scope]))


def _key(ranking: Ranking, outs: Sequence[Outcome], default: Ranking) -> tuple[float, float, float]:
    hit3, mrr = objective(outs)
    distance = abs(ranking.hybrid_weight - default.hybrid_weight) + abs(ranking.role_prior - default.role_prior)
    return (round(hit3, 6), round(mrr, 6), -distance)


@dataclass(frozen=True)
class RankingChoice:
    """A fold's pick (from the other sets) and the pooled objective of every setting on all sets."""

    name: str
    chosen: Ranking
    train_objective: tuple[float, float]


def leave_one_out(sets: Sequence[PreparedSet], rankings: Sequence[Ranking] | None = None) -> tuple[list[Fold], list[RankingChoice], dict[Ranking, tuple[float, float]]]:
    """Folds (in-sample = the searcher's own ranking, held out = the setting chosen on the others), the
    choices, and every setting's objective pooled over all sets (in-sample, for the record)."""
    default = sets[0].searcher.ranking if sets else Ranking()
    rankings = list(rankings or grid(default))
    table = {r: {s.name: outcomes(s, ranking=r) for s in sets} for r in rankings}
    own = {s.name: outcomes(s) for s in sets}
    folds: list[Fold] = []
    choices: list[RankingChoice] = []
    for s in sets:
        def train(r: Ranking) -> list[Outcome]:
            return [o for name, outs in table[r].items() if name != s.name for o in outs]

        best = max(rankings, key=lambda r: _key(r, train(r), default))
        folds.append(Fold(s.name, s.searcher.abstention, tuple(own[s.name]), tuple(table[best][s.name])))
        choices.append(RankingChoice(s.name, best, objective(train(best))))
    pooled = {r: objective([o for outs in table[r].values() for o in outs]) for r in rankings}
    return folds, choices, pooled


def format_choices(choices: Sequence[RankingChoice], pooled: dict[Ranking, tuple[float, float]], default: Ranking) -> str:
    """Each fold's pick, then the grid's best settings pooled over every set (in-sample) and the default's place."""
    lines = ["ranking chosen on the other sets (hybrid weight, role prior) → training hit@3 / MRR"]
    for c in choices:
        lines.append(f"  {c.name[:28]:<28}  w {c.chosen.hybrid_weight:.1f}  role {c.chosen.role_prior:.1f}  → {c.train_objective[0]:.3f} / {c.train_objective[1]:.3f}")
    ordered = sorted(pooled, key=lambda r: (-pooled[r][0], -pooled[r][1]))
    lines.append("all sets pooled (in-sample), best five and the default:")
    place = ordered.index(default) + 1 if default in ordered else None
    for r in ordered[:5]:
        lines.append(f"  w {r.hybrid_weight:.1f}  role {r.role_prior:.1f}  hit@3 {pooled[r][0]:.3f}  MRR {pooled[r][1]:.3f}")
    if place is not None:
        lines.append(f"  default w {default.hybrid_weight:.1f}  role {default.role_prior:.1f}: hit@3 {pooled[default][0]:.3f}  MRR {pooled[default][1]:.3f} (place {place} of {len(ordered)})")
    return "\n".join(lines)
