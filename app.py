"""Start the web app: ``python app.py [--host H] [--port P] [--corpus PATH]``.

A thin shell: parse arguments, load the corpus, start the searcher (the semantic model loads in the
background while keyword search and citation lookups already answer), build the page, serve it.
"""

from __future__ import annotations

import argparse
import os
import sys
import threading
import time
from pathlib import Path


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python app.py",
        description=(
            "Web app for questions about the Anhui NEV Industry Cluster Regulations. Answers are the "
            "retrieved articles' official text with citations; nothing is generated. Runs without network."
        ),
        epilog=(
            "Environment: QA_HOST, QA_PORT, QA_CORPUS give the defaults of --host, --port, --corpus; "
            "QA_INDEX_DIR (index folder) and QA_MODEL_DIR (converted model folder) as for the qa command. "
            "The app is never shared publicly; use --host 0.0.0.0 to serve your local network."
        ),
    )
    parser.add_argument("--host", default=os.environ.get("QA_HOST", "127.0.0.1"), help="address to listen on (env QA_HOST; default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=int(os.environ.get("QA_PORT", "7860")), help="port (env QA_PORT; default 7860)")
    parser.add_argument(
        "--corpus",
        default=os.environ.get("QA_CORPUS"),
        help="corpus folder, folder of corpora, or documents `qa import` reads (env QA_CORPUS; default: the bundled corpus/anhui-nev-clusters)",
    )
    parser.add_argument("--model", default="e5+use", help="embedding model: e5+use (default), e5, use, or hash (a test double, for development only)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    from qa.corpus.model import CorpusError
    from qa.corpus.library import default_corpus, index_dir_for, load_library
    from qa.search.searcher import Searcher
    from qa.app import build_app, launch

    def log(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    path = Path(args.corpus) if args.corpus else default_corpus()
    log(f"corpus: {path}")
    try:
        library = load_library(path, log=log, progress=True)
    except CorpusError as exc:
        log(f"error: {exc}")
        return 2
    for reg in library:
        state = "complete" if reg.complete else f"PARTIAL ({reg.coverage_en()})"
        log(f"  {reg.title}: {len(reg.articles)} articles, {len(reg.chapters)} chapters, {state}")
    started = time.perf_counter()
    searcher = Searcher(library, embedder=args.model, index_dir=index_dir_for(path), background=True, log=log, progress=True)
    log("keyword search and citation lookups are ready; the semantic model is loading in the background …")

    def report_ready() -> None:
        searcher.wait_ready()
        if searcher.dense_ready:
            log(f"semantic search ready ({time.perf_counter() - started:.1f} s)")
        else:
            log("semantic search unavailable: answers use keyword search only (see the warning above)")

    threading.Thread(target=report_ready, daemon=True).start()
    demo = build_app(searcher)
    log(f"serving on http://{args.host}:{args.port}")
    try:
        launch(demo, host=args.host, port=args.port, quiet=True)
    except OSError as exc:  # port taken, address not on this machine … (raised before serving starts)
        log(f"error: cannot serve on {args.host}:{args.port}: {str(exc).rstrip('.')}. Is the app already running there? Choose another --port (or QA_PORT).")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
