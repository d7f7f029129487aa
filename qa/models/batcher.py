"""Questions that arrive together are encoded together: a micro-batcher in front of an embedder.

Why: one e5 + USE forward pass over 16 questions costs far less than 16 passes over one (measured on
2 shared cores: 106 ms for 1, 384 ms for 8, 648 ms for 16 — ``python -m qa.models.batcher``), and the
embedders are single-threaded on purpose (see :func:`qa.models.get_embedder`). Each concurrent
``encode_queries`` call joins a queue; one worker thread takes everything queued (up to
``max_batch`` questions), encodes it in one call and hands each caller its rows. Nothing waits for a
timer: while the encoder is busy the queue fills, so batches grow with the load and an idle app
answers at once.

The queue is bounded twice: a new call raises :class:`Busy` at once (the searcher then answers
"busy, try again") when ``max_waiting`` questions are already waiting, or when the questions waiting
would take the encoder more than ``wait_budget`` seconds at its recent pace (:class:`ServiceRate`) —
so the bound follows the machine: a slow or shared one turns questions away sooner rather than
letting them time out, and latency and memory never grow without limit. Citation lookups and BM25-only questions never call the encoder, so they
never wait here.
"""

from __future__ import annotations

import argparse
import statistics
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Sequence

import numpy as np

from qa.models.embedders import Embedder

__all__ = ["Busy", "BatchingEmbedder", "BatchStats", "MAX_BATCH", "MAX_WAITING", "encode_grouped", "encode_grouped_with_base", "encode_times", "grouping_times", "length_groups", "ServiceRate", "WAIT_BUDGET"]

#: Questions encoded in one call at most (throughput per question flattens out above this on 2 cores).
MAX_BATCH = 16
#: Questions allowed to wait for the encoder before new ones are turned away (about 1 s of work at
#: 60 questions/s).
MAX_WAITING = 64
#: Seconds of encoding the waiting questions may represent before new ones are turned away.
WAIT_BUDGET = 2.0


class ServiceRate:
    """The encoder's recent seconds per question (an exponentially weighted mean over batches)."""

    def __init__(self, weight: float = 0.2) -> None:
        self.weight = weight
        self.seconds_per_question: float | None = None

    def observe(self, seconds: float, questions: int) -> None:
        if questions < 1:
            return
        pace = seconds / questions
        old = self.seconds_per_question
        self.seconds_per_question = pace if old is None else (1 - self.weight) * old + self.weight * pace

    def wait(self, questions: int) -> float:
        """Seconds the encoder needs for ``questions`` at its recent pace (0 before the first batch)."""
        return questions * (self.seconds_per_question or 0.0)


class Busy(RuntimeError):
    """The encoder's queue is full: the question was not encoded (ask again shortly)."""


@dataclass(frozen=True)
class BatchStats:
    """What the batcher has done since it started (the load test shows these)."""

    batches: int
    questions: int
    largest: int
    turned_away: int
    waiting: int
    max_batch: int
    max_waiting: int
    seconds_per_question: float | None = None

    @property
    def mean_batch(self) -> float:
        return round(self.questions / self.batches, 2) if self.batches else 0.0

    def to_dict(self) -> dict[str, float]:
        return {
            "batches": self.batches, "questions": self.questions, "mean_batch": self.mean_batch, "largest": self.largest,
            "turned_away": self.turned_away, "waiting": self.waiting, "max_batch": self.max_batch, "max_waiting": self.max_waiting,
            "ms_per_question": round(1000 * self.seconds_per_question, 1) if self.seconds_per_question is not None else -1.0,
        }


@dataclass
class _Request:
    texts: list[str]
    done: threading.Event = field(default_factory=threading.Event)
    rows: np.ndarray | None = None
    base: np.ndarray | None = None
    error: BaseException | None = None


