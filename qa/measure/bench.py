"""``qa bench``: start-up, index build, query latency, memory and ANN recall, on the bundled corpus and at scale.

Every figure that depends on a clean process (start-up, memory) is measured in a fresh subprocess of this
module (``--worker``), so one run never pollutes the next. Retrievers are timed side by side on the same
questions, interleaved in rotating order, and the report gives ratios (hybrid/dense, …) as well as
absolute times, because absolute times drift with the machine's load.

Scale corpora are whole regulations from the law library (``--library``): the regulations of the
evaluation sets first, then others in a fixed pseudo-random order, until about N articles are loaded
(``all`` = every document that parses). Documents the importer rejects are skipped and counted.
Embeddings are cached under ``--index-root`` (``index/bench`` by default), so only the first run at a
scale pays for embedding; that step prints progress and stops after ``--max-embed-minutes``.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import random
import shutil
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any, Callable, Sequence

from qa import config

__all__ = ["main", "add_arguments", "run_args", "render", "load_regulations", "scale_library", "percentiles"]

RETRIEVERS = ("dense", "bm25", "hybrid")
#: Regulations of the evaluation sets: always part of a scale corpus, so its questions have answers.
EVAL_TITLES = ("北京市自动驾驶汽车条例", "深圳经济特区人工智能产业促进条例", "浙江省数字经济促进条例")
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
TARGETS = {
    "query_p95_bundled_ms": 30.0,
    "query_p95_full_ms": 100.0,
    "ann_recall_at_10": 0.98,
    "hybrid_over_dense": 1.5,
    "index_build_bundled_s": 5.0,
    "start_to_first_answer_s": 10.0,
}


def _err(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# --------------------------------------------------------------------------------------------
# Corpora
# --------------------------------------------------------------------------------------------


def load_regulations(path: Path, *, log: Callable[[str], None] = _err) -> tuple[list, Counter]:
    """Every regulation under ``path`` that parses, and the count of rejected documents by rule.

    ``qa.corpus.library.load_library`` stops at the first defective document (it skips only those with no
    articles); over the whole library ~200 documents fail stricter checks, so the benchmark loads
    document by document and counts what it skipped.
    """
    from qa.corpus import REGULATION_FILE, CorpusError, load_corpus
    from qa.corpus.library import DOCUMENT_SUFFIXES, load_library

    path = Path(path)
    if path.is_file() or (path / REGULATION_FILE).is_file():
        return load_library(path, log=log), Counter()
    folders = sorted(p.parent for p in path.rglob(REGULATION_FILE))
    if folders:
        return [load_corpus(f) for f in folders], Counter()
    from qa.importer.document import parse_document

    regulations, skipped = [], Counter()
    documents = sorted(p for p in path.rglob("*") if p.suffix.lower() in DOCUMENT_SUFFIXES and p.is_file())
    for n, document in enumerate(documents, 1):
        try:
            regulations.append(parse_document(document))
        except CorpusError as exc:
            skipped[exc.rule] += 1
        if n % 500 == 0:
            log(f"  loading documents: {n}/{len(documents)}")
    return regulations, skipped


def scale_library(regulations: Sequence, articles: int | None, seed: int = 0) -> list:
    """About ``articles`` articles of whole regulations (None = all): eval regulations first, then a fixed
    pseudo-random order. The order is stable, so a smaller scale is a prefix of a larger one."""
    first = [r for r in regulations if r.title in EVAL_TITLES]
    rest = [r for r in regulations if r.title not in EVAL_TITLES]
    random.Random(seed).shuffle(rest)
    ordered = first + rest
    if articles is None:
        return ordered
    chosen, total = [], 0
    for regulation in ordered:
        if total >= articles:
            break
        chosen.append(regulation)
        total += len(regulation.articles)
    return chosen


def _scale_label(articles: int | None) -> str:
    return "all" if articles is None else f"{articles // 1000}k" if articles % 1000 == 0 else str(articles)


def _parse_scales(text: str | None) -> list[int | None]:
    if not text:
        return []
    scales: list[int | None] = []
    for part in text.split(","):
        part = part.strip().lower()
        if not part:
            continue
        if part == "all":
            scales.append(None)
        else:
            multiplier = 1000 if part.endswith("k") else 1
            scales.append(int(float(part.rstrip("k")) * multiplier))
    return scales


def _questions(n: int) -> list[str]:
    questions = []
    for file in sorted(config.eval_dir().glob("*.jsonl")):
        for line in file.read_text(encoding="utf-8").splitlines():
            if line.strip():
                questions.append(json.loads(line)["question"])
    if not questions:
        questions = [DENSE_QUESTION, CITATION_QUESTION]
    return [questions[i % len(questions)] for i in range(n)]


# --------------------------------------------------------------------------------------------
# Small measurement helpers
# --------------------------------------------------------------------------------------------


def percentiles(values: Sequence[float]) -> dict[str, float]:
    """p50/p95/p99 (nearest-rank on the sorted sample), mean and n, rounded to 0.01."""
    if not values:
        return {"p50": math.nan, "p95": math.nan, "p99": math.nan, "mean": math.nan, "n": 0}
    ordered = sorted(values)

    def rank(q: float) -> float:
        return ordered[min(len(ordered) - 1, max(0, math.ceil(q * len(ordered)) - 1))]

    return {"p50": round(rank(0.50), 2), "p95": round(rank(0.95), 2), "p99": round(rank(0.99), 2),
            "mean": round(sum(ordered) / len(ordered), 2), "n": len(ordered)}


def _rss_mb() -> tuple[float, float]:
    """(current RSS, peak RSS) of this process in MB, from /proc (Linux)."""
    current = peak = math.nan
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                current = int(line.split()[1]) / 1024
            elif line.startswith("VmHWM:"):
                peak = int(line.split()[1]) / 1024
    except OSError:
        pass
    return round(current, 1), round(peak, 1)


def _machine() -> dict[str, Any]:
    load = os.getloadavg() if hasattr(os, "getloadavg") else (math.nan,) * 3
    cpu = platform.processor() or ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {"cpu": cpu, "cores": os.cpu_count(), "python": platform.python_version(), "loadavg_1m": round(load[0], 2),
            "loadavg_5m": round(load[1], 2), "date": time.strftime("%Y-%m-%d %H:%M")}


def _model_name(model: str) -> str:
    return model.replace("+", "-")


# --------------------------------------------------------------------------------------------
# Workers (each runs in a fresh process)
# --------------------------------------------------------------------------------------------


def _load_corpus(spec: dict) -> tuple[list, Counter]:
    if spec.get("scale_articles", "bundled") == "bundled":
        from qa.corpus.library import load_library

        return load_library(spec["corpus"], log=_err), Counter()
    regulations, skipped = load_regulations(Path(spec["library"]))
    return scale_library(regulations, spec["scale_articles"]), skipped


def _warm_cache(library: Sequence, embedder: Any, folder: Path, store: Path, max_minutes: float, chunk: int = 2048) -> dict:
    """Embed the units the shared ``store`` lacks, in chunks, saving as it goes (so an interrupted run
    resumes); stop after ``max_minutes``. Then seed the index folder's own cache from the store, so
    ``qa.index.dense.build`` embeds nothing. The store is never pruned: every scale reuses the others' vectors."""
    from qa.index.dense import EmbeddingCache, _safe, units_of

    name = f"{_safe(embedder.model_id)}.npz"
    cache = EmbeddingCache(store / name, dim=embedder.dim)
    texts = list(dict.fromkeys(t for _, t in units_of(library)))
    missing = [t for t in texts if EmbeddingCache.key(t) not in cache.vectors]
    started = time.perf_counter()
    done, last_save = 0, started
    if missing:
        _err(f"  embedding {len(missing)} of {len(texts)} units with {embedder.model_id} (cached: {len(texts) - len(missing)})")
    for start in range(0, len(missing), chunk):
        batch = missing[start : start + chunk]
        cache.encode(batch, lambda b: embedder.encode_passages(b))
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
            return {"complete": False, "embedded": done, "missing": len(missing) - done, "seconds": round(elapsed, 1)}
    elapsed = time.perf_counter() - started
    keys = {EmbeddingCache.key(t) for t in texts}
    seeded = EmbeddingCache(folder / "cache" / name, dim=embedder.dim)
    seeded.vectors = {k: v for k, v in cache.vectors.items() if k in keys}
    seeded.save()
    return {"complete": True, "embedded": done, "missing": 0, "seconds": round(elapsed, 1),
            "passages_per_s": round(done / elapsed, 1) if done and elapsed else None}


