"""Hybrid settings for the adapted dense channel, chosen by cross-validation on STARD's dev split.

The shipped adapter was trained on every dev question, so sweeping the hybrid weight on dev with it
would score its dense channel in-sample, where it looks stronger than on new questions. Here each dev
fold is asked through the product's ``Searcher`` over the library with an adapter trained without that
fold (the shipped adapter's settings, mined pairs and strength; folds as ``qa train --cv``), every
setting of ``bench/stard_sweep.py``'s kind is scored on the fold, and the folds are pooled. The choice
rule, fixed before the run: the highest mean of pooled R@10, R@100 and hit@1. The held-out fifth is not
read here; ``qa stard --split held-out`` checks the choice once, and ``bench/collection_eval.py
--hybrid-weight`` the twelve evaluation regulations as one collection, before it can become a default
(2026-12-03: 0.8 chosen here, not adopted; docs/stard.md).

    .venv/bin/python bench/adapter_fusion_cv.py            # needs the library's index (qa stard builds it)
    .venv/bin/python bench/adapter_fusion_cv.py --library L --queries Q --model hash   # any library (tests)
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

from qa.measure.metrics import question_weighted  # noqa: E402
from qa.measure.stard import Scores  # noqa: E402
from qa.models.adapter import adapted  # noqa: E402
from qa.search import Ranking, Searcher  # noqa: E402
from qa.train.evaluate import fold_of, rows_of  # noqa: E402
from qa.train.fit import fit  # noqa: E402
import shipped_training  # noqa: E402
from shipped_training import objective  # noqa: E402
from stard_sweep import Setting, sweep  # noqa: E402

WEIGHTS = (0.6, 0.7, 0.8, 0.9)
PRIORS = (0.05, 0.1, 0.15)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--folds", type=int, default=5)
    shipped_training.add_arguments(parser)
    parser.add_argument("--json", help="also write every fold's scores to this file")
    args = parser.parse_args(argv)
    if args.folds < 2:
        parser.error(f"--folds must be at least 2, not {args.folds}")
    settings = [
        Setting("dense", "dense", Ranking()),
        *(Setting(f"hybrid {w} + statute prior {p}", "hybrid", Ranking(hybrid_weight=w, statute_prior=p)) for w in WEIGHTS for p in PRIORS),
    ]
    try:
        shipped = shipped_training.load(args)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    fit_config, strength, index_dir, data = shipped.config, shipped.strength, shipped.index_dir, shipped.data
    library, queries, labels, articles, pairs, vectors = data.library, data.queries, data.labels, data.articles, data.pairs, data.vectors
    by_id = {q.id: q for q in queries}
    per_fold: list[list[Scores]] = []
    for fold in range(args.folds):
        rest = [i for i, p in enumerate(pairs) if fold_of(p, args.folds) != fold]
        adapter = fit(vectors, rows_of(pairs, rest, articles, fit_config.mined_weight), articles.vectors, fit_config, log=lambda m: None).with_strength(strength)
        asked = [by_id[p.id] for p in pairs if fold_of(p, args.folds) == fold]
        searcher = Searcher(library, embedder=adapted(args.model, adapter), index_dir=index_dir, abstain=False, log=lambda m: print(m, file=sys.stderr), progress=False)
        per_fold.append([s for _, s in sweep(searcher, asked, labels, settings, progress=True)])
        print(f"fold {fold + 1}/{args.folds}: {len(asked)} questions", file=sys.stderr)
    pooled = [question_weighted([fold[i] for fold in per_fold]) for i in range(len(settings))]
    best = max(range(1, len(settings)), key=lambda i: objective(pooled[i]))
    default = next(i for i, st in enumerate(settings) if st.retriever == "hybrid" and st.ranking == Ranking())
    print(f"STARD dev, {args.folds}-fold cross-validation: each fold ranked with an adapter trained without it "
          f"(strength {strength}); {pooled[0].questions} questions; * = the product's settings, > = chosen")
    for i, (setting, s) in enumerate(zip(settings, pooled)):
        mark = ">" if i == best else "*" if i == default else " "
        print(f"{mark} {setting.label:<30} R@5 {s.recall_at_5:.3f}  R@10 {s.recall_at_10:.3f}  R@100 {s.recall_at_100:.3f}  "
              f"hit@1 {s.hit_at_1:.3f}  MRR@10 {s.mrr:.3f}  objective {objective(s):.4f}")
    for n, fold_scores in enumerate(per_fold, 1):
        fold_best = max(range(1, len(settings)), key=lambda i: objective(fold_scores[i]))
        print(f"fold {n}: objective {objective(fold_scores[default]):.4f} (*) vs {objective(fold_scores[best]):.4f} (>); best here: {settings[fold_best].label}")
    if args.json:
        record = {"settings": [st.label for st in settings], "folds": [[asdict(s) for s in fold] for fold in per_fold], "chosen": settings[best].label}
        Path(args.json).write_text(json.dumps(record, ensure_ascii=False, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
