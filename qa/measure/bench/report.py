"""The benchmark's targets, and its report as the Markdown tables ``qa bench`` prints (docs/benchmarks.md quotes them)."""

from __future__ import annotations

import math
from typing import Any

from qa.measure.bench.results import BenchReport, Build, Measure, Target
from qa.measure.bench.stream import CacheRun
from qa.measure.metrics import COMPARED_RETRIEVERS, Percentiles

__all__ = ["TARGETS", "targets", "render"]

TARGETS = {
    "query_p95_bundled_ms": 20.0,  # hybrid (issue 13)
    "query_p99_bundled_ms": 30.0,
    "query_p95_full_ms": 100.0,
    "ann_recall_at_10": 0.98,
    "hybrid_over_dense": 1.3,
    "hybrid_over_dense_scale": 1.5,
    "index_build_bundled_s": 5.0,
    "start_to_first_answer_s": 10.0,
}


def _worst_p95(measure: Measure) -> float | None:
    q = measure.query_ms or {}
    return max((q[r].p95 for r in COMPARED_RETRIEVERS if r in q), default=None)


def targets(report: BenchReport) -> list[Target]:
    """Each target against what the run measured (met is None when it was not measured)."""
    rows = []

    def add(name: str, goal: str, value: float | None, ok: bool | None) -> None:
        rows.append(Target(name, goal, value, ok))

    def at_most(name: str, goal: str, value: float | None, limit: float) -> None:
        add(name, goal, value, None if value is None else value <= limit)

    hybrid = (report.bundled.query_ms or {}).get("hybrid")
    at_most("warm query p95, bundled (hybrid)", f"≤ {TARGETS['query_p95_bundled_ms']:.0f} ms", hybrid.p95 if hybrid else None,
            TARGETS["query_p95_bundled_ms"])
    at_most("warm query p99, bundled (hybrid)", f"≤ {TARGETS['query_p99_bundled_ms']:.0f} ms", hybrid.p99 if hybrid else None,
            TARGETS["query_p99_bundled_ms"])
    ratio = (report.bundled.ratios or {}).get("hybrid/dense_p95")
    at_most("hybrid / dense p95, bundled", f"≤ {TARGETS['hybrid_over_dense']}", ratio, TARGETS["hybrid_over_dense"])
    at_most("index build, bundled (cold cache)", f"≤ {TARGETS['index_build_bundled_s']:.0f} s", report.build.index_build_s,
            TARGETS["index_build_bundled_s"])
    at_most("start to first answer", f"≤ {TARGETS['start_to_first_answer_s']:.0f} s", report.start.first_answer_s,
            TARGETS["start_to_first_answer_s"])
    for entry in report.scales:
        m = entry.measure
        if m is None or m.query_ms is None or m.ratios is None:
            continue
        at_most(f"warm query p95, {entry.scale} ({m.articles} articles)", f"≤ {TARGETS['query_p95_full_ms']:.0f} ms", _worst_p95(m),
                TARGETS["query_p95_full_ms"])
        at_most(f"hybrid / dense p95, {entry.scale}", f"≤ {TARGETS['hybrid_over_dense_scale']}", m.ratios["hybrid/dense_p95"],
                TARGETS["hybrid_over_dense_scale"])
        if m.ann is not None:
            recall = m.ann.recall_at_10
            add(f"ANN recall@10, {entry.scale}", f"≥ {TARGETS['ann_recall_at_10']}", recall, recall >= TARGETS["ann_recall_at_10"])
    return rows


def _fmt(value: Any, digits: int = 1) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def _measure_row(label: str, m: Measure, b: Build) -> str:
    if m.query_ms is None or m.memory is None or m.ratios is None:
        return f"| {label} | {_fmt(b.articles)} | | | | | {m.error or b.error or 'not measured'} | | | | | | | |"
    q = m.query_ms
    trio = {r: f"{_fmt(q[r].p50)} / {_fmt(q[r].p95)} / {_fmt(q[r].p99)}" for r in COMPARED_RETRIEVERS}
    mem = m.memory
    return (
        f"| {label} | {m.articles} | {m.vectors} | {m.kind} | {_fmt(b.index_build_s, 2)} | "
        f"{_fmt(b.index_build_per_1k_articles_s)} | {trio['dense']} | {trio['bm25']} | {trio['hybrid']} | "
        f"{_fmt(q['query_encoding'].p50)} | {_fmt(m.ratios['hybrid/dense_p95'], 2)} | {_fmt(m.recall_at_10, 3)} | "
        f"{_fmt(mem.peak_rss_mb, 0)} | {_fmt(mem.model_mb, 0)} / {_fmt(mem.vectors_mb, 0)} / {_fmt(mem.bm25_and_docs_mb, 0)} |"
    )