def _embed_rate(embedder: Any, library: Sequence, n: int = 128) -> float:
    """Passages per second on a sample of ``n`` units, cache bypassed."""
    from qa.index.dense import units_of

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


def worker_build(spec: dict) -> dict:
    """Load the corpus and model, then build the index: cold for the bundled corpus, after warming the
    embedding cache (bounded, with progress) at scale."""
    from qa.models import get_embedder
    from qa.index.dense import IndexError_, build, load, units_of

    started = time.perf_counter()
    library, skipped = _load_corpus(spec)
    load_s = time.perf_counter() - started
    folder = Path(spec["folder"])
    n_articles = sum(len(r.articles) for r in library)
    n_units = sum(1 for _ in units_of(library))
    _err(f"  corpus: {len(library)} regulations, {n_articles} articles, {n_units} units (loaded in {load_s:.1f} s)")
    started = time.perf_counter()
    embedder = get_embedder(spec["model"])
    embedder.encode_queries(["预热"])
    model_load_s = time.perf_counter() - started
    out: dict[str, Any] = {"regulations": len(library), "articles": n_articles, "units": n_units,
                           "skipped_documents": dict(skipped), "corpus_load_s": round(load_s, 2),
                           "model_load_s": round(model_load_s, 2)}
    quiet: Callable[[str], None] = lambda message: None  # noqa: E731
    if spec["scale_articles"] == "bundled":
        shutil.rmtree(folder, ignore_errors=True)
        started = time.perf_counter()
        index = build(library, embedder, folder, log=_err)
        out["index_build_s"] = round(time.perf_counter() - started, 3)
        out["embedded"] = index.manifest["embedded"]
        started = time.perf_counter()
        index = build(library, embedder, folder, log=quiet)
        out["index_rebuild_cached_s"] = round(time.perf_counter() - started, 3)
        out["kind"] = index.manifest["kind"]
        return out
    rate = _embed_rate(embedder, library)
    out["passages_per_s"] = round(rate, 1)
    warm = _warm_cache(library, embedder, folder, Path(spec["store"]), spec["max_embed_minutes"])
    out["warm"] = warm
    if not warm["complete"]:
        out["error"] = f"embedding stopped after {spec['max_embed_minutes']} min ({warm['missing']} units left); rerun to continue"
        return out
    try:  # an index that is already valid is reused (building HNSW over the full library takes minutes)
        index = load(folder, library, embedder.model_id, embedder.dim)
        wanted = spec.get("approximate")
        if wanted is not None and wanted != (index.manifest["kind"] != "flat"):
            raise IndexError_("other index kind requested")
        out["index_build_s"] = index.manifest["build_seconds"]
        out["reused_index_built_at"] = index.manifest["built_at"]
    except IndexError_:
        started = time.perf_counter()
        index = build(library, embedder, folder, log=_err, approximate=spec.get("approximate"))
        out["index_build_s"] = round(time.perf_counter() - started, 3)
    out["embedded"] = index.manifest["embedded"]
    out["kind"] = index.manifest["kind"]
    # Cold build cost per 1,000 articles = embedding at the sampled rate + this (cached) build, per article.
    per_article = (n_units / n_articles) / rate + out["index_build_s"] / n_articles if n_articles else math.nan
    out["index_build_per_1k_articles_s"] = round(per_article * 1000, 1)
    return out


