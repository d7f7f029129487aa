"""``qa train``: fit a query adapter for the e5 part of the library index, check it, write it.

Reads the library and STARD's dev split (never the held-out fifth), the article vectors from the index's
embedding cache (built by ``qa stard``; nothing is re-embedded), encodes the questions once into
``--work-dir``, trains (resuming from the state left there), optionally cross-validates and runs the
leave-laws-out check, and writes ``adapter.safetensors`` + ``manifest.json`` to ``--out``.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING

from qa import config

if TYPE_CHECKING:
    from qa.train.fit import FitConfig

__all__ = ["DESCRIPTION", "add_arguments", "run"]

DESCRIPTION = (
    "Train a query-side adapter for e5 on STARD's dev questions and pairs mined from the library, with the index's article "
    "vectors fixed (no rebuild); report dense recall on the training data, optional k-fold cross-validation and the "
    "leave-laws-out check; write adapter.safetensors and manifest.json."
)


def _err(message: str) -> None:
    print(message, file=sys.stderr)


def add_arguments(p: argparse.ArgumentParser) -> None:
    from qa.models.adapter import ADAPTABLE
    from qa.train.fit import KINDS, FitConfig

    d = FitConfig()
    p.add_argument("--out", required=True, help="folder to write the adapter to (adapter.safetensors, manifest.json)")
    p.add_argument("--queries", help="STARD questions (default: $QA_SHARED/benchmarks/stard/queries-train.json); only the dev split is used")
    p.add_argument("--library", help="folder of law documents (default: $QA_LIBRARY, else $QA_SHARED/regulations/library)")
    p.add_argument("--exclude", action="append", default=None, help="sub-folder of the library to leave out (repeatable; default: DLC)")
    p.add_argument("--model", choices=(*ADAPTABLE, "hash"), default="e5+use", help="the index's model; its e5 part is adapted (default: e5+use; hash is the test double)")
    p.add_argument("--index-dir", help="the library's index, whose embedding cache holds the article vectors (default: as qa stard)")
    p.add_argument("--work-dir", help="question-vector cache and resumable training state (default: $XDG_CACHE_HOME/anhui-nev-qa/train)")
    p.add_argument("--kind", choices=KINDS, default=d.kind, help=f"the map: full matrix or low-rank (default: {d.kind})")
    p.add_argument("--rank", type=int, default=d.rank, help=f"rank of a low-rank map (default: {d.rank})")
    p.add_argument("--rounds", type=int, default=d.rounds, help=f"rounds (hard negatives recomputed, state saved after each; default: {d.rounds})")
    p.add_argument("--seed", type=int, default=d.seed, help=f"seed for initialisation, order, negatives and mining (default: {d.seed})")
    p.add_argument("--seeds", type=int, default=d.seeds, help=f"maps trained from seeds SEED, SEED+1 … and averaged (default: {d.seeds})")
    p.add_argument("--mined-per-law", type=int, default=3, help="mined pairs of each kind per regulation; 0 trains on STARD only (default: 3)")
    p.add_argument("--limit", type=int, help="only the first N dev questions (quick runs)")
    p.add_argument("--cv", type=int, default=0, metavar="FOLDS", help="also cross-validate on the dev questions in FOLDS folds")
    p.add_argument("--leave-laws-out", type=int, default=0, metavar="GROUPS", help="also run the leave-laws-out check with GROUPS groups of laws")
    p.add_argument(
        "--strength", type=float, help="share of the learned update applied, 0 to 1 (default: with --leave-laws-out the strongest "
        "at which that check is no worse than the base model, else 1)"
    )
    p.add_argument("--fresh", action="store_true", help="ignore training state left in --work-dir")
    p.add_argument("--json", action="store_true", help="print the manifest as JSON (no progress bars)")


def run(args: argparse.Namespace) -> int:
    from qa.models.adapter import AdapterError
    from qa.train.fit import FitConfig

    try:
        if min(args.rank, args.rounds, args.seeds) < 1 or min(args.cv, args.leave_laws_out, args.mined_per_law) < 0:
            raise ValueError("--rank, --rounds and --seeds must be at least 1; --cv, --leave-laws-out and --mined-per-law not negative")
        fit_config = FitConfig(kind=args.kind, rank=args.rank, rounds=args.rounds, seed=args.seed, seeds=args.seeds)
        if args.strength is not None and not 0 <= args.strength <= 1:
            raise ValueError(f"--strength must be from 0 to 1, not {args.strength}")
        manifest = _train(args, fit_config)
    except (ValueError, AdapterError) as exc:
        _err(f"error: {exc}")
        return 2
    if args.json:
        print(json.dumps(manifest, ensure_ascii=False))
    else:
        for name, scores in manifest["metrics"].items():
            print(f"{name}: {json.dumps(scores, ensure_ascii=False)}")
        print(f"adapter written to {args.out}")
    return 0


def _train(args: argparse.Namespace, fit_config: FitConfig) -> dict:
    import shutil

    from qa.files import sha256_file
    from qa.models.adapter import QueryAdapter, save_adapter
    from qa.train.data import training_data
    from qa.train.evaluate import STRENGTHS, choose_strength, cross_validate, leave_laws_out, pooled, pooled_at, rows_of, score
    from qa.train.fit import data_hash, fit
    from qa.train.vectors import adapted_part

    started = time.perf_counter()
    progress = not args.json
    queries_path = Path(args.queries) if args.queries else config.stard_queries()
    library_path = Path(args.library) if args.library else config.library_dir()
    index_dir = config.stard_index_dir(library_path, args.index_dir)
    work_dir = Path(args.work_dir) if args.work_dir else config.cache_dir() / "train"
    data = training_data(
        library_path, queries_path, index_dir, work_dir, model=args.model, seed=fit_config.seed, mined_per_law=args.mined_per_law,
        limit=args.limit, exclude=args.exclude if args.exclude is not None else ["DLC"], progress=progress, log=_err,
    )
    state_dir = work_dir / "state"
    if args.fresh and state_dir.exists():
        shutil.rmtree(state_dir)
    embedder, articles, pairs, vectors = data.embedder, data.articles, data.pairs, data.vectors
    part, _ = adapted_part(embedder)
    rows = rows_of(pairs, range(len(pairs)), articles, fit_config.mined_weight)
    if not len(rows):
        raise ValueError("no training pairs: no STARD label maps to an article of this library")
    adapter = fit(vectors, rows, articles.vectors, fit_config, state_dir=state_dir, progress=progress, log=_err)

    stard = [i for i, p in enumerate(pairs) if p.source == "stard"]
    log = (lambda m: None) if args.json else _err
    checks: dict[str, list] = {}
    for name, n, check in (("cv", args.cv, cross_validate), ("leave_laws_out", args.leave_laws_out, leave_laws_out)):
        if n:
            checks[name] = check(pairs, vectors, articles, fit_config, n, log=log)
    chosen = args.strength if args.strength is not None else choose_strength(checks["leave_laws_out"]) if "leave_laws_out" in checks else 1.0
    adapter = adapter.with_strength(chosen)
    dev = [pairs[i] for i in stard]
    metrics: dict[str, object] = {"dev_in_sample": {"base": asdict(score(dev, vectors[stard], articles)), "adapted": asdict(score(dev, vectors[stard], articles, adapter))}}
    for name, results in checks.items():
        scaled = {str(s): asdict(pooled(results, "adapted", s)) for s in STRENGTHS}
        at_chosen = pooled_at(results, chosen)
        metrics[name] = {"base": asdict(pooled(results, "base")), "adapted": asdict(at_chosen) if at_chosen else None, "scaled": scaled, "parts": [r.to_dict() for r in results]}
    manifest = {
        "base_model_id": part.model_id,
        "index_model_id": embedder.model_id,
        "kind": fit_config.kind,
        "languages": ["zh"],
        "strength": chosen,
        "strength_chosen_by": "--strength" if args.strength is not None else "leave-laws-out" if "leave_laws_out" in checks else "default",
        "seed": fit_config.seed,
        "config": asdict(fit_config),
        "data": {
            "stard_file": queries_path.name,
            "stard_sha256": sha256_file(queries_path),
            "stard_split": "dev",
            "stard_questions": len(stard),
            "mined_pairs": dict(Counter(p.source for p in pairs if p.source != "stard")),
            "mined_per_law": args.mined_per_law,
            "articles": len(articles.keys),
            "article_vectors_sha256": data_hash(articles.vectors),
            "question_vectors_sha256": data_hash(vectors),
        },
        "metrics": metrics,
        "trained_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "seconds": round(time.perf_counter() - started, 1),
    }
    save_adapter(QueryAdapter(adapter.bias, adapter.delta, adapter.down, adapter.up, manifest), Path(args.out))
    return manifest
