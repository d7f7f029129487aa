"""qa.models.batcher: concurrent questions are encoded in one call, the queue is bounded, errors reach every caller.

An encoder held shut by an event lets the tests arrange exactly what is waiting; no timing is asserted
(the waits below are only for other threads to arrive, with a generous deadline).
"""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any, Callable

import numpy as np
import pytest

from qa.corpus.library import default_corpus, load_library
from qa.models.batcher import BatchingEmbedder, Busy, encode_times
from qa.models.embedders import HashEmbedder
from qa.search import Searcher

from .conftest import hash_abstention


class Gated(HashEmbedder):
    """The hash embedder, whose query encoding waits while ``gate`` is closed and records each call's texts."""

    def __init__(self) -> None:
        super().__init__()
        self.gate = threading.Event()
        self.gate.set()
        self.calls: list[list[str]] = []
        self.entered = threading.Event()
        self.fail = False

    def encode_queries(self, texts: list[str]) -> np.ndarray:
        self.calls.append(list(texts))
        self.entered.set()
        self.gate.wait()
        if self.fail:
            raise ValueError("the encoder broke")
        return super().encode_queries(texts)


def _until(condition: Callable[[], bool]) -> None:
    deadline = time.monotonic() + 30
    while not condition():
        assert time.monotonic() < deadline, "other threads did not arrive"
        time.sleep(0.005)


def _in_threads(batcher: BatchingEmbedder, questions: list[str]) -> tuple[list[threading.Thread], dict[str, object]]:
    results: dict[str, object] = {}

    def ask(q: str) -> None:
        try:
            results[q] = batcher.encode_queries([q])
        except Exception as exc:  # noqa: BLE001 - the test looks at it
            results[q] = exc

    threads = [threading.Thread(target=ask, args=(q,)) for q in questions]
    for t in threads:
        t.start()
    return threads, results


def _block(inner: Gated, batcher: BatchingEmbedder) -> threading.Thread:
    """Occupy the encoder with one question, so that the next ones have to wait."""
    inner.gate.clear()
    inner.entered.clear()

    def occupy() -> None:
        try:
            batcher.encode_queries(["先占住编码器"])
        except ValueError:
            pass  # the error test breaks this batch too

    first = threading.Thread(target=occupy)
    first.start()
    inner.entered.wait(30)
    return first


def test_one_question_gets_the_rows_of_the_model() -> None:
    inner = Gated()
    batcher = BatchingEmbedder(inner)
    try:
        got = batcher.encode_queries(["新能源汽车", "充电桩"])
        assert np.array_equal(got, HashEmbedder().encode_queries(["新能源汽车", "充电桩"]))
        assert batcher.encode_queries([]).shape == (0, inner.dim)
        assert (batcher.model_id, batcher.dim) == (inner.model_id, inner.dim)
    finally:
        batcher.close()


def test_questions_that_wait_together_are_encoded_in_one_call_and_each_gets_its_own_rows() -> None:
    inner = Gated()
    batcher = BatchingEmbedder(inner, max_batch=16)
    try:
        first = _block(inner, batcher)
        questions = [f"问题{i}" for i in range(5)]
        threads, results = _in_threads(batcher, questions)
        _until(lambda: batcher.stats().waiting == 5)
        inner.gate.set()
        for t in [first, *threads]:
            t.join(30)
        assert inner.calls[1:] == [questions] or sorted(inner.calls[1]) == sorted(questions)
        for q in questions:
            assert np.array_equal(results[q], HashEmbedder().encode_queries([q]))  # type: ignore[arg-type]
        stats = batcher.stats()
        assert (stats.batches, stats.questions, stats.largest, stats.waiting) == (2, 6, 5, 0) and stats.mean_batch == 3.0
    finally:
        batcher.close()


def test_a_batch_holds_at_most_max_batch_questions() -> None:
    inner = Gated()
    batcher = BatchingEmbedder(inner, max_batch=4, max_waiting=100)
    try:
        first = _block(inner, batcher)
        threads, results = _in_threads(batcher, [f"q{i}" for i in range(10)])
        _until(lambda: batcher.stats().waiting == 10)
        inner.gate.set()
        for t in [first, *threads]:
            t.join(30)
        assert [len(c) for c in inner.calls] == [1, 4, 4, 2]
        assert all(isinstance(r, np.ndarray) for r in results.values())
    finally:
        batcher.close()