def worker_start(spec: dict) -> dict:
    """A fresh app process: time to the first (citation, BM25) answer and to the first dense answer,
    measured from the parent's launch time (so interpreter start-up and imports count)."""
    launched = spec["launched"]
    from qa.corpus.library import load_library
    from qa.search.searcher import Searcher

    imported = time.time() - launched
    library = load_library(spec["corpus"], log=_err)
    searcher = Searcher(library, embedder=spec["model"], index_dir=Path(spec["folder"]), background=True,
                        log=lambda m: None, progress=False)
    first = searcher.search(CITATION_QUESTION, k=3, retriever="hybrid")
    first_s = time.time() - launched
    searcher.wait_ready()
    dense = searcher.search(DENSE_QUESTION, k=3, retriever="dense")
    dense_s = time.time() - launched
    return {"imports_s": round(imported, 3), "first_answer_s": round(first_s, 3), "first_answer_ok": not first.abstained,
            "first_answer_citation": first.hits[0].citation if first.hits else None,
            "first_dense_answer_s": round(dense_s, 3), "dense_ok": dense.retriever == "dense"}


def worker_measure(spec: dict) -> dict:
    """Memory by differences, warm query latency per retriever (interleaved), ANN recall@10, citations."""
    import numpy as np

    import bm25s  # noqa: F401 - libraries imported up front: their size is in the baseline, not the deltas
    import faiss  # noqa: F401
    from qa.models import get_embedder
    from qa.index.dense import load
    from qa.search.searcher import Searcher

    memory: dict[str, float] = {}
    base, _ = _rss_mb()
    memory["baseline_mb"] = base
    library, _ = _load_corpus(spec)
    after_corpus, _ = _rss_mb()
    memory["corpus_mb"] = round(after_corpus - base, 1)
    embedder = get_embedder(spec["model"])
    embedder.encode_queries(["预热"])
    after_model, _ = _rss_mb()
    memory["model_mb"] = round(after_model - after_corpus, 1)
    folder = Path(spec["folder"])
    started = time.perf_counter()
    searcher = Searcher(library, embedder=embedder, index_dir=folder, background=False, log=_err, progress=False)
    searcher_s = time.perf_counter() - started
    after_searcher, _ = _rss_mb()
    if not searcher.dense_ready:
        return {"error": f"dense index not ready: {searcher._dense_error}"}
    started = time.perf_counter()
    extra = load(folder, library, embedder.model_id, embedder.dim)  # a second copy, to measure its size
    index_load_s = time.perf_counter() - started
    after_copy, _ = _rss_mb()
    memory["vectors_mb"] = round(after_copy - after_searcher, 1)
    memory["bm25_and_docs_mb"] = round(after_searcher - after_model - memory["vectors_mb"], 1)
    del extra

    questions = _questions(spec["queries"])
    # Warm-up, in both languages: USE loads its weights lazily on its first call (~1.3 s), and with
    # e5+use only English questions call it.
    for q in questions[: min(10, len(questions))] + [WARMUP_EN]:
        for r in RETRIEVERS:
            searcher.search(q, k=5, retriever=r)
    times: dict[str, list[float]] = {r: [] for r in RETRIEVERS}
    encode_ms: list[float] = []
    for n, q in enumerate(questions):
        order = RETRIEVERS[n % 3 :] + RETRIEVERS[: n % 3]
        for r in order:
            started = time.perf_counter()
            searcher.search(q, k=5, retriever=r)
            times[r].append((time.perf_counter() - started) * 1000)
        started = time.perf_counter()
        embedder.encode_queries([q])
        encode_ms.append((time.perf_counter() - started) * 1000)
    query_ms = {r: percentiles(v) for r, v in times.items()}
    query_ms["query_encoding"] = percentiles(encode_ms)
    _, peak = _rss_mb()
    memory["peak_rss_mb"] = peak

    dense = searcher._dense
    out: dict[str, Any] = {"regulations": len(library), "articles": len(searcher.docs), "vectors": len(dense.units),
                           "kind": dense.manifest.get("kind"), "dim": embedder.dim, "query_ms": query_ms, "memory": memory}
    out["ratios"] = _ratios(query_ms)
    out["searcher_init_s"] = round(searcher_s, 2)
    out["index_load_s"] = round(index_load_s, 2)
    from qa.search import searcher as retrieve

    # The number of neighbours Searcher._dense_scores asks FAISS for (k=5 answers).
    top = min(len(dense.units), max(getattr(retrieve, "DENSE_CANDIDATES", 200), 4 * (4 * 5)))
    out["dense_top_k"] = top
    distinct = list(dict.fromkeys(questions))
    vectors = embedder.encode_queries(distinct).astype(np.float32)
    out["faiss_search_ms"] = _time_search(dense.index, vectors, top)
    if dense.manifest.get("kind") != "flat":
        out["ann"] = _ann_recall(dense.index, vectors, spec.get("ann_sweep", False))
    out["citations"] = _check_citations(searcher)
    return out


