"""FAISS on its own: search time, and the recall of the approximate index against exact search.

With ``sweep``, other HNSW efSearch and IVF nprobe settings are measured as well (build time,
ms/query, recall@10), to choose the approximate index (docs/benchmarks.md).
"""

from __future__ import annotations

import math
import sys
import time
from typing import Any

import numpy as np

from qa.measure.bench.results import Ann, AnnSetting, SearchTiming
from qa.measure.metrics import Percentiles, mean, recall_at

__all__ = ["time_search", "ann_recall"]


def time_search(index: Any, vectors: np.ndarray, k: int) -> SearchTiming:
    """Milliseconds per single-question search for ``k`` neighbours."""
    times = []
    for v in vectors:
        started = time.perf_counter()
        index.search(v.reshape(1, -1), k)
        times.append((time.perf_counter() - started) * 1000)
    stats = Percentiles.of(times)
    return SearchTiming(stats.p50, stats.p95, stats.p99, stats.mean, stats.n, k=k)


def _recall(rows: Any, exact: Any, k: int = 10) -> float:
    """Recall@k of the neighbours found against the exact ones, averaged over the questions."""
    return mean([recall_at(list(found), list(truth[:k]), k) for found, truth in zip(rows, exact)])


def ann_recall(index: Any, vectors: np.ndarray, sweep: bool) -> Ann:
    """Recall@10 of ``index`` (the one the app uses) against exact search over the same vectors."""
    import faiss

    from qa.index.dense import HNSW_EF_SEARCH

    data = index.reconstruct_n(0, index.ntotal)
    flat = faiss.IndexFlatIP(data.shape[1])
    flat.add(data)
    started = time.perf_counter()
    _, exact = flat.search(vectors, 10)
    flat_ms = (time.perf_counter() - started) * 1000 / len(vectors)
    _, rows = index.search(vectors, 10)
    if not sweep:
        return Ann(round(_recall(rows, exact), 4), round(flat_ms, 2))
    results: list[AnnSetting] = []

    def timed(idx: Any, label: str, build_s: float) -> None:
        times, found = [], []
        for v in vectors:
            started = time.perf_counter()
            _, r = idx.search(v.reshape(1, -1), 10)
            times.append((time.perf_counter() - started) * 1000)
            found.append(r[0])
        stats = Percentiles.of(times)
        results.append(AnnSetting(label, round(build_s, 1), stats.p50, stats.p95, round(_recall(found, exact), 4)))
        print(f"  {results[-1]}", file=sys.stderr, flush=True)

    timed(flat, "flat (exact)", 0.0)
    hnsw = faiss.downcast_index(index)
    if isinstance(hnsw, faiss.IndexHNSWFlat):
        for ef in (64, 128, 256, 512, 768, 1024):
            hnsw.hnsw.efSearch = ef
            timed(hnsw, f"HNSW32 efSearch={ef}", math.nan)
        hnsw.hnsw.efSearch = HNSW_EF_SEARCH
    nlist = int(4 * math.sqrt(len(data)))
    started = time.perf_counter()
    quantizer = faiss.IndexFlatIP(data.shape[1])
    ivf = faiss.IndexIVFFlat(quantizer, data.shape[1], nlist, faiss.METRIC_INNER_PRODUCT)
    sample = data[np.random.default_rng(0).choice(len(data), 50 * nlist, replace=False)] if len(data) > 50 * nlist else data
    ivf.train(sample)
    ivf.add(data)
    build_s = time.perf_counter() - started
    for nprobe in (8, 16, 32, 64):
        ivf.nprobe = nprobe
        timed(ivf, f"IVF{nlist},Flat nprobe={nprobe}", build_s)
    return Ann(round(_recall(rows, exact), 4), round(flat_ms, 2), results)
