"""Start the web app: ``qa serve`` and ``python app.py`` (the same options, the same start-up).

Load the corpus, start the searcher (the semantic model loads in the background while keyword search
and citation lookups already answer), build the page, serve it. A damaged corpus or a busy port is
one line on stderr and a non-zero exit.
"""

from __future__ import annotations

import argparse
import os
import sys
import threading
import time
from pathlib import Path
from typing import Callable, Sequence

from qa import config
from qa.usage import Parser
from qa.models import EMBEDDERS
from qa.models.batcher import MAX_WAITING
from qa.search.cache import DEFAULT_SIZE

__all__ = ["DESCRIPTION", "EPILOG", "add_arguments", "parse_args", "run", "main"]

DESCRIPTION = (
    "Web app for questions about the Anhui NEV Industry Cluster Regulations. Answers are the "
    "retrieved articles' official text with citations; nothing is generated. Runs without network."
)
#: Follows the package's own environment help (qa.config.environment_help).
EPILOG = (
    "QA_HOST, QA_PORT, QA_CORPUS, QA_FEEDBACK, QA_CACHE_SIZE and QA_MAX_WAITING give the defaults of "
    "--host, --port, --corpus, --feedback, --cache-size and --max-waiting. "
    "The app is never shared publicly; use --host 0.0.0.0 to serve your local network."
)


def _port(text: str) -> int:
    try:
        port = int(text)
    except ValueError:
        port = -1
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number (0–65535)")
    return port


def _count(minimum: int) -> Callable[[str], int]:
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            value = minimum - 1
        if value < minimum:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of at least {minimum}")
        return value

    return parse


def add_arguments(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """The options (``qa serve`` adds them to its sub-command). Their environment defaults are read
    when the app starts, not at import."""
    parser.add_argument("--host", help="address to listen on (env QA_HOST; default 127.0.0.1)")
    parser.add_argument("--port", type=_port, help="port (env QA_PORT; default 7860)")
    parser.add_argument(
        "--corpus",
        help="corpus folder, folder of corpora, or documents `qa import` reads (env QA_CORPUS; default: the bundled corpus/anhui-nev-clusters)",
    )
    parser.add_argument("--model", choices=EMBEDDERS, default="e5+use", help="embedding model (default: e5+use; hash is a test double, for development only; gemma is opt-in: qa model --name gemma)")
    parser.add_argument(
        "--feedback",
        metavar="FILE",
        help="turn on the 'Wrong answer?' control: reports are appended to this local JSON Lines file (env QA_FEEDBACK; default: off)",
    )
    parser.add_argument(
        "--cache-size", type=_count(0), metavar="N", help=f"answers kept for repeated questions; 0 turns the cache off (env QA_CACHE_SIZE; default {DEFAULT_SIZE})"
    )
    parser.add_argument(
        "--max-waiting",
        type=_count(1),
        metavar="N",
        help=f"questions that may wait for the semantic model, and questions answered at once; more are answered 'busy, try again' at once, citations excepted (env QA_MAX_WAITING; default {MAX_WAITING})",
    )
    return parser


def _with_environment(args: argparse.Namespace) -> argparse.Namespace:
    """Options not given on the command line from QA_HOST, QA_PORT, QA_CORPUS, QA_FEEDBACK, QA_CACHE_SIZE, QA_MAX_WAITING;
    ArgumentTypeError for a bad value of one of them."""
    args.host = args.host or config.host()
    if args.port is None:
        try:
            args.port = _port(config.port_text())
        except argparse.ArgumentTypeError as exc:
            raise argparse.ArgumentTypeError(f"QA_PORT: {exc}") from None
    for name, option, minimum, text, default in (
        ("QA_CACHE_SIZE", "cache_size", 0, config.cache_size_text(), DEFAULT_SIZE),
        ("QA_MAX_WAITING", "max_waiting", 1, config.max_waiting_text(), MAX_WAITING),
    ):
        if getattr(args, option, None) is None:
            try:
                setattr(args, option, _count(minimum)(text) if text else default)
            except argparse.ArgumentTypeError as exc:
                raise argparse.ArgumentTypeError(f"{name}: {exc}") from None
    args.corpus = args.corpus or os.environ.get("QA_CORPUS") or None
    feedback = getattr(args, "feedback", None)
    args.feedback = Path(feedback).expanduser() if feedback else config.feedback_file()
    return args


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """Parsed options with the environment's defaults filled in."""
    epilog = f"{config.environment_help()} {EPILOG}"
    parser = add_arguments(Parser(prog="python app.py", description=DESCRIPTION, epilog=epilog))
    args = parser.parse_args(argv)
    try:
        return _with_environment(args)
    except argparse.ArgumentTypeError as exc:
        parser.error(str(exc))


def run(args: argparse.Namespace) -> int:
    """Serve until interrupted; 2 if the options or the corpus are wrong, 1 if the address cannot be served."""
    from qa.app import build_app, launch
    from qa.app.api import JsonApi
    from qa.corpus.library import default_corpus, index_dir_for, load_library
    from qa.corpus.model import CorpusError
    from qa.search.searcher import Searcher

    def log(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    try:
        args = _with_environment(args)
    except argparse.ArgumentTypeError as exc:
        log(f"error: {exc}")
        return 2
    from qa.models import opt_in_problem

    problem = opt_in_problem(args.model)
    if problem is not None:  # an opt-in model (gemma) is fetched only by `qa model --name gemma`, never here
        log(f"error: {problem}")
        return 2
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
    if note := library.skipped_note():
        log(f"  {note}")
    started = time.perf_counter()
    searcher = Searcher(
        library, embedder=args.model, index_dir=index_dir_for(path), background=True, log=log, progress=True,
        cache_size=args.cache_size, batch_queries=True, max_waiting=args.max_waiting, max_active=args.max_waiting,
    )
    log(f"answer cache: {f'{args.cache_size} answers' if args.cache_size else 'off'}; at most {args.max_waiting} questions answered at once and {args.max_waiting} waiting for the semantic model")
    log("keyword search and citation lookups are ready; the semantic model is loading in the background …")

    def report_ready() -> None:
        searcher.wait_ready()
        if searcher.dense_ready:
            log(f"semantic search ready ({time.perf_counter() - started:.1f} s)")
        else:
            log("semantic search unavailable: answers use keyword search only (see the warning above)")

    threading.Thread(target=report_ready, daemon=True).start()
    demo = build_app(searcher, feedback=args.feedback)
    if args.feedback is not None:
        log(f"feedback: 'Wrong answer?' reports are appended to {args.feedback}")
    log(f"serving on http://{args.host}:{args.port} (JSON API: /api/search?q=…&k=5)")
    try:
        launch(demo, host=args.host, port=args.port, quiet=True, routes=JsonApi(searcher).routes)
    except OSError as exc:  # port taken, address not on this machine … (raised before serving starts)
        log(f"error: cannot serve on {args.host}:{args.port}: {str(exc).rstrip('.')}. Is the app already running there? Choose another --port (or QA_PORT).")
        return 1
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    return run(parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