def _time_search(index: Any, vectors: Any, k: int) -> dict[str, float]:
    times = []
    for v in vectors:
        started = time.perf_counter()
        index.search(v.reshape(1, -1), k)
        times.append((time.perf_counter() - started) * 1000)
    return {"k": k, **percentiles(times)}


def _exact_top(vectors: Any, data: Any, k: int) -> Any:
    import faiss

    flat = faiss.IndexFlatIP(data.shape[1])
    flat.add(data)
    started = time.perf_counter()
    _, rows = flat.search(vectors, k)
    return rows, flat, (time.perf_counter() - started) * 1000 / len(vectors)


def _recall(rows: Any, exact: Any, k: int = 10) -> float:
    return float(sum(len(set(a[:k]) & set(b[:k])) for a, b in zip(rows, exact)) / (k * len(exact)))


def _ann_recall(index: Any, vectors: Any, sweep: bool) -> dict:
    """Recall@10 of the index the app uses against exact search; with ``sweep``, HNSW efSearch and IVF
    nprobe settings too (build time, ms/query, recall@10), to choose the approximate index."""
    import faiss
    import numpy as np

    from qa.index.dense import HNSW_EF_SEARCH

    data = index.reconstruct_n(0, index.ntotal)
    exact, flat, flat_ms = _exact_top(vectors, data, 10)
    _, rows = index.search(vectors, 10)
    out: dict[str, Any] = {"recall_at_10": round(_recall(rows, exact), 4), "exact_ms_per_query": round(flat_ms, 2)}
    if not sweep:
        return out
    results = []

    def timed(idx: Any, label: str, build_s: float) -> None:
        times, found = [], []
        for v in vectors:
            started = time.perf_counter()
            _, r = idx.search(v.reshape(1, -1), 10)
            times.append((time.perf_counter() - started) * 1000)
            found.append(r[0])
        results.append({"index": label, "build_s": round(build_s, 1), "ms_p50": percentiles(times)["p50"],
                        "ms_p95": percentiles(times)["p95"], "recall_at_10": round(_recall(found, exact), 4)})
        _err(f"  {results[-1]}")

    timed(flat, "flat (exact)", 0.0)
    if isinstance(faiss.downcast_index(index), faiss.IndexHNSWFlat):
        hnsw = faiss.downcast_index(index)
        for ef in (64, 128, 256, 512, 768, 1024):
            hnsw.hnsw.efSearch = ef
            timed(hnsw, f"HNSW32 efSearch={ef}", math.nan)
        hnsw.hnsw.efSearch = HNSW_EF_SEARCH
    nlist = int(4 * math.sqrt(len(data)))
    started = time.perf_counter()
    quantizer = faiss.IndexFlatIP(data.shape[1])
    ivf = faiss.IndexIVFFlat(quantizer, data.shape[1], nlist, faiss.METRIC_INNER_PRODUCT)
    ivf.train(data[np.random.default_rng(0).choice(len(data), min(len(data), 50 * nlist), replace=False)] if len(data) > 50 * nlist else data)
    ivf.add(data)
    build_s = time.perf_counter() - started
    for nprobe in (8, 16, 32, 64):
        ivf.nprobe = nprobe
        timed(ivf, f"IVF{nlist},Flat nprobe={nprobe}", build_s)
    out["sweep"] = results
    return out


