"""``qa bench`` itself: its options, and the order of the steps (each one a fresh worker process)."""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from dataclasses import replace
from pathlib import Path

from qa import config
from qa.measure.bench.corpora import FALLBACK_QUESTIONS, parse_scales, scale_label
from qa.measure.bench.host import machine
from qa.measure.bench.report import render, targets
from qa.measure.bench.results import BenchReport, Build, Measure, ScaleEntry, Start, WorkerSpec
from qa.measure.bench.workers import run_worker, serve_worker
from qa.models import EMBEDDERS, QUERY_ENCODERS, default_query_encoder

__all__ = ["DESCRIPTION", "add_arguments", "run", "run_args", "main"]

DESCRIPTION = "Benchmark start-up, index build, query latency, memory and ANN recall (bundled corpus, and at scale with --scale)."


def _err(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _model_name(model: str) -> str:
    return model.replace("+", "-")


def run(args: argparse.Namespace) -> BenchReport:
    """Every step for parsed ``args``: the bundled corpus (build, start, cold start, measure), then each scale."""
    from qa.corpus.library import default_corpus

    corpus = Path(args.corpus) if args.corpus else default_corpus()
    index_root = Path(args.index_root) if args.index_root else config.index_root() / "bench"
    queries = args.queries or (60 if args.quick else 300)
    model = args.model
    library = Path(args.library) if args.library else config.library_dir()
    encoder = args.query_encoder or default_query_encoder() if "e5" in model else None
    if args.eval_dir and not Path(args.eval_dir).is_dir():
        raise ValueError(f"--eval-dir {args.eval_dir}: no such folder")
    missing = None if args.eval_dir else config.absent_default(config.eval_dir())
    if missing:
        _err(f"bench: note: {missing}; pass --eval-dir DIR to time the evaluation questions (timing {len(FALLBACK_QUESTIONS)} built-in ones)")
    common = WorkerSpec(model=model, corpus=str(corpus), library=str(library), queries=queries, max_embed_minutes=args.max_embed_minutes,
                        ann_sweep=args.ann_sweep, folder=str(index_root / f"bundled-{_model_name(model)}"), query_encoder=encoder,
                        eval_dir=str(Path(args.eval_dir).resolve()) if args.eval_dir else None)
    started_on = machine()
    _err(f"bench: bundled corpus {corpus.name}, model {model}{f' (e5 questions: {encoder})' if encoder else ''}, {queries} questions per retriever")
    build = run_worker("build", common, Build, timeout=600)
    _err(f"  index build {build.index_build_s} s (model load {build.model_load_s} s)")
    start = run_worker("start", common, Start, timeout=600)
    cold = None
    if not args.quick:  # first run: no index on disk yet (the model still has to embed the corpus)
        folder = index_root / f"bundled-cold-{_model_name(model)}"
        shutil.rmtree(folder, ignore_errors=True)
        cold = run_worker("start", replace(common, folder=str(folder)), Start, timeout=600)
        shutil.rmtree(folder, ignore_errors=True)
    _err(f"  start to first answer {start.first_answer_s} s, to first dense answer {start.first_dense_answer_s} s")
    bundled = run_worker("measure", common, Measure, timeout=1800)
    scales = []
    for articles in args.scale or []:
        label = scale_label(articles)
        _err(f"bench: scale {label} ({'every parsed document' if articles is None else f'~{articles} articles'}) of {library}")
        spec = replace(common, bundled=False, scale_articles=articles, folder=str(index_root / f"scale-{label}-{_model_name(model)}"),
                       store=str(index_root / "embeddings"), approximate=None if args.ann == "auto" else args.ann == "on")
        scale_build = run_worker("build", spec, Build, timeout=args.max_embed_minutes * 60 + 1800)
        measured = None
        if scale_build.error is None:
            _err(f"  index build {scale_build.index_build_s} s ({scale_build.kind}); measuring …")
            measured = run_worker("measure", spec, Measure, timeout=3600)
        else:
            _err(f"  {scale_build.error}")
        scales.append(ScaleEntry(label, scale_build, measured))
    report = BenchReport(model, queries, started_on, str(corpus), build, start, bundled, cold, scales, query_encoder=encoder)
    return replace(report, targets=targets(report))


def _scales(text: str) -> list[int | None]:
    try:
        return parse_scales(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a list of article counts such as 1000,10k,all") from None


def add_arguments(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """The options of ``qa bench`` (shared by ``python -m qa.measure.bench`` and the ``qa`` CLI)."""
    parser.add_argument("--quick", action="store_true", help="bundled corpus only, 60 questions per retriever (under a minute)")
    parser.add_argument("--json", action="store_true", help="print one JSON object: start_to_first_answer_s, index_build_s, query_ms.{dense,bm25,hybrid}.{p50,p95,p99}, ratios, memory, scales, targets")
    parser.add_argument("--scale", type=_scales, help="also measure corpora of about N articles from --library, e.g. 1000,10000,all")
    parser.add_argument("--model", choices=EMBEDDERS, default="e5+use", help="embedding model (default: e5+use; hash is a test double)")
    parser.add_argument("--query-encoder", choices=QUERY_ENCODERS, help="how e5 encodes questions (default: $QA_QUERY_ENCODER, else the product's default); passages use the fp32 onnx graph under onnx, torch otherwise")
    parser.add_argument("--queries", type=int, help="questions per retriever (default 300; 60 with --quick)")
    parser.add_argument("--eval-dir", metavar="DIR", help="folder of JSON Lines question sets whose questions are timed (default: tests/eval of the checkout)")
    parser.add_argument("--corpus", help="the bundled corpus (default: corpus/anhui-nev-clusters or $QA_CORPUS)")
    parser.add_argument("--library", help="folder of regulations for --scale, loaded as the app loads a library (default: $QA_LIBRARY, else $QA_SHARED/regulations/library)")
    parser.add_argument("--index-root", help="where benchmark indexes and embedding caches live (default: index/bench)")
    parser.add_argument("--max-embed-minutes", type=float, default=45.0, help="stop embedding a scale corpus after this long; a rerun continues (default 45)")
    parser.add_argument("--ann", choices=("auto", "on", "off"), default="auto", help="approximate index at scale: auto = above qa.index.dense.ANN_THRESHOLD vectors")
    parser.add_argument("--ann-sweep", action="store_true", help="at scale, also compare HNSW efSearch and IVF nprobe settings")
    parser.add_argument("--worker", nargs=2, metavar=("KIND", "SPEC"), help=argparse.SUPPRESS)
    return parser


def run_args(args: argparse.Namespace) -> int:
    """Run the benchmark for parsed ``args``; print the table (or JSON); 1 if a bundled step failed."""
    if args.worker:
        return serve_worker(*args.worker)
    try:
        report = run(args)
    except ValueError as exc:  # QA_QUERY_ENCODER names no encoder, --eval-dir no folder
        _err(f"error: {exc}")
        return 2
    print(json.dumps(report.to_dict(), ensure_ascii=False, indent=1) if args.json else render(report))
    for error in report.failed.values():
        _err(f"error: {error}")
    return 1 if report.failed else 0


def main(argv: list[str] | None = None) -> int:
    parser = add_arguments(argparse.ArgumentParser(prog="qa bench", description=DESCRIPTION))
    return run_args(parser.parse_args(argv))
