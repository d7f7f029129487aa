"""The answer-cache stream of ``qa bench`` (qa/measure/bench/stream.py). Fast: the hash test double."""

from __future__ import annotations

from pathlib import Path

import pytest

from qa.corpus.library import default_corpus, load_library
from qa.measure.bench.stream import repeated_stream, run_stream
from qa.models import HashEmbedder
from qa.search.searcher import Searcher

POOL = ["增程式的车算新能源车吗？", "第三条", "充电桩", "动力电池回收", "Who builds charging stations?"]


def test_stream_is_seeded_skewed_and_drawn_from_the_pool() -> None:
    stream = repeated_stream(POOL * 2, 200)
    assert stream == repeated_stream(POOL, 200) and len(stream) == 200 and set(stream) <= set(POOL)
    assert stream.count(POOL[0]) > stream.count(POOL[-1])
    assert repeated_stream([], 5) == [] and repeated_stream(POOL, 0) == []


def _searcher(tmp_path: Path, cache_size: int = 1024) -> Searcher:
    return Searcher(load_library(default_corpus(), log=lambda m: None), embedder=HashEmbedder(), index_dir=tmp_path,
                    background=False, log=lambda m: None, progress=False, cache_size=cache_size)


def test_run_counts_hits_and_misses(tmp_path: Path) -> None:
    stream = repeated_stream(POOL, 40)
    run = run_stream(_searcher(tmp_path), stream)
    assert run.asks == 40 and run.distinct == len(set(stream))
    assert run.misses == run.distinct and run.hits == 40 - run.distinct  # each distinct question is searched once
    assert run.hit_rate == round(run.hits / 40, 4)
    assert run.hit_ms is not None and run.miss_ms is not None and run.hit_ms.n + run.miss_ms.n == 40


def test_run_refuses_a_searcher_without_cache(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="no answer cache"):
        run_stream(_searcher(tmp_path, cache_size=0), POOL)