class BatchingEmbedder(Embedder):
    """``inner`` with concurrent :meth:`encode_queries` calls merged into batches (passages pass through:
    an index build is already one big batch)."""

    def __init__(
        self, inner: Embedder, *, max_batch: int = MAX_BATCH, max_waiting: int = MAX_WAITING, wait_budget: float | None = WAIT_BUDGET,
        rate: ServiceRate | None = None,
    ) -> None:
        if max_batch < 1 or max_waiting < 1:
            raise ValueError("max_batch and max_waiting must be at least 1")
        self.inner = inner
        self.model_id = inner.model_id
        self.dim = inner.dim
        self.max_batch = max_batch
        self.max_waiting = max_waiting
        self.wait_budget = wait_budget
        self.rate = rate or ServiceRate()
        self._queue: deque[_Request] = deque()
        self._waiting = 0
        self._changed = threading.Condition()
        self._closed = False
        self._batches = self._questions = self._largest = self._turned_away = 0
        self._worker = threading.Thread(target=self._run, daemon=True, name="query-encoder")
        self._worker.start()

    def full(self) -> bool:
        """Whether one more question would be turned away now."""
        with self._changed:
            return self._refusal(1) is not None

    def admit(self) -> None:
        """Raise :class:`Busy` (counted as turned away) if one more question would be: callers check before costlier work of their own."""
        with self._changed:
            reason = self._refusal(1)
            if reason is not None:
                self._turned_away += 1
                raise Busy(reason)

    def _refusal(self, questions: int) -> str | None:
        """Why ``questions`` more cannot wait (the lock is held), or None."""
        if not self._waiting:
            return None
        if self._waiting + questions > self.max_waiting:
            return f"{self._waiting} questions are waiting for the encoder (at most {self.max_waiting})"
        if self.wait_budget is not None and self.rate.wait(self._waiting + questions) > self.wait_budget:
            return f"the {self._waiting} questions waiting need about {self.rate.wait(self._waiting):.1f} s of encoding (at most {self.wait_budget:g} s)"
        return None

    def encode_queries(self, texts: list[str]) -> np.ndarray:
        """The rows ``inner`` would return, encoded with whatever else is waiting; :class:`Busy` when the queue is full."""
        return self.encode_queries_with_base(texts)[0]

    def encode_queries_with_base(self, texts: list[str]) -> tuple[np.ndarray, np.ndarray | None]:
        if not texts:
            return self.inner.encode_queries_with_base([])
        request = _Request(list(texts))
        with self._changed:
            if self._closed:
                raise RuntimeError("the query encoder was closed")
            reason = self._refusal(len(texts))
            if reason is not None:
                self._turned_away += 1
                raise Busy(reason)
            self._queue.append(request)
            self._waiting += len(texts)
            self._changed.notify()
        request.done.wait()
        if request.error is not None:
            raise request.error
        assert request.rows is not None
        return request.rows, request.base

    def encode_passages(self, texts: list[str], *, batch_size: int = 32, progress: bool = False) -> np.ndarray:
        return self.inner.encode_passages(texts, batch_size=batch_size, progress=progress)

    def stats(self) -> BatchStats:
        with self._changed:
            return BatchStats(
                self._batches, self._questions, self._largest, self._turned_away, self._waiting, self.max_batch, self.max_waiting, self.rate.seconds_per_question
            )

    def close(self) -> None:
        """Stop the worker once the queue is empty (calls after this raise)."""
        with self._changed:
            self._closed = True
            self._changed.notify()
        self._worker.join(10)

    def _take(self) -> list[_Request] | None:
        """Everything waiting, up to ``max_batch`` questions (at least one request); None once closed and empty."""
        with self._changed:
            while not self._queue:
                if self._closed:
                    return None
                self._changed.wait()
            taken = [self._queue.popleft()]
            size = len(taken[0].texts)
            while self._queue and size + len(self._queue[0].texts) <= self.max_batch:
                taken.append(self._queue.popleft())
                size += len(taken[-1].texts)
            self._waiting -= size
            self._batches += 1
            self._questions += size
            self._largest = max(self._largest, size)
            return taken

    def _run(self) -> None:
        while (taken := self._take()) is not None:
            try:
                texts = [t for r in taken for t in r.texts]
                began = time.perf_counter()
                rows, base = encode_grouped_with_base(self.inner, texts)
                with self._changed:
                    self.rate.observe(time.perf_counter() - began, len(texts))
                start = 0
                for request in taken:
                    request.rows = rows[start : start + len(request.texts)]
                    request.base = None if base is None else base[start : start + len(request.texts)]
                    start += len(request.texts)
            except BaseException as exc:  # noqa: BLE001 - every caller gets the encoder's error, the worker lives on
                for request in taken:
                    request.error = exc
            finally:
                for request in taken:
                    request.done.set()


