"""The benchmark's measurements, each run in a fresh process (``--worker KIND SPEC``) so that start-up
and memory figures are never polluted by an earlier step.

``build`` loads the corpus and model and builds the index; ``start`` times a fresh app process to
its first answers; ``measure`` takes memory by differences, warm latency per retriever (interleaved
in rotating order), ANN recall and the citation checks.
"""

from __future__ import annotations

import json
import math
import shutil
import subprocess
import sys
import time
from collections import Counter
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Sequence, TypeVar

from pydantic import ValidationError

from qa import config
from qa.corpus.library import load_library
from qa.corpus.model import Regulation
from qa.measure.bench.ann import ann_recall, time_search
from qa.measure.bench.corpora import load_regulations, questions, scale_library
from qa.measure.bench.host import rss_mb
from qa.measure.bench.results import Build, CitationCheck, Measure, Memory, Start, Warm, WorkerSpec, from_json, to_json
from qa.measure.bench.stream import CacheRun, repeated_stream, run_stream
from qa.measure.metrics import COMPARED_RETRIEVERS, Percentiles

if TYPE_CHECKING:
    from qa.models import Embedder
    from qa.search.searcher import Searcher

__all__ = ["WORKERS", "run_worker", "serve_worker", "worker_build", "worker_start", "worker_measure"]

R = TypeVar("R", Build, Start, Measure)

CITATION_QUESTION = "第三条"
DENSE_QUESTION = "增程式的车算新能源车吗？"
WARMUP_EN = "Does a range-extended car count as a new energy vehicle?"
#: Citation look-ups checked at scale: question -> (title of the regulation, article) it must resolve to.
CITATION_CHECKS = {
    "民法典第五十四条": ("中华人民共和国民法典", 54),
    "中华人民共和国民法典第五十四条": ("中华人民共和国民法典", 54),
    "《中华人民共和国民法典》第五十四条": ("中华人民共和国民法典", 54),
    "北京市自动驾驶汽车条例第三十三条": ("北京市自动驾驶汽车条例", 33),
}


