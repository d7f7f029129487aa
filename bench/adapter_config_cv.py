"""The adapter's training settings, compared by cross-validation and leave-laws-out on STARD's dev split.

The shipped adapter's temperature, rank, rounds and mined-pair weight were set once, not tuned. Here each variant
(see :data:`VARIANTS`) is trained exactly as ``qa train`` trains (``qa.train.data``,
``qa.train.evaluate``): its strength is chosen by ``qa train``'s own rule on the leave-laws-out check
(``choose_strength``), and it is scored by k-fold cross-validation on the dev questions at that strength (dense e5,
exact). The choice rule, fixed before the run: the highest mean of the cross-validated R@10, R@100 and hit@1; a
variant must beat the reference (``--against``: the shipped settings unless told) by more than 0.005 on that mean to
be chosen (less is within a few questions). ``--strength`` scores every variant at a given strength and skips the
leave-laws-out check (half the training). The held-out fifth is not read; a chosen variant is retrained with ``qa train`` and checked once by
``qa stard --split held-out`` and ``bench/collection_eval.py`` before it can ship.

    .venv/bin/python bench/adapter_config_cv.py            # needs the library's index (qa stard builds it)
    .venv/bin/python bench/adapter_config_cv.py --library L --queries Q --model hash --only shipped   # any library (tests)
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import asdict, replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

from qa.train.evaluate import STRENGTHS, DenseScores, choose_strength, cross_validate, leave_laws_out, pooled, pooled_at  # noqa: E402

import shipped_training  # noqa: E402
from shipped_training import objective  # noqa: E402

#: One setting changed at a time from the shipped adapter's (``shipped``: none), then (after six rounds was chosen,
#: 2026-12-03) one at a time from six rounds; compared against it with ``--against '6 rounds'``.
VARIANTS: dict[str, dict[str, object]] = {
    "shipped": {},
    "rank 16": {"rank": 16},
    "rank 64": {"rank": 64},
    "6 rounds": {"rounds": 6},
    "temperature 0.05": {"temperature": 0.05},
    "mined weight 1.0": {"mined_weight": 1.0},
    "mined weight 0.25": {"mined_weight": 0.25},
    "6 rounds, 3 seeds": {"rounds": 6, "seeds": 3},
    "8 rounds": {"rounds": 8},
    "6 rounds, rank 64": {"rounds": 6, "rank": 64},
    "6 rounds, 256 candidates": {"rounds": 6, "candidates": 256},
    "6 rounds, 2 epochs a round": {"rounds": 6, "epochs_per_round": 2},
    "6 rounds, temperature 0.03": {"rounds": 6, "temperature": 0.03},
    "6 rounds, weight decay 0.2": {"rounds": 6, "weight_decay": 0.2},
}
#: How much a variant must beat the reference (``--against``, by default the shipped settings) by on :func:`objective`.
MARGIN = 0.005


def choose(scores: dict[str, float], against: str = "shipped") -> str:
    """The variant with the highest objective, unless it beats ``against`` by no more than :data:`MARGIN`."""
    best = max(scores, key=lambda n: scores[n])
    return best if against not in scores or scores[best] > scores[against] + MARGIN else against


def _quiet(message: str) -> None:
    pass


def _row(s: DenseScores) -> str:
    return f"R@10 {s.recall_at_10:.3f}  R@100 {s.recall_at_100:.3f}  hit@1 {s.hit_at_1:.3f}"


def _unseen(figures: dict | None) -> str:
    return f"| leave-laws-out {_row(DenseScores(**figures))}" if figures else ""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    shipped_training.add_arguments(parser)
    parser.add_argument("--folds", type=int, default=5, help="cross-validation folds (default: 5)")
    parser.add_argument("--groups", type=int, default=5, help="leave-laws-out groups (default: 5, as the shipped adapter)")
    parser.add_argument("--only", action="append", choices=list(VARIANTS), help="compare only these variants (repeatable)")
    parser.add_argument("--against", default="shipped", choices=list(VARIANTS), help="the variant others must beat by the margin (default: shipped)")
    parser.add_argument("--strength", type=float, help="score every variant at this strength and skip the leave-laws-out check (half the training; "
                        "for variants of one whose strength that check already chose)")
    parser.add_argument("--json", help="also write every variant's figures to this file")
    args = parser.parse_args(argv)
    if min(args.folds, args.groups) < 2:
        parser.error("--folds and --groups must be at least 2")
    if args.strength is not None and args.strength not in STRENGTHS:
        parser.error(f"--strength must be one of {', '.join(map(str, STRENGTHS))}")
    try:
        shipped = shipped_training.load(args)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    base_config, data = shipped.config, shipped.data
    names = args.only or list(VARIANTS)
    results: dict[str, dict[str, object]] = {}
    for name in names:
        started = time.perf_counter()
        fit_config = replace(base_config, **VARIANTS[name])
        unseen = [] if args.strength is not None else leave_laws_out(data.pairs, data.vectors, data.articles, fit_config, args.groups, log=_quiet)
        strength = args.strength if args.strength is not None else choose_strength(unseen)
        folds = cross_validate(data.pairs, data.vectors, data.articles, fit_config, args.folds, log=_quiet)
        unseen_at, cv_at = pooled_at(unseen, strength) if unseen else None, pooled_at(folds, strength)
        assert cv_at and (unseen_at or not unseen), "choose_strength picks a scored strength"
        results[name] = {
            "config": asdict(fit_config), "strength": strength, "leave_laws_out": asdict(unseen_at) if unseen_at else None, "cv": asdict(cv_at),
            "base_cv": asdict(pooled(folds, "base")), "base_leave_laws_out": asdict(pooled(unseen, "base")) if unseen else None,
            "seconds": round(time.perf_counter() - started, 1),
        }
        print(f"{name}: strength {strength}, {results[name]['seconds']} s", file=sys.stderr)
    score = {n: objective(DenseScores(**r["cv"])) for n, r in results.items()}
    chosen = choose(score, args.against)
    first = next(iter(results.values()))
    at = f"strength {args.strength} (given)" if args.strength is not None else f"the strength the {args.groups}-group leave-laws-out check chooses"
    print(f"STARD dev, dense e5 (exact): {args.folds}-fold cross-validation at {at}; > = chosen (must beat {args.against} by > {MARGIN})")
    print(f"  {'no adapter':<26} {'':>8}  cv {_row(DenseScores(**first['base_cv']))}  {_unseen(first['base_leave_laws_out'])}")
    for name, r in results.items():
        mark = ">" if name == chosen else " "
        print(f"{mark} {name:<26} s={r['strength']:<6}  cv {_row(DenseScores(**r['cv']))}  {_unseen(r['leave_laws_out'])}  objective {score[name]:.4f}")
    if args.json:
        Path(args.json).write_text(json.dumps({"variants": results, "chosen": chosen}, ensure_ascii=False, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