def _check_citations(searcher: Any) -> list[dict]:
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
        checks.append({"question": question, "ok": ok, "ms": round(ms, 1),
                       "got": top.citation if top else None, "message": answer.message or answer.notice})
    return checks


def _ratios(query_ms: dict) -> dict[str, float]:
    def ratio(a: str, b: str, p: str) -> float:
        return round(query_ms[a][p] / query_ms[b][p], 2) if query_ms[b][p] else math.nan

    return {"hybrid/dense_p50": ratio("hybrid", "dense", "p50"), "hybrid/dense_p95": ratio("hybrid", "dense", "p95"),
            "bm25/dense_p50": ratio("bm25", "dense", "p50"), "hybrid/bm25_p50": ratio("hybrid", "bm25", "p50")}


WORKERS = {"build": worker_build, "start": worker_start, "measure": worker_measure}


def _run_worker(kind: str, spec: dict, timeout: float) -> dict:
    spec = {**spec, "launched": time.time()}
    command = [sys.executable, "-m", "qa.measure.bench", "--worker", kind, json.dumps(spec, ensure_ascii=False)]
    try:
        done = subprocess.run(command, stdout=subprocess.PIPE, text=True, timeout=timeout, cwd=config.ROOT,
                              env={**os.environ, "PYTHONUNBUFFERED": "1"})
    except subprocess.TimeoutExpired:
        return {"error": f"{kind} worker timed out after {timeout:.0f} s"}
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if done.returncode != 0 or not lines:
        return {"error": f"{kind} worker failed (exit {done.returncode})"}
    return json.loads(lines[-1])


# --------------------------------------------------------------------------------------------
# Orchestration and report
# --------------------------------------------------------------------------------------------