def length_groups(texts: Sequence[str], spread: float = 2.0, slack: int = 16) -> list[list[int]]:
    """Positions of ``texts`` in groups of similar length, shortest first: a group's longest text is at most
    ``spread`` × its shortest + ``slack`` characters.

    Why: a transformer pads a batch to its longest text, so one long question (STARD's run to 150
    characters, the median is 22) would make every question of its batch cost as much as itself."""
    order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
    groups: list[list[int]] = []
    for i in order:
        if groups and len(texts[i]) <= spread * len(texts[groups[-1][0]]) + slack:
            groups[-1].append(i)
        else:
            groups.append([i])
    return groups


def encode_grouped(embedder: Embedder, texts: list[str]) -> np.ndarray:
    """``embedder.encode_queries(texts)``, one call per :func:`length_groups` group, rows in the given order."""
    return encode_grouped_with_base(embedder, texts)[0]


def encode_grouped_with_base(embedder: Embedder, texts: list[str]) -> tuple[np.ndarray, np.ndarray | None]:
    """:func:`encode_grouped` for ``embedder.encode_queries_with_base``."""
    groups = length_groups(texts)
    if len(groups) == 1:
        return embedder.encode_queries_with_base(texts)
    rows = np.zeros((len(texts), embedder.dim), np.float32)
    base = np.zeros_like(rows)
    adapted = False
    for group in groups:
        part, part_base = embedder.encode_queries_with_base([texts[i] for i in group])
        rows[group] = part
        base[group] = part if part_base is None else part_base
        adapted = adapted or part_base is not None
    return rows, base if adapted else None


def encode_times(embedder: Embedder, questions: Sequence[str], sizes: Sequence[int], repeats: int = 5) -> dict[int, float]:
    """Median milliseconds for one ``encode_queries`` call over the first ``n`` of ``questions`` (cycled), per size."""
    embedder.encode_queries([questions[0]])  # warm up
    times: dict[int, float] = {}
    for n in sizes:
        batch = [questions[i % len(questions)] for i in range(n)]
        runs = []
        for _ in range(repeats):
            began = time.perf_counter()
            embedder.encode_queries(batch)
            runs.append((time.perf_counter() - began) * 1000)
        times[n] = round(statistics.median(runs), 1)
    return times


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m qa.models.batcher``: encode time per batch size with the real model (what MAX_BATCH rests on)."""
    from qa.measure.pool import question_pool
    from qa.models import EMBEDDERS, get_embedder

    parser = argparse.ArgumentParser(prog="python -m qa.models.batcher", description=main.__doc__)
    parser.add_argument("--model", choices=EMBEDDERS, default="e5+use")
    parser.add_argument("--sizes", default="1,4,8,16,32")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",")]
    questions = [q for q in question_pool() if q.strip()]
    embedder = get_embedder(args.model)
    typical = [q for q in questions if len(q) <= 40]  # the size table measures batching, not padding
    print("| questions per call (pool questions of ≤ 40 characters) | ms per call | ms per question |\n|---|---|---|")
    for n, ms in encode_times(embedder, typical, sizes).items():
        print(f"| {n} | {ms} | {ms / n:.1f} |")
    whole, grouped = grouping_times(embedder, questions)
    print(f"\n12 random batches of {MAX_BATCH} pool questions: {whole:.0f} ms in one call each, {grouped:.0f} ms in length groups")
    return 0


def grouping_times(embedder: Embedder, questions: Sequence[str], batches: int = 12, seed: int = 0) -> tuple[float, float]:
    """Total milliseconds to encode the same random batches of :data:`MAX_BATCH` questions in one call each and in
    :func:`length_groups` (interleaved, so that a change in the machine's load hits both alike)."""
    import random

    pick = random.Random(seed)
    whole = grouped = 0.0
    for _ in range(batches):
        batch = pick.sample(list(questions), min(MAX_BATCH, len(questions)))
        began = time.perf_counter()
        embedder.encode_queries(batch)
        middle = time.perf_counter()
        encode_grouped(embedder, batch)
        whole += middle - began
        grouped += time.perf_counter() - middle
    return whole * 1000, grouped * 1000


if __name__ == "__main__":
    raise SystemExit(main())
