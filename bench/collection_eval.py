"""The evaluation sets asked of one collection: every set's regulation loaded together.

``qa eval`` asks each set of its own regulation, where the query adapter is not used (a single
regulation keeps the base model). This asks the same questions of all their regulations at once,
the smallest collection the adapter applies to, and scores ranking only (abstention off): a question
hits when an expected article *of its own regulation* is among the first ``--k``. Run it with and
without the adapter to see what it does in a small collection:

    .venv/bin/python bench/collection_eval.py
    QA_ADAPTER=off .venv/bin/python bench/collection_eval.py

The index is built once under ``index/eval-collection`` (a few minutes for e5 on two cores).
"""

from __future__ import annotations

import argparse
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from qa.corpus.library import load_library  # noqa: E402
from qa.corpus.model import Regulation  # noqa: E402
from qa.measure.crossval import load_sets  # noqa: E402
from qa.measure.evaluate import Question, load_questions  # noqa: E402
from qa.models.adapter import library_model  # noqa: E402
from qa.search import Ranking, Searcher  # noqa: E402

KINDS = ("paraphrase", "keyword")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sets", default=str(ROOT / "tests/eval/sets.json"))
    parser.add_argument("--model", default="e5+use", help="embedding model, as for qa eval")
    parser.add_argument("--k", type=int, default=3, help="hit@k (default: 3, as qa eval reports)")
    parser.add_argument("--index-dir", default=str(ROOT / "index/eval-collection"))
    parser.add_argument("--hybrid-weight", type=float, help="dense share of the hybrid score (default: the product's)")
    args = parser.parse_args(argv)
    sets = load_sets(args.sets, log=lambda m: print(m, file=sys.stderr))
    if len(sets) < 2:
        print("fewer than two regulations found: is the law library in ../shared?", file=sys.stderr)
        return 2
    regulations: list[Regulation] = []
    asked: list[tuple[str, Regulation, list[Question]]] = []
    for s in sets:
        (regulation,) = load_library(s.corpus, log=lambda m: None)
        regulations.append(regulation)
        asked.append((s.name, regulation, [q for q in load_questions(s.questions) if q.kind in KINDS]))
    ranking = Ranking(hybrid_weight=args.hybrid_weight) if args.hybrid_weight is not None else None
    searcher = Searcher(regulations, embedder=args.model, index_dir=Path(args.index_dir), ranking=ranking, abstain=False, log=lambda m: print(m, file=sys.stderr))
    model = library_model(args.model, len(regulations))
    hits: dict[tuple[str, str], list[bool]] = defaultdict(list)
    per_set: dict[str, list[bool]] = defaultdict(list)
    for name, regulation, questions in asked:
        for q in questions:
            answer = searcher.search(q.question, k=args.k)
            hit = any(h.regulation_id == regulation.id and h.article in q.expected for h in answer.hits[: args.k])
            hits[(q.kind, q.lang)].append(hit)
            if q.kind == "paraphrase":
                per_set[f"{name} {q.lang}"].append(hit)
    print(f"{len(regulations)} regulations as one collection, {len(searcher.docs)} articles; model {model}; "
          f"hybrid weight {searcher.ranking.hybrid_weight}; ranking only, hit@{args.k}")
    for (kind, lang), flags in sorted(hits.items()):
        print(f"  {kind:<10} {lang}  n={len(flags):<4} hit@{args.k} {sum(flags) / len(flags):.3f}")
    print("  paraphrase per set:")
    for key, flags in sorted(per_set.items()):
        print(f"    {key:<36} n={len(flags):<3} {sum(flags) / len(flags):.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
