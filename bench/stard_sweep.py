"""Fusion sweep on STARD: how dense and BM25 combine, and the statute prior, per split.

Scores every article exactly (no HNSW, no candidate cut-off), so figures run ~0.01 above
``qa stard``. Needs the library's embedding cache, which ``qa stard`` (dense or hybrid) writes
first; this script embeds only what is missing. The choices in ``qa.search.searcher.Thresholds``
(``hybrid_weight``, ``statute_prior``) were made on ``--split dev``; ``--split held-out`` checks them.

    .venv/bin/python bench/stard_sweep.py --split dev
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main(argv: list[str] | None = None) -> int:
    import bm25s

    from qa.models import get_embedder
    from qa.index.dense import EmbeddingCache, _safe, units_of
    from qa.corpus.library import load_library
    from qa.config import library_dir, stard_queries
    from qa.measure.stard import load_queries, parse_label, split_of, title_key
    from qa.lang.text import normalize, tokens

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--split", choices=["dev", "held-out"], default="dev")
    parser.add_argument("--index-dir", default=str(ROOT / "index" / "stard-library"), help="where qa stard keeps the library's index and cache")
    args = parser.parse_args(argv)
    if not stard_queries().is_file():
        print(f"STARD not found at {stard_queries()}", file=sys.stderr)
        return 2

    library = load_library(library_dir(), exclude=["DLC"], log=lambda m: None)
    pairs = [(u, t) for u, t in units_of(library) if u.paragraph is None and u.lang == "zh"]
    position = {(title_key(library[u.regulation].title), u.article, u.suffix): i for i, (u, _) in enumerate(pairs)}
    embedder = get_embedder("e5+use")
    cache = EmbeddingCache(Path(args.index_dir) / "cache" / f"{_safe(embedder.model_id)}.npz", dim=embedder.dim)
    vectors = cache.encode([t for _, t in pairs], embedder.encode_passages, progress=True)[:, :384]  # Chinese questions use e5 only
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)

    queries = [q for q in load_queries(stard_queries()) if split_of(q) == args.split]
    gold = [{position[p] for p in map(parse_label, q.labels) if p in position} for q in queries]
    queries, gold = [q for q, g in zip(queries, gold) if g], [g for g in gold if g]
    texts = [normalize(q.question) for q in queries]
    dense = embedder.parts[0].encode_queries(texts) @ vectors.T

    bm25 = bm25s.BM25()
    bm25.index([tokens(f"{context} {library[u.regulation].article(u.article, u.suffix).text}") for (u, _), context in zip(pairs, _contexts(library, pairs))], show_progress=False)
    lexical = np.zeros_like(dense)
    for i, text in enumerate(texts):
        terms = [t for t in dict.fromkeys(tokens(text)) if t in bm25.vocab_dict]
        if terms:
            lexical[i] = bm25.get_scores(terms)
    statute = np.array([bool(re.search(r"法典?$", library[u.regulation].title)) for u, _ in pairs], np.float32)

    def minmax(x: np.ndarray) -> np.ndarray:
        low, high = x.min(axis=1, keepdims=True), x.max(axis=1, keepdims=True)
        return (x - low) / np.where(high > low, high - low, 1)

    def show(scores: np.ndarray, label: str) -> None:
        r5, r10, r100, h1, mrr = [], [], [], [], []
        for s, g in zip(scores, gold):
            top = np.argpartition(-s, 100)[:100]
            top = top[np.argsort(-s[top])]
            r5.append(len(g & set(top[:5])) / len(g))
            r10.append(len(g & set(top[:10])) / len(g))
            r100.append(len(g & set(top)) / len(g))
            h1.append(top[0] in g)
            mrr.append(next((1 / (i + 1) for i, d in enumerate(top[:10]) if d in g), 0.0))
        print(f"{label:<34} R@5 {np.mean(r5):.3f}  R@10 {np.mean(r10):.3f}  R@100 {np.mean(r100):.3f}  hit@1 {np.mean(h1):.3f}  MRR@10 {np.mean(mrr):.3f}")

    print(f"STARD {args.split}: {len(queries)} questions, {len(pairs)} articles")
    show(dense, "dense (e5)")
    show(lexical, "bm25")
    d, l = minmax(dense), minmax(lexical)
    for w in (0.5, 0.6, 0.7, 0.8, 0.9):
        show(w * d + (1 - w) * l, f"hybrid min-max, dense weight {w}")
    ranks = [np.argsort(np.argsort(-x, axis=1), axis=1) for x in (dense, lexical)]
    for w in (0.5, 0.6, 0.7):
        show(w / (60 + ranks[0]) + (1 - w) / (60 + ranks[1]), f"reciprocal-rank fusion, weight {w}")
    for prior in (0.05, 0.1, 0.15):
        show(0.7 * d + 0.3 * l + prior * statute, f"hybrid 0.7 + statute prior {prior}")
    return 0


def _contexts(library, pairs):  # type: ignore[no-untyped-def]
    from qa.index.dense import article_context

    return [article_context(library, u.regulation, library[u.regulation].article(u.article, u.suffix)) for u, _ in pairs]


if __name__ == "__main__":
    raise SystemExit(main())