def run(args: argparse.Namespace) -> dict:
    from qa.corpus.library import default_corpus

    corpus = Path(args.corpus) if args.corpus else default_corpus()
    index_root = Path(args.index_root) if args.index_root else config.index_root() / "bench"
    queries = args.queries or (60 if args.quick else 300)
    model = args.model
    report: dict[str, Any] = {"model": model, "queries": queries, "machine": _machine(), "corpus": str(corpus)}
    folder = index_root / f"bundled-{_model_name(model)}"
    library = Path(args.library) if args.library else config.library_dir()
    common = {"model": model, "corpus": str(corpus), "library": str(library), "queries": queries,
              "max_embed_minutes": args.max_embed_minutes, "ann_sweep": args.ann_sweep}
    _err(f"bench: bundled corpus {corpus.name}, model {model}, {queries} questions per retriever")
    build = _run_worker("build", {**common, "scale_articles": "bundled", "folder": str(folder)}, timeout=600)
    report["build"] = build
    report["index_build_s"] = build.get("index_build_s")
    _err(f"  index build {build.get('index_build_s')} s (model load {build.get('model_load_s')} s)")
    start = _run_worker("start", {**common, "folder": str(folder)}, timeout=600)
    report["start"] = start
    if not args.quick:  # first run: no index on disk yet (the model still has to embed the corpus)
        cold = index_root / f"bundled-cold-{_model_name(model)}"
        shutil.rmtree(cold, ignore_errors=True)
        report["start_cold"] = _run_worker("start", {**common, "folder": str(cold)}, timeout=600)
        shutil.rmtree(cold, ignore_errors=True)
    report["start_to_first_answer_s"] = start.get("first_answer_s")
    report["start_to_first_dense_answer_s"] = start.get("first_dense_answer_s")
    _err(f"  start to first answer {start.get('first_answer_s')} s, to first dense answer {start.get('first_dense_answer_s')} s")
    measure = _run_worker("measure", {**common, "scale_articles": "bundled", "folder": str(folder)}, timeout=1800)
    report["bundled"] = measure
    report["query_ms"] = measure.get("query_ms")
    report["ratios"] = measure.get("ratios")
    report["memory"] = measure.get("memory")
    report["scales"] = []
    for articles in _parse_scales(args.scale):
        label = _scale_label(articles)
        _err(f"bench: scale {label} ({'every parsed document' if articles is None else f'~{articles} articles'}) of {library}")
        folder = index_root / f"scale-{label}-{_model_name(model)}"
        spec = {**common, "scale_articles": articles, "folder": str(folder), "store": str(index_root / "embeddings"),
                "approximate": None if args.ann == "auto" else args.ann == "on"}
        build = _run_worker("build", spec, timeout=args.max_embed_minutes * 60 + 1800)
        entry: dict[str, Any] = {"scale": label, "build": build}
        if "error" not in build:
            _err(f"  index build {build.get('index_build_s')} s ({build.get('kind')}); measuring …")
            entry["measure"] = _run_worker("measure", spec, timeout=3600)
        else:
            _err(f"  {build['error']}")
        report["scales"].append(entry)
    report["targets"] = _targets(report)
    return report


def _targets(report: dict) -> list[dict]:
    rows = []

    def add(name: str, target: str, value: Any, ok: bool | None) -> None:
        rows.append({"target": name, "goal": target, "measured": value, "met": ok})

    q = report.get("query_ms") or {}
    p95 = max((q[r]["p95"] for r in RETRIEVERS if r in q), default=None)
    add("warm query p95, bundled (worst retriever)", f"≤ {TARGETS['query_p95_bundled_ms']:.0f} ms", p95,
        None if p95 is None else p95 <= TARGETS["query_p95_bundled_ms"])
    ratio = (report.get("ratios") or {}).get("hybrid/dense_p95")
    add("hybrid / dense p95, bundled", f"≤ {TARGETS['hybrid_over_dense']}", ratio, None if ratio is None else ratio <= TARGETS["hybrid_over_dense"])
    build = report.get("index_build_s")
    add("index build, bundled (cold cache)", f"≤ {TARGETS['index_build_bundled_s']:.0f} s", build,
        None if build is None else build <= TARGETS["index_build_bundled_s"])
    first = report.get("start_to_first_answer_s")
    add("start to first answer", f"≤ {TARGETS['start_to_first_answer_s']:.0f} s", first,
        None if first is None else first <= TARGETS["start_to_first_answer_s"])
    for entry in report.get("scales", []):
        m = entry.get("measure") or {}
        if "query_ms" not in m:
            continue
        worst = max(m["query_ms"][r]["p95"] for r in RETRIEVERS)
        goal = TARGETS["query_p95_full_ms"]
        add(f"warm query p95, {entry['scale']} ({m['articles']} articles)", f"≤ {goal:.0f} ms", worst, worst <= goal)
        ratio = m["ratios"]["hybrid/dense_p95"]
        add(f"hybrid / dense p95, {entry['scale']}", f"≤ {TARGETS['hybrid_over_dense']}", ratio, ratio <= TARGETS["hybrid_over_dense"])
        if "ann" in m:
            recall = m["ann"]["recall_at_10"]
            add(f"ANN recall@10, {entry['scale']}", f"≥ {TARGETS['ann_recall_at_10']}", recall, recall >= TARGETS["ann_recall_at_10"])
    return rows