def test_beyond_max_waiting_a_question_is_turned_away_at_once() -> None:
    inner = Gated()
    batcher = BatchingEmbedder(inner, max_waiting=3)
    try:
        first = _block(inner, batcher)
        threads, results = _in_threads(batcher, ["a", "b", "c"])
        _until(lambda: batcher.stats().waiting == 3)
        assert batcher.full()
        with pytest.raises(Busy, match="3 questions are waiting"):
            batcher.encode_queries(["d"])
        assert batcher.stats().turned_away == 1
        inner.gate.set()
        for t in [first, *threads]:
            t.join(30)
        assert all(isinstance(r, np.ndarray) for r in results.values())
        assert not batcher.full() and batcher.encode_queries(["d"]).shape == (1, inner.dim)  # room again
    finally:
        batcher.close()


def test_an_encoder_error_reaches_every_caller_of_the_batch_and_the_worker_lives_on() -> None:
    inner = Gated()
    batcher = BatchingEmbedder(inner)
    try:
        first = _block(inner, batcher)
        threads, results = _in_threads(batcher, ["x", "y"])
        _until(lambda: batcher.stats().waiting == 2)
        inner.fail = True
        inner.gate.set()
        for t in [first, *threads]:
            t.join(30)
        assert all(isinstance(results[q], ValueError) for q in ("x", "y"))
        inner.fail = False
        assert batcher.encode_queries(["z"]).shape == (1, inner.dim)
    finally:
        batcher.close()


def test_close_refuses_new_questions() -> None:
    batcher = BatchingEmbedder(HashEmbedder())
    batcher.close()
    with pytest.raises(RuntimeError, match="closed"):
        batcher.encode_queries(["a"])
    with pytest.raises(ValueError):
        BatchingEmbedder(HashEmbedder(), max_waiting=0)


def test_passages_pass_through_unbatched() -> None:
    inner = Gated()
    batcher = BatchingEmbedder(inner)
    try:
        assert np.array_equal(batcher.encode_passages(["甲", "乙"]), HashEmbedder().encode_passages(["甲", "乙"]))
        assert inner.calls == []
    finally:
        batcher.close()


def test_encode_times_reports_each_size() -> None:
    from qa.models.batcher import grouping_times

    times = encode_times(HashEmbedder(), ["甲", "乙", "丙"], [1, 4], repeats=2)
    assert set(times) == {1, 4} and all(ms >= 0 for ms in times.values())
    whole, grouped = grouping_times(HashEmbedder(), ["甲", "乙乙", "丙" * 90], batches=2)
    assert whole >= 0 and grouped >= 0


def _gated_searcher(tmp_path: Path, **options: Any) -> tuple[Searcher, Gated, BatchingEmbedder]:
    """A batching Searcher over the bundled corpus whose encoder waits for ``inner.gate``."""
    corpus = default_corpus()
    if not (Path(corpus) / "regulation.jsonl").is_file():
        pytest.skip(f"bundled corpus not found at {corpus}")
    inner = Gated()
    searcher = Searcher(
        load_library(corpus), embedder=inner, index_dir=tmp_path, abstention=hash_abstention(), log=lambda m: None,
        progress=False, batch_queries=True, **options,
    )
    batcher = searcher._embedder
    assert isinstance(batcher, BatchingEmbedder)
    return searcher, inner, batcher


def test_the_searcher_answers_busy_when_the_encoder_is_full_and_does_not_cache_it(tmp_path: Path) -> None:
    searcher, inner, batcher = _gated_searcher(tmp_path, max_waiting=1)
    try:
        inner.gate.clear()
        inner.entered.clear()
        asking = [threading.Thread(target=searcher.search, args=(q,)) for q in ("动力电池回收利用", "充电基础设施建设")]
        asking[0].start()
        inner.entered.wait(30)
        asking[1].start()
        _until(lambda: batcher.stats().waiting == 1)
        busy = searcher.search("新能源汽车推广应用")
        assert busy.busy and busy.abstained and not busy.hits
        assert busy.message and "稍后再试" in busy.message and busy.message_en and "try again" in busy.message_en
        assert searcher.search("第三条").hits  # a citation needs no encoder: answered while it is full
        inner.gate.set()
        for t in asking:
            t.join(30)
        again = searcher.search("新能源汽车推广应用")
        assert not again.busy and again.retriever == "hybrid"  # the busy answer was not cached
        assert searcher.stats()["encoder"]["turned_away"] == 1  # type: ignore[index]
    finally:
        batcher.close()


