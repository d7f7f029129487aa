"""Compare the e5 query encoders: milliseconds per question, and agreement with torch fp32.

``python -m qa.measure.bench.encoders [--questions N] [--rounds R] [--threads T]`` prints one Markdown table
(docs/benchmarks.md, "Query encoder"). CPU time is the process's (all threads), which a shared machine
barely moves; wall time is printed beside it. ``--threads`` sets the ONNX sessions' threads (torch keeps
one). Questions are the benchmark's (the evaluation sets in turn), asked one at a time as the Searcher
asks them; "batched" encodes them all in one padded call.
"""

from __future__ import annotations

import argparse
import time
from dataclasses import dataclass

import numpy as np

from qa.measure.bench.corpora import questions
from qa.measure.metrics import Percentiles
from qa.models.embedders import E5Embedder
from qa.models.onnx_e5 import QUERY_ENCODERS

__all__ = ["EncoderRow", "compare", "render", "main"]


@dataclass(frozen=True)
class EncoderRow:
    encoder: str
    cpu_ms: Percentiles
    wall_ms: Percentiles
    cosine_min: float
    cosine_mean: float
    batched_cosine_min: float


def compare(asked: list[str], rounds: int = 2, threads: int = 1) -> list[EncoderRow]:
    """Every encoder on ``asked``, interleaved question by question so that load changes hit all alike."""
    models = {name: E5Embedder(threads=1, query_encoder=name, query_threads=threads) for name in QUERY_ENCODERS}
    ref = np.vstack([models["torch"].encode_queries([q]) for q in asked])
    ref_batched = models["torch"].encode_queries(asked)
    cpu: dict[str, list[float]] = {name: [] for name in models}
    wall: dict[str, list[float]] = {name: [] for name in models}
    for _ in range(rounds):
        for q in asked:
            for name, model in models.items():
                started, started_cpu = time.perf_counter(), time.process_time()
                model.encode_queries([q])
                wall[name].append((time.perf_counter() - started) * 1000)
                cpu[name].append((time.process_time() - started_cpu) * 1000)
    rows = []
    for name, model in models.items():
        cosine = (np.vstack([model.encode_queries([q]) for q in asked]) * ref).sum(axis=1)
        batched = (model.encode_queries(asked) * ref_batched).sum(axis=1)
        rows.append(EncoderRow(name, Percentiles.of(cpu[name]), Percentiles.of(wall[name]), round(float(cosine.min()), 5),
                               round(float(cosine.mean()), 5), round(float(batched.min()), 5)))
    return rows


def render(rows: list[EncoderRow], n: int, threads: int = 1) -> str:
    lines = [f"{n} questions, one at a time, torch 1 thread, ONNX {threads}; cosine to torch fp32 query vectors",
             "", "| query encoder | CPU ms p50 / p95 | wall ms p50 / p95 | cosine min / mean | batched cosine min |", "|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r.encoder} | {r.cpu_ms.p50:.1f} / {r.cpu_ms.p95:.1f} | {r.wall_ms.p50:.1f} / {r.wall_ms.p95:.1f} | "
                     f"{r.cosine_min:.4f} / {r.cosine_mean:.4f} | {r.batched_cosine_min:.4f} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m qa.measure.bench.encoders", description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=int, default=60, help="questions (default 60)")
    parser.add_argument("--rounds", type=int, default=2, help="times each question is timed per encoder (default 2)")
    parser.add_argument("--threads", type=int, default=1, help="threads of the ONNX sessions (default 1; the product uses every core)")
    args = parser.parse_args(argv)
    asked = list(dict.fromkeys(questions(args.questions)))
    print(render(compare(asked, args.rounds, args.threads), len(asked), args.threads))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