def _fmt(value: Any, digits: int = 1) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def render(report: dict) -> str:
    """The report as Markdown tables (what ``qa bench`` prints and docs/benchmarks.md quotes)."""
    lines = []
    m = report["machine"]
    lines.append(f"model {report['model']}; {report['queries']} questions per retriever; {m['cpu']} × {m['cores']} cores; "
                 f"load average {m['loadavg_1m']} at start; {m['date']}")
    lines.append("")
    build, start = report.get("build", {}), report.get("start", {})
    lines.append("| bundled corpus | value |")
    lines.append("|---|---|")
    lines.append(f"| start to first answer (citation, BM25; fresh process) | {_fmt(start.get('first_answer_s'), 2)} s |")
    lines.append(f"| start to first dense answer (index on disk) | {_fmt(start.get('first_dense_answer_s'), 2)} s |")
    cold = report.get("start_cold", {})
    lines.append(f"| first run, no index yet: first answer / first dense answer | {_fmt(cold.get('first_answer_s'), 2)} s / {_fmt(cold.get('first_dense_answer_s'), 2)} s |")
    lines.append(f"| index build, cold cache ({build.get('units')} units; model already loaded) | {_fmt(build.get('index_build_s'), 2)} s |")
    lines.append(f"| index rebuild, warm embedding cache | {_fmt(build.get('index_build_s') and build.get('index_rebuild_cached_s'), 3)} s |")
    lines.append(f"| model load | {_fmt(build.get('model_load_s'), 2)} s |")
    lines.append("")
    rows = [("bundled", report.get("bundled") or {}, report.get("build") or {})]
    rows += [(e["scale"], e.get("measure") or {}, e.get("build") or {}) for e in report.get("scales", [])]
    lines.append("| corpus | articles | vectors | index | build s | build s / 1k articles | dense p50/p95/p99 ms | bm25 p50/p95/p99 ms | hybrid p50/p95/p99 ms | query encode p50 | hybrid/dense p95 | recall@10 | peak RSS MB | model / vectors / BM25+docs MB |")
    lines.append("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for label, m, b in rows:
        if "query_ms" not in m:
            lines.append(f"| {label} | {b.get('articles', '–')} | | | | | {m.get('error') or b.get('error') or 'not measured'} | | | | | | | |")
            continue
        q = m["query_ms"]
        trio = {r: f"{_fmt(q[r]['p50'])} / {_fmt(q[r]['p95'])} / {_fmt(q[r]['p99'])}" for r in RETRIEVERS}
        mem = m["memory"]
        recall = m.get("ann", {}).get("recall_at_10", 1.0 if m.get("kind") == "flat" else None)
        lines.append(
            f"| {label} | {m['articles']} | {m['vectors']} | {m['kind']} | {_fmt(b.get('index_build_s'), 2)} | "
            f"{_fmt(b.get('index_build_per_1k_articles_s'))} | {trio['dense']} | {trio['bm25']} | {trio['hybrid']} | "
            f"{_fmt(q['query_encoding']['p50'])} | {_fmt(m['ratios']['hybrid/dense_p95'], 2)} | {_fmt(recall, 3)} | "
            f"{_fmt(mem['peak_rss_mb'], 0)} | {_fmt(mem['model_mb'], 0)} / {_fmt(mem['vectors_mb'], 0)} / {_fmt(mem['bm25_and_docs_mb'], 0)} |")
    for label, m, b in rows[1:]:
        if b.get("skipped_documents"):
            skipped = ", ".join(f"{k} {v}" for k, v in sorted(b["skipped_documents"].items(), key=lambda kv: -kv[1]))
            lines.append("")
            lines.append(f"Library documents skipped by the importer ({sum(b['skipped_documents'].values())}): {skipped}.")
            break
    for label, m, b in rows[1:]:
        if "passages_per_s" in b:
            lines.append(f"- {label}: embedding {b['passages_per_s']} passages/s ({report['model']}); faiss search k={m.get('faiss_search_ms', {}).get('k')}: "
                         f"p50 {_fmt(m.get('faiss_search_ms', {}).get('p50'))} ms")
        if "searcher_init_s" in m:
            lines.append(f"- {label}: Searcher start-up {m['searcher_init_s']} s (tokenising + BM25 + loading the dense index, "
                         f"of which index load {m['index_load_s']} s); corpus load {b.get('corpus_load_s')} s")
        for c in m.get("citations", []):
            lines.append(f"- {label}: citation `{c['question']}` → {c['got'] or c['message']} ({'ok' if c['ok'] else 'WRONG'}, {c['ms']} ms)")
        for s in m.get("ann", {}).get("sweep", []):
            lines.append(f"- {label} ANN: {s['index']}: build {_fmt(s['build_s'])} s, p50 {s['ms_p50']} ms, p95 {s['ms_p95']} ms, recall@10 {s['recall_at_10']}")
    lines.append("")
    lines.append("| target | goal | measured | met |")
    lines.append("|---|---|---|---|")
    for t in report.get("targets", []):
        lines.append(f"| {t['target']} | {t['goal']} | {_fmt(t['measured'], 2)} | {'yes' if t['met'] else 'no' if t['met'] is False else '–'} |")
    return "\n".join(lines)


DESCRIPTION = "Benchmark start-up, index build, query latency, memory and ANN recall (bundled corpus, and at scale with --scale)."


def add_arguments(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """The options of ``qa bench`` (shared by ``python -m qa.measure.bench`` and the ``qa`` CLI)."""
    parser.add_argument("--quick", action="store_true", help="bundled corpus only, 60 questions per retriever (under a minute)")
    parser.add_argument("--json", action="store_true", help="print one JSON object: start_to_first_answer_s, index_build_s, query_ms.{dense,bm25,hybrid}.{p50,p95,p99}, ratios, memory, scales, targets")
    parser.add_argument("--scale", help="also measure corpora of about N articles from --library, e.g. 1000,10000,all")
    parser.add_argument("--model", default="e5+use", help="embedding model: e5+use (default), e5, use, hash (test double)")
    parser.add_argument("--queries", type=int, help="questions per retriever (default 300; 60 with --quick)")
    parser.add_argument("--corpus", help="the bundled corpus (default: corpus/anhui-nev-clusters or $QA_CORPUS)")
    parser.add_argument("--library", help="folder of regulations for --scale (default: $QA_LIBRARY, else ../shared/regulations/library beside the project)")
    parser.add_argument("--index-root", help="where benchmark indexes and embedding caches live (default: index/bench)")
    parser.add_argument("--max-embed-minutes", type=float, default=45.0, help="stop embedding a scale corpus after this long; a rerun continues (default 45)")
    parser.add_argument("--ann", choices=("auto", "on", "off"), default="auto", help="approximate index at scale: auto = above qa.index.dense.ANN_THRESHOLD vectors")
    parser.add_argument("--ann-sweep", action="store_true", help="at scale, also compare HNSW efSearch and IVF nprobe settings")
    parser.add_argument("--worker", nargs=2, metavar=("KIND", "SPEC"), help=argparse.SUPPRESS)
    return parser


def run_args(args: argparse.Namespace) -> int:
    """Run the benchmark for parsed ``args``; print the table (or JSON); 1 if a bundled step failed."""
    if args.worker:
        kind, spec = args.worker
        result = WORKERS[kind](json.loads(spec))
        print(json.dumps(result, ensure_ascii=False), flush=True)
        return 0
    if args.quick and args.scale is None:
        args.scale = ""
    report = run(args)
    if args.json:
        print(json.dumps(report, ensure_ascii=False, indent=1))
    else:
        print(render(report))
    failed = [k for k in ("build", "start", "bundled") if "error" in (report.get(k) or {})]
    for key in failed:
        _err(f"error: {report[key]['error']}")
    return 1 if failed else 0


def main(argv: list[str] | None = None) -> int:
    parser = add_arguments(argparse.ArgumentParser(prog="qa bench", description=DESCRIPTION))
    return run_args(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