def _scale_notes(label: str, m: Measure, b: Build, model: str) -> list[str]:
    lines = []
    if b.passages_per_s is not None:
        search = m.faiss_search_ms
        lines.append(f"- {label}: embedding {b.passages_per_s} passages/s ({model}); faiss search k={search.k if search else None}: "
                     f"p50 {_fmt(search.p50 if search else None)} ms")
    if m.searcher_init_s is not None:
        lines.append(f"- {label}: Searcher start-up {m.searcher_init_s} s (tokenising + BM25 + loading the dense index, "
                     f"of which index load {m.index_load_s} s); corpus load {b.corpus_load_s} s")
    for c in m.citations:
        lines.append(f"- {label}: citation `{c.question}` → {c.got or c.message} ({'ok' if c.ok else 'WRONG'}, {c.ms} ms)")
    for s in (m.ann.sweep or []) if m.ann else []:
        lines.append(f"- {label} ANN: {s.index}: build {_fmt(s.build_s)} s, p50 {s.ms_p50} ms, p95 {s.ms_p95} ms, recall@10 {s.recall_at_10}")
    return lines


def _cache_line(c: CacheRun) -> str:
    def trio(p: Percentiles | None) -> str:
        return f"{_fmt(p.p50)} / {_fmt(p.p95)} / {_fmt(p.p99)} ms" if p else "–"

    return (f"Answer cache (bundled, hybrid, the Searcher's default cache; not in the latencies above): {c.asks} questions drawn "
            f"from {c.distinct} distinct ones (weights 1/rank^{c.skew:g}, seeded): hit rate {c.hit_rate:.2f} ({c.hits} hits); "
            f"p50/p95/p99 all {trio(c.all_ms)}, hits {trio(c.hit_ms)}, misses {trio(c.miss_ms)}.")


def render(report: BenchReport) -> str:
    """The report as Markdown tables."""
    m = report.machine
    build, start, cold = report.build, report.start, report.start_cold
    lines = [
        f"model {report.model}{f' (e5 questions: {report.query_encoder})' if report.query_encoder else ''}; {report.queries} questions per retriever; {m.cpu} × {m.cores} cores; "
        f"load average {m.loadavg_1m} at start; {m.date}",
        "",
        "| bundled corpus | value |",
        "|---|---|",
        f"| start to first answer (citation, BM25; fresh process) | {_fmt(start.first_answer_s, 2)} s |",
        f"| start to first dense answer (index on disk) | {_fmt(start.first_dense_answer_s, 2)} s |",
        f"| first run, no index yet: first answer / first dense answer | {_fmt(cold.first_answer_s if cold else None, 2)} s / "
        f"{_fmt(cold.first_dense_answer_s if cold else None, 2)} s |",
        f"| index build, cold cache ({build.units} units; model already loaded) | {_fmt(build.index_build_s, 2)} s |",
        f"| index rebuild, warm embedding cache | {_fmt(build.index_build_s and build.index_rebuild_cached_s, 3)} s |",
        f"| model load | {_fmt(build.model_load_s, 2)} s |",
        "",
        "| corpus | articles | vectors | index | build s | build s / 1k articles | dense p50/p95/p99 ms | bm25 p50/p95/p99 ms | "
        "hybrid p50/p95/p99 ms | query encode p50 | hybrid/dense p95 | recall@10 | peak RSS MB | model / vectors / BM25+docs MB |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    rows = [("bundled", report.bundled, report.build)]
    rows += [(e.scale, e.measure or Measure(), e.build) for e in report.scales]
    lines += [_measure_row(label, measure, b) for label, measure, b in rows]
    cpu = report.bundled.query_cpu_ms
    if cpu:
        lines += ["", "CPU time per question, bundled (the process, all threads; what the code costs when a shared machine makes wall time noise), "
                  "p50 / p95 / p99 ms: " + "; ".join(f"{r.replace('_', ' ')} {_fmt(p.p50)} / {_fmt(p.p95)} / {_fmt(p.p99)}" for r, p in cpu.items()) + "."]
    if report.bundled.cache is not None:
        lines += ["", _cache_line(report.bundled.cache)]
    skipped = next((b.skipped_documents for _, _, b in rows[1:] if b.skipped_documents), None)
    if skipped:
        counts = ", ".join(f"{k} {v}" for k, v in sorted(skipped.items(), key=lambda kv: -kv[1]))
        lines += ["", f"Library documents skipped by the importer ({sum(skipped.values())}): {counts}."]
    for label, measure, b in rows[1:]:
        lines += _scale_notes(label, measure, b, report.model)
    lines += ["", "| target | goal | measured | met |", "|---|---|---|---|"]
    for t in report.targets:
        lines.append(f"| {t.target} | {t.goal} | {_fmt(t.measured, 2)} | {'yes' if t.met else 'no' if t.met is False else '–'} |")
    return "\n".join(lines)
