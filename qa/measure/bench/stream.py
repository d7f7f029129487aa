"""The answer cache's effect on a repeated-question stream: hit rate, and latency of hits and misses.

Why apart from the warm-latency run: that run's searchers keep no cache (``cache_size=0``), so every
figure there is a real search. Here a second Searcher with the product's default cache answers a
stream in which some questions recur, as the app's example questions and shared links do. The stream
is synthetic and seeded: ``asks`` draws from the first ``distinct`` questions with Zipf-like weights
``1 / rank ** skew``, so a few questions are asked often and most rarely.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from qa.measure.metrics import Percentiles

if TYPE_CHECKING:
    from qa.search.searcher import Searcher

__all__ = ["CacheRun", "repeated_stream", "run_stream"]

SEED = 13
SKEW = 1.0


@dataclass(frozen=True)
class CacheRun:
    """One stream through a caching Searcher (hybrid, k = 5)."""

    asks: int
    distinct: int
    skew: float
    hits: int
    misses: int
    hit_rate: float
    all_ms: Percentiles
    hit_ms: Percentiles | None = None
    miss_ms: Percentiles | None = None


def repeated_stream(pool: list[str], asks: int, *, skew: float = SKEW, seed: int = SEED) -> list[str]:
    """``asks`` questions drawn (seeded) from ``pool`` with weights ``1 / rank ** skew``."""
    pool = list(dict.fromkeys(pool))
    if not pool or asks <= 0:
        return []
    weights = 1.0 / np.arange(1, len(pool) + 1, dtype=np.float64) ** skew
    picks = np.random.default_rng(seed).choice(len(pool), size=asks, p=weights / weights.sum())
    return [pool[i] for i in picks]


def run_stream(searcher: Searcher, stream: list[str], *, skew: float = SKEW) -> CacheRun:
    """Ask ``stream`` in order; a question counts as a hit when the cache's hit count rose while answering it."""
    if searcher.cache.capacity == 0:
        raise ValueError("the searcher keeps no answer cache (cache_size=0)")
    searcher.cache.clear()
    hit_ms: list[float] = []
    miss_ms: list[float] = []
    for question in stream:
        before = searcher.cache.stats().hits
        started = time.perf_counter()
        searcher.search(question, k=5, retriever="hybrid")
        ms = (time.perf_counter() - started) * 1000
        (hit_ms if searcher.cache.stats().hits > before else miss_ms).append(ms)
    stats = searcher.cache.stats()
    return CacheRun(len(stream), len(set(stream)), skew, stats.hits, stats.misses, stats.hit_rate, Percentiles.of(hit_ms + miss_ms),
                    Percentiles.of(hit_ms) if hit_ms else None, Percentiles.of(miss_ms) if miss_ms else None)
