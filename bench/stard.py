"""Real citizens' questions: STARD (THUIR 2024, MIT) against our index of the national law library.

Each STARD question is labelled with the statute articles that answer it (``match_name`` such as
``中华人民共和国民法典第五十四条``). We load every national-level document of
``../shared/regulations/library/`` (everything outside ``DLC/``) behind one Searcher, ask each
question with abstention off, and report recall@k (share of gold articles in the top k) and hit@k
(any gold article in the top k). Published anchor: the paper's best method reaches Recall@100 of
0.907 on its dev split (we run its train split, 1,235 questions, which is all that ships here).

    .venv/bin/python bench/stard.py [--retriever bm25|dense|hybrid] [--model use] [--limit N] [--json]
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from collections import defaultdict
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
LIBRARY = SHARED / "regulations" / "library"
QUERIES = SHARED / "benchmarks" / "stard" / "queries-train.json"
KS = (1, 5, 10, 20, 50, 100)


def norm_title(title: str) -> str:
    """Titles as STARD and the library both write them: without 中华人民共和国 or brackets' spacing."""
    title = re.sub(r"\s+", "", title).replace("中华人民共和国", "")
    return title.replace("(", "（").replace(")", "）")


def gold_of(name: str) -> tuple[str, int] | None:
    from qa.numerals import from_chinese

    match = re.match(r"^(.*)第([零〇一二三四五六七八九十百千]+)条$", name)
    if not match:
        return None
    return norm_title(match.group(1)), from_chinese(match.group(2))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--retriever", default="bm25", choices=["bm25", "dense", "hybrid"])
    parser.add_argument("--model", default="use", help="embedding model for dense/hybrid (default: use, the fastest to embed 65k articles)")
    parser.add_argument("--limit", type=int, help="only the first N questions")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    if not QUERIES.is_file():
        print(f"STARD not found at {QUERIES}: ../shared is not beside the project", file=sys.stderr)
        return 2
    sys.path.insert(0, str(ROOT))
    from qa.corpus import CorpusError
    from qa.importer import parse_document
    from qa.retrieve import Searcher, Thresholds

    started = time.perf_counter()
    documents = sorted(p for p in LIBRARY.rglob("*.md") if "DLC" not in p.parts)
    library, failed = [], 0
    for path in documents:
        try:
            library.append(parse_document(path, strict_headings=False))
        except CorpusError:
            failed += 1
    load_s = time.perf_counter() - started
    titles = {i: norm_title(r.title) for i, r in enumerate(library)}
    present = {(titles[i], a.number) for i, r in enumerate(library) for a in r.articles}
    print(f"{len(library)} documents ({failed} refused), {sum(len(r.articles) for r in library)} articles, loaded in {load_s:.0f} s", file=sys.stderr)
    embedder = None if args.retriever == "bm25" else args.model
    started = time.perf_counter()
    searcher = Searcher(
        library,
        embedder=embedder,
        index_dir=ROOT / "index" / f"stard-{args.model}",
        thresholds=Thresholds(dense_zh=1e-9, dense_en=1e-9, lexical=1e-9),
        log=lambda m: print(m, file=sys.stderr),
    )
    index_s = time.perf_counter() - started
    queries = json.loads(QUERIES.read_text(encoding="utf-8"))[: args.limit]
    recall: dict[int, list[float]] = defaultdict(list)
    hit: dict[int, list[float]] = defaultdict(list)
    unreachable = 0
    times: list[float] = []
    for q in queries:
        gold = {g for g in map(gold_of, q["match_name"]) if g}
        reachable = gold & present
        unreachable += len(gold - present)
        if not reachable:
            continue
        t = time.perf_counter()
        answer = searcher.search(q["问题"], k=max(KS), retriever=args.retriever)
        times.append((time.perf_counter() - t) * 1000)
        ranked = [(norm_title(h.regulation_title), h.article) for h in answer.hits]
        for k in KS:
            found = reachable & set(ranked[:k])
            recall[k].append(len(found) / len(reachable))
            hit[k].append(float(bool(found)))
    result = {
        "questions": len(queries),
        "scored": len(recall[1]),
        "gold_articles_missing_from_library": unreachable,
        "retriever": args.retriever,
        "model": embedder,
        "recall": {k: round(float(np.mean(v)), 4) for k, v in recall.items()},
        "hit": {k: round(float(np.mean(v)), 4) for k, v in hit.items()},
        "query_ms": {"p50": round(float(np.percentile(times, 50)), 1), "p95": round(float(np.percentile(times, 95)), 1)},
        "load_s": round(load_s, 1),
        "index_s": round(index_s, 1),
    }
    if args.json:
        print(json.dumps(result, ensure_ascii=False))
    else:
        print(f"STARD train, {result['scored']} of {result['questions']} questions scored ({unreachable} gold articles not in the library)")
        print("k        " + "  ".join(f"{k:>6}" for k in KS))
        print("recall@k " + "  ".join(f"{result['recall'][k]:6.3f}" for k in KS))
        print("hit@k    " + "  ".join(f"{result['hit'][k]:6.3f}" for k in KS))
        print(f"query p50 {result['query_ms']['p50']} ms, p95 {result['query_ms']['p95']} ms; load {load_s:.0f} s, index {index_s:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