def _err(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _load_corpus(spec: WorkerSpec) -> tuple[list[Regulation], Counter[str]]:
    if spec.bundled:
        return load_library(spec.corpus, log=_err), Counter()
    regulations, skipped = load_regulations(Path(spec.library), progress=True)
    return scale_library(regulations, spec.scale_articles), skipped


def _warm_cache(library: Sequence[Regulation], embedder: Embedder, folder: Path, store: Path, max_minutes: float, chunk: int = 2048) -> Warm:
    """Embed the units the shared ``store`` lacks, in chunks, saving as it goes (so an interrupted run
    resumes); stop after ``max_minutes``. Then seed the index folder's own cache from the store, so
    ``qa.index.dense.build`` embeds nothing. The store is never pruned: every scale reuses the others' vectors."""
    from qa.corpus.passages import units_of
    from qa.index.dense import EmbeddingCache, cache_file

    own = cache_file(folder, embedder.model_id)
    cache = EmbeddingCache(store / own.name, dim=embedder.dim)
    texts = list(dict.fromkeys(t for _, t in units_of(library)))
    missing = [t for t in texts if EmbeddingCache.key(t) not in cache.vectors]
    started = time.perf_counter()
    done, last_save = 0, started
    if missing:
        _err(f"  embedding {len(missing)} of {len(texts)} units with {embedder.model_id} (cached: {len(texts) - len(missing)})")
    for start in range(0, len(missing), chunk):
        batch = missing[start : start + chunk]
        cache.encode(batch, embedder.encode_passages)
        done += len(batch)
        elapsed = time.perf_counter() - started
        rate = done / elapsed if elapsed else math.nan
        eta = (len(missing) - done) / rate if rate else math.nan
        _err(f"  embedded {done}/{len(missing)} units, {rate:.0f}/s, eta {eta / 60:.1f} min")
        if time.perf_counter() - last_save > 120 or done == len(missing):
            cache.save()
            last_save = time.perf_counter()
        if elapsed > max_minutes * 60 and done < len(missing):
            cache.save()
            return Warm(False, done, len(missing) - done, round(elapsed, 1))
    elapsed = time.perf_counter() - started
    keys = {EmbeddingCache.key(t) for t in texts}
    seeded = EmbeddingCache(own, dim=embedder.dim)
    seeded.vectors = {k: v for k, v in cache.vectors.items() if k in keys}
    seeded.save()
    return Warm(True, done, 0, round(elapsed, 1), round(done / elapsed, 1) if done and elapsed else None)


def _embed_rate(embedder: Embedder, library: Sequence[Regulation], n: int = 128) -> float:
    """Passages per second on a sample of ``n`` units, cache bypassed."""
    from qa.corpus.passages import units_of

    texts = []
    for _, text in units_of(library):
        texts.append(text)
        if len(texts) >= n:
            break
    if not texts:
        return math.nan
    embedder.encode_passages(texts[:4])
    started = time.perf_counter()
    embedder.encode_passages(texts)
    return len(texts) / (time.perf_counter() - started)


def worker_build(spec: WorkerSpec) -> Build:
    """Load the corpus and model, then build the index: cold for the bundled corpus, after warming the
    embedding cache (bounded, with progress) at scale."""
    from qa.corpus.passages import units_of
    from qa.index.dense import IndexError_, build, load
    from qa.models import get_embedder

    started = time.perf_counter()
    library, skipped = _load_corpus(spec)
    load_s = time.perf_counter() - started
    folder = Path(spec.folder)
    n_articles = sum(len(r.articles) for r in library)
    n_units = sum(1 for _ in units_of(library))
    _err(f"  corpus: {len(library)} regulations, {n_articles} articles, {n_units} units (loaded in {load_s:.1f} s)")
    started = time.perf_counter()
    embedder = get_embedder(spec.model)
    embedder.encode_queries(["预热"])
    loaded = Build(regulations=len(library), articles=n_articles, units=n_units, skipped_documents=dict(skipped),
                   corpus_load_s=round(load_s, 2), model_load_s=round(time.perf_counter() - started, 2))
    if spec.bundled:
        shutil.rmtree(folder, ignore_errors=True)
        started = time.perf_counter()
        index = build(library, embedder, folder, log=_err)
        build_s = round(time.perf_counter() - started, 3)
        embedded = index.manifest["embedded"]
        started = time.perf_counter()
        index = build(library, embedder, folder, log=lambda message: None)
        return replace(loaded, index_build_s=build_s, embedded=embedded,
                       index_rebuild_cached_s=round(time.perf_counter() - started, 3), kind=index.manifest["kind"])
    rate = _embed_rate(embedder, library)
    warm = _warm_cache(library, embedder, folder, Path(spec.store or folder / "embeddings"), spec.max_embed_minutes)
    if not warm.complete:
        error = f"embedding stopped after {spec.max_embed_minutes} min ({warm.missing} units left); rerun to continue"
        return replace(loaded, passages_per_s=round(rate, 1), warm=warm, error=error)
    reused = None
    try:  # an index that is already valid is reused (building HNSW over the full library takes minutes)
        index = load(folder, library, embedder.model_id, embedder.dim)
        if spec.approximate is not None and spec.approximate != (index.manifest["kind"] != "flat"):
            raise IndexError_("other index kind requested")
        build_s = index.manifest["build_seconds"]
        reused = index.manifest["built_at"]
    except IndexError_:
        started = time.perf_counter()
        index = build(library, embedder, folder, log=_err, approximate=spec.approximate)
        build_s = round(time.perf_counter() - started, 3)
    # Cold build cost per 1,000 articles = embedding at the sampled rate + this (cached) build, per article.
    per_article = (n_units / n_articles) / rate + build_s / n_articles if n_articles else math.nan
    return replace(loaded, passages_per_s=round(rate, 1), warm=warm, index_build_s=build_s, reused_index_built_at=reused,
                   embedded=index.manifest["embedded"], kind=index.manifest["kind"],
                   index_build_per_1k_articles_s=round(per_article * 1000, 1))


def worker_start(spec: WorkerSpec) -> Start:
    """A fresh app process: time to the first (citation, BM25) answer and to the first dense answer,
    measured from the parent's launch time (so interpreter start-up and imports count)."""
    from qa.search.searcher import Searcher

    imported = time.time() - spec.launched
    library = load_library(spec.corpus, log=_err)
    searcher = Searcher(library, embedder=spec.model, index_dir=Path(spec.folder), background=True, log=lambda m: None, progress=False, cache_size=0)
    first = searcher.search(CITATION_QUESTION, k=3, retriever="hybrid")
    first_s = time.time() - spec.launched
    searcher.wait_ready()
    dense = searcher.search(DENSE_QUESTION, k=3, retriever="dense")
    dense_s = time.time() - spec.launched
    return Start(round(imported, 3), round(first_s, 3), not first.abstained, first.hits[0].citation if first.hits else None,
                 round(dense_s, 3), dense.retriever == "dense")


def worker_measure(spec: WorkerSpec) -> Measure:
    """Memory by differences, warm query latency per retriever (interleaved), ANN recall@10, citations."""
    import bm25s  # noqa: F401 - libraries imported up front: their size is in the baseline, not the deltas
    import faiss  # noqa: F401
    import numpy as np

    from qa.index.dense import load
    from qa.models import get_embedder
    from qa.models.adapter import library_model
    from qa.search.searcher import Searcher

    base, _ = rss_mb()
    library, _ = _load_corpus(spec)
    after_corpus, _ = rss_mb()
    embedder = get_embedder(library_model(spec.model, len(library)))  # as the Searcher would choose
    embedder.encode_queries(["预热"])
    after_model, _ = rss_mb()
    folder = Path(spec.folder)
    started = time.perf_counter()
    searcher = Searcher(library, embedder=embedder, index_dir=folder, background=False, log=_err, progress=False, cache_size=0)
    searcher_s = time.perf_counter() - started
    after_searcher, _ = rss_mb()
    dense = searcher.dense_index
    if not searcher.dense_ready or dense is None:
        return Measure(error=f"dense index not ready: {searcher.dense_error}")
    started = time.perf_counter()
    extra = load(folder, library, embedder.model_id, embedder.dim)  # a second copy, to measure its size
    index_load_s = time.perf_counter() - started
    after_copy, _ = rss_mb()
    vectors_mb = round(after_copy - after_searcher, 1)
    del extra

    asked = questions(spec.queries, _eval_folder(spec))
    # (The searchers above keep no answer cache, so repeated questions are measured, not remembered.)
    # Warm-up, in both languages: USE loads its weights lazily on its first call (~1.3 s), and with
    # e5+use only English questions call it.
    for q in asked[: min(10, len(asked))] + [WARMUP_EN]:
        for r in COMPARED_RETRIEVERS:
            searcher.search(q, k=5, retriever=r)
    # Wall time, and the process's CPU time (every thread: the ONNX encoder runs on two): on a shared
    # machine the second barely moves, so it shows what the code costs when the first is noise.
    times: dict[str, list[float]] = {r: [] for r in (*COMPARED_RETRIEVERS, "query_encoding")}
    cpu: dict[str, list[float]] = {r: [] for r in times}
    for n, q in enumerate(asked):
        turn = n % len(COMPARED_RETRIEVERS)
        for r in COMPARED_RETRIEVERS[turn:] + COMPARED_RETRIEVERS[:turn] + ("query_encoding",):
            started, started_cpu = time.perf_counter(), time.process_time()
            if r == "query_encoding":
                embedder.encode_queries([q])
            else:
                searcher.search(q, k=5, retriever=r)
            times[r].append((time.perf_counter() - started) * 1000)
            cpu[r].append((time.process_time() - started_cpu) * 1000)
    query_ms = {r: Percentiles.of(v) for r, v in times.items()}
    query_cpu_ms = {r: Percentiles.of(v) for r, v in cpu.items()}
    _, peak = rss_mb()
    memory = Memory(base, round(after_corpus - base, 1), round(after_model - after_corpus, 1), vectors_mb,
                    round(after_searcher - after_model - vectors_mb, 1), peak)
    # The number of neighbours the Searcher asks FAISS for at k = 5 (limit = 4k): its own rule.
    top = searcher.ranking.dense_top(len(dense.units), 4 * 5)
    vectors = embedder.encode_queries(list(dict.fromkeys(asked))).astype(np.float32)
    return Measure(
        regulations=len(library), articles=len(searcher.docs), vectors=len(dense.units), kind=dense.manifest.get("kind"),
        dim=embedder.dim, query_ms=query_ms, query_cpu_ms=query_cpu_ms, memory=memory, ratios=_ratios(query_ms), searcher_init_s=round(searcher_s, 2),
        index_load_s=round(index_load_s, 2), dense_top_k=top, faiss_search_ms=time_search(dense.index, vectors, top),
        ann=ann_recall(dense.index, vectors, spec.ann_sweep) if dense.manifest.get("kind") != "flat" else None,
        citations=_check_citations(searcher),
        cache=_cache_run(library, embedder, folder, spec.queries, _eval_folder(spec)) if spec.bundled else None,
    )


def _eval_folder(spec: WorkerSpec) -> Path | None:
    return Path(spec.eval_dir) if spec.eval_dir else None


def _cache_run(library: Sequence[Regulation], embedder: Embedder, folder: Path, asks: int, eval_folder: Path | None) -> CacheRun:
    """The answer cache on a repeated-question stream, through its own Searcher with the default cache
    (the latencies above stay uncached)."""
    from qa.search.searcher import Searcher

    cached = Searcher(library, embedder=embedder, index_dir=folder, background=False, log=lambda m: None, progress=False)
    return run_stream(cached, repeated_stream(questions(max(asks, 100), eval_folder), asks))


def _check_citations(searcher: Searcher) -> list[CitationCheck]:
    present = {(r.title, a.number) for r in searcher.library for a in r.articles}
    checks = []
    for question, (title, article) in CITATION_CHECKS.items():
        if (title, article) not in present:  # a scale subset may hold another part of the regulation only
            continue
        started = time.perf_counter()
        answer = searcher.search(question, k=3, retriever="bm25")
        ms = (time.perf_counter() - started) * 1000
        top = answer.hits[0] if answer.hits else None
        ok = top is not None and top.via == "citation" and top.regulation_title == title and top.article == article
        checks.append(CitationCheck(question, ok, round(ms, 1), top.citation if top else None, answer.message or answer.notice))
    return checks


def _ratios(query_ms: dict[str, Percentiles]) -> dict[str, float]:
    def ratio(a: str, b: str, p: str) -> float:
        over = getattr(query_ms[b], p)
        return round(getattr(query_ms[a], p) / over, 2) if over else math.nan

    return {"hybrid/dense_p50": ratio("hybrid", "dense", "p50"), "hybrid/dense_p95": ratio("hybrid", "dense", "p95"),
            "bm25/dense_p50": ratio("bm25", "dense", "p50"), "hybrid/bm25_p50": ratio("hybrid", "bm25", "p50")}


WORKERS: dict[str, tuple[Callable[[WorkerSpec], Any], type]] = {
    "build": (worker_build, Build),
    "start": (worker_start, Start),
    "measure": (worker_measure, Measure),
}


def serve_worker(kind: str, spec: str) -> int:
    """In the worker process: run one measurement and print its result as the last line of stdout."""
    work, _ = WORKERS[kind]
    result = work(from_json(WorkerSpec, json.loads(spec)))
    print(json.dumps(to_json(result), ensure_ascii=False), flush=True)
    return 0


def run_worker(kind: str, spec: WorkerSpec, result: type[R], timeout: float) -> R:
    """Run one measurement in a fresh ``python -m qa.measure.bench`` process; its failure is the result's ``error``."""
    launched = to_json(spec) | {"launched": time.time()}
    command = config.python_module("qa.measure.bench", "--worker", kind, json.dumps(launched, ensure_ascii=False))
    encoder = {"QA_QUERY_ENCODER": spec.query_encoder} if spec.query_encoder else {}
    try:
        done = subprocess.run(command, stdout=subprocess.PIPE, text=True, timeout=timeout, env=config.child_env(PYTHONUNBUFFERED="1", **encoder))
    except subprocess.TimeoutExpired:
        return result(error=f"{kind} worker timed out after {timeout:.0f} s")
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if done.returncode != 0 or not lines:
        return result(error=f"{kind} worker failed (exit {done.returncode})")
    try:
        return from_json(result, json.loads(lines[-1]))
    except (ValueError, ValidationError) as exc:
        return result(error=f"{kind} worker returned no {result.__name__}: {exc}")