def test_the_searcher_turns_away_questions_beyond_max_active_but_not_citations(tmp_path: Path) -> None:
    """The whole answer is bounded, not only the encoding: with 200 clients answers waited for the CPU, not the encoder."""
    searcher, inner, batcher = _gated_searcher(tmp_path, max_active=1, cache_size=0)
    try:
        inner.gate.clear()
        inner.entered.clear()
        first = threading.Thread(target=searcher.search, args=("动力电池回收利用",))
        first.start()
        inner.entered.wait(30)
        busy = searcher.search("充电基础设施建设")
        assert busy.busy and not busy.hits and busy.message and "稍后再试" in busy.message
        assert searcher.search("第三条").hits  # a citation is never turned away
        inner.gate.set()
        first.join(30)
        assert not searcher.search("充电基础设施建设").busy  # the place is free again
        assert searcher.stats()["answering"] == {"active": 0, "max_active": 1, "turned_away": 1}
    finally:
        batcher.close()


def test_questions_are_encoded_in_groups_of_similar_length_rows_in_order() -> None:
    from qa.models.batcher import encode_grouped, length_groups

    texts = ["甲" * 40, "乙", "丙" * 3, "丁" * 500, "戊" * 20]
    groups = length_groups(texts)
    assert sorted(i for g in groups for i in g) == list(range(5))
    assert groups == [[1, 2], [4, 0], [3]]  # shortest first; the long question is encoded alone
    inner = Gated()
    rows = encode_grouped(inner, texts)
    assert np.array_equal(rows, HashEmbedder().encode_queries(texts))
    assert len(inner.calls) == len(groups)
    assert length_groups([]) == [] and length_groups(["一"]) == [[0]]


def test_base_vectors_of_adapted_questions_come_back_in_order_through_the_batcher() -> None:
    from qa.models.adapter import AdaptedEmbedder, QueryAdapter
    from qa.models.batcher import encode_grouped_with_base

    base = HashEmbedder(dim=16)
    rng = np.random.default_rng(0)
    wrapped = AdaptedEmbedder(base, QueryAdapter(rng.normal(size=16).astype(np.float32), delta=rng.normal(size=(16, 16)).astype(np.float32), manifest={"languages": ["zh"]}))
    texts = ["充电" * 40, "Who pays?", "停车费", "补贴" * 300]
    rows, plain = encode_grouped_with_base(wrapped, texts)
    assert plain is not None
    np.testing.assert_allclose(plain, base.encode_queries(texts), atol=1e-6)
    np.testing.assert_allclose(rows, wrapped.encode_queries(texts), atol=1e-6)
    assert encode_grouped_with_base(base, texts)[1] is None
    batcher = BatchingEmbedder(wrapped)
    try:
        got, got_base = batcher.encode_queries_with_base(texts[:2])
        assert got_base is not None
        np.testing.assert_allclose(got_base, plain[:2], atol=1e-6)
        np.testing.assert_allclose(got, rows[:2], atol=1e-6)
        assert batcher.encode_queries_with_base(["Who pays?"])[1] is None
    finally:
        batcher.close()


def test_the_encoders_recent_pace_bounds_the_wait_too() -> None:
    from qa.models.batcher import ServiceRate

    rate = ServiceRate(weight=0.5)
    assert rate.wait(10) == 0.0  # nothing known yet: only max_waiting bounds the queue
    rate.observe(2.0, 2)
    rate.observe(3.0, 1)
    assert rate.seconds_per_question == 2.0 and rate.wait(3) == 6.0
    rate.observe(1.0, 0)  # an empty batch says nothing
    assert rate.seconds_per_question == 2.0

    inner = Gated()
    batcher = BatchingEmbedder(inner, max_waiting=100, wait_budget=5.0, rate=rate)  # 2 s per question: 2 may wait
    try:
        first = _block(inner, batcher)
        threads, results = _in_threads(batcher, ["a", "b"])
        _until(lambda: batcher.stats().waiting == 2)
        assert batcher.full()
        with pytest.raises(Busy, match="about 4.0 s of encoding"):
            batcher.encode_queries(["c"])
        inner.gate.set()
        for t in [first, *threads]:
            t.join(30)
        assert batcher.stats().turned_away == 1 and all(isinstance(r, np.ndarray) for r in results.values())
    finally:
        batcher.close()
