"""The measurement commands of the CLI: ``qa eval``, ``qa dialogues``, ``qa stard``.

``qa.cli`` registers their options and calls them; they only glue the measure modules to a searcher and
print. Every user mistake is a CorpusError or a one-line message with exit 2 (``qa.cli.main`` reports it).
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from qa import config
from qa.measure.metrics import COMPARED_RETRIEVERS

if TYPE_CHECKING:
    from qa.measure.calibration import Record
    from qa.measure.crossval import Fold
    from qa.search.confidence import Confidence
    from qa.measure.evaluate import Question
    from qa.measure.prepared import PreparedSet
    from qa.search.searcher import Searcher

__all__ = ["cmd_dialogues", "cmd_eval", "cmd_stard"]


def _err(message: str) -> None:
    print(message, file=sys.stderr)


def _open(corpus: str | None, *, model: str | None = "e5+use", progress: bool = True, abstain: bool = True) -> Searcher:
    from qa.search.searcher import open_corpus

    return open_corpus(corpus, model=model, progress=progress, abstain=abstain, log=_err)


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

    missing = None if args.dialogues else config.absent_default(config.dialogues_file())
    if missing:
        _err(f"qa dialogues: error: {missing}; pass --dialogues FILE")
        return 2
    dialogues = load_dialogues(args.dialogues or config.dialogues_file())
    outcomes = run_dialogues(_open(args.corpus, model=args.model, progress=not args.json), dialogues, retriever=args.retriever)
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

    from qa.measure import calibration
    from qa.measure.crossval import folds_json, format_folds, leave_one_out, load_sets
    from qa.measure.prepared import outcomes as prepared_outcomes
    from qa.measure.prepared import prepare_set
    from qa.search.settings import abstention_for

    corpora: list[str] = list(args.corpus or [])
    questions_files: list[str] = list(args.questions or [])
    if args.sets:
        chosen_sets = load_sets(args.sets, log=_err)
        corpora += [str(s.corpus) for s in chosen_sets]
        questions_files += [str(s.questions) for s in chosen_sets]
    if not questions_files or len(corpora) != len(questions_files):
        _err("qa eval: error: give --sets FILE, or one --corpus for each --questions file, in the same order (see qa eval --help)")
        return 2
    loro = [name for name, on in (("--cross-validate", args.cross_validate), ("--curves", args.curves), ("--tune-ranking", args.tune_ranking)) if on]
    if loro and (len(questions_files) < 3 or args.no_abstain):
        _err(f"qa eval: error: {loro[0]} needs at least three question sets and abstention on (see qa eval --help)")
        return 2
    confidence = None
    if args.confidence:
        from qa.search.confidence import load

        try:
            confidence = load(args.confidence)
        except (OSError, ValueError, KeyError, TypeError) as exc:
            _err(f"qa eval: error: --confidence {args.confidence}: not a confidence model written by --fit-confidence ({exc})")
            return 2
    args.questions = questions_files
    question_sets = [_questions(path, load_questions) for path in questions_files]  # every file checked before a model loads
    retrievers = list(COMPARED_RETRIEVERS) if args.compare else [args.retriever]
    report: dict = {}
    outcomes_by: dict[str, list] = {r: [] for r in retrievers}
    hybrid_by_set: dict[str, list] = {}
    searchers: list[tuple[str, Searcher, list]] = []
    studies = bool(args.curves or args.tune_ranking or args.fit_confidence)
    refits = bool(args.cross_validate and (confidence is not None or abstention_for(args.model).confidence is not None))
    prepared: list[PreparedSet] = []
    for corpus, questions_file, questions in zip(corpora, args.questions, question_sets):
        searcher = _open(corpus, model=args.model, progress=not args.json, abstain=not args.no_abstain)
        if confidence is not None:
            searcher.abstention = replace(searcher.abstention, confidence=confidence)
        searchers.append((str(questions_file), searcher, questions))
        if studies or refits:  # measured once here, answered again by every study and fold
            prepared.append(prepare_set(str(questions_file), searcher, questions))
        for retriever in retrievers:
            outcomes = prepared_outcomes(prepared[-1]) if (studies or refits) and retriever == "hybrid" else run(searcher, questions, retriever=retriever)
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
        chosen = thresholds.thresholds()
        result = {"report": result, "calibrated": chosen | figures}
        if not args.json:
            print(f"\ncalibrated thresholds: {chosen} → {figures}")
    # Each question's abstention signals, read once for every fold that refits or fits a confidence model.
    by_set = {s.name: calibration.records(s) for s in prepared} if refits or args.curves or args.fit_confidence else {}
    if args.cross_validate:
        if not hybrid_by_set:
            for name, searcher, questions in searchers:
                hybrid_by_set[name] = run(searcher, questions, retriever="hybrid")
        refit = _refit(by_set, searchers[0][1].abstention.confidence) if refits else None
        threshold_folds = leave_one_out(searchers, hybrid_by_set, refit=refit)
        result = {"report": result, "cross_validated": folds_json(threshold_folds)}
        if not args.json:
            print("\n" + format_folds(threshold_folds))
    if studies:
        result = {"report": result} | _studies(args, prepared, by_set, threshold_folds if args.cross_validate else None)
    if args.json:
        print(json.dumps(result, ensure_ascii=False))
    return 0


def _refit(by_set: dict[str, list[Record]], own: Confidence | None) -> Callable[[str], Confidence]:
    """For ``--cross-validate`` with a confidence model ``own``: the same model fitted without the named set, in
    the languages ``own`` decides."""
    from qa.measure import calibration

    languages = own.languages if own is not None else ("zh", "en")

    def refit(name: str) -> Confidence:
        return calibration.fit_confidence([r for other, rows in by_set.items() if other != name for r in rows], 0.05, languages=languages)

    return refit


def _studies(args: argparse.Namespace, sets: list[PreparedSet], by_set: dict[str, list[Record]], threshold_folds: list[Fold] | None = None) -> dict:
    """``--curves``, ``--tune-ranking`` and ``--fit-confidence``: every question prepared once, then answered
    with each setting and fold (:mod:`qa.measure.prepared`). With ``threshold_folds`` (``--cross-validate``),
    ``--tune-ranking`` also scores each set with both held out: the ranking chosen on the other sets and the
    thresholds calibrated on them (calibration reads only the abstention signals, which no ranking changes)."""
    from qa.measure import calibration, tuning
    from qa.measure.crossval import Fold, folds_json, format_folds
    from qa.measure.prepared import outcomes

    def say(text: str) -> None:
        if not args.json:
            print(text)

    found: dict = {}
    if args.tune_ranking:
        folds, choices, pooled = tuning.leave_one_out(sets)
        default = sets[0].searcher.ranking
        say("\n" + format_folds(folds).replace("(hybrid): in-sample", "ranking (hybrid weight, role prior): default").replace("→ held-out", "→ chosen on the others"))
        say(tuning.format_choices(choices, pooled, default))
        found["ranking_cross_validated"] = folds_json(folds) | {
            "choices": {c.name: {"hybrid_weight": c.chosen.hybrid_weight, "role_prior": c.chosen.role_prior} for c in choices}
        }
        if threshold_folds is not None:
            thresholds = {f.name: f.abstention for f in threshold_folds}
            both = []
            for s, choice in zip(sets, choices):
                fold = thresholds[s.name]  # its confidence model too, when one decides: refitted without the set
                held = s.searcher.abstention.with_thresholds(fold, fold.confidence)
                both.append(Fold(s.name, held, tuple(outcomes(s)), tuple(outcomes(s, ranking=choice.chosen, abstention=held))))
            say("\n" + format_folds(both).replace("(hybrid): in-sample", "ranking and thresholds both chosen on the others: in-sample").replace("→ held-out", "→ both held out"))
            found["ranking_and_thresholds_cross_validated"] = folds_json(both)
    if args.curves:
        folds = calibration.leave_one_out(by_set)
        say("\n" + format_folds(folds).replace("(hybrid): in-sample", "confidence model: fitted on all sets").replace("→ held-out", "→ held out"))
        rows = calibration.curves(sets, by_set)
        say("\n" + calibration.format_curves(rows))
        found["confidence_cross_validated"] = folds_json(folds)
        found["curves"] = [{"alpha": c.alpha, "thresholds": c.thresholds, "confidence": c.confidence, "hit_at_3": [c.hit3_thresholds, c.hit3_confidence]} for c in rows]
    if args.fit_confidence:
        every = [r for rows_ in by_set.values() for r in rows_]
        names = ", ".join(Path(s.name).stem for s in sets)
        provenance = (
            f"qa eval --sets {args.sets or '(files)'} --fit-confidence; model {args.model}; {len(sets)} sets ({names}); "
            f"{len(every)} questions; false abstention <= 0.05 per language on out-of-fold probabilities (each set scored by a model fitted without it); L2 {calibration.L2}; languages {args.confidence_languages}"
        )
        languages = ("zh", "en") if args.confidence_languages == "both" else (args.confidence_languages,)
        model = calibration.fit_confidence(every, 0.05, provenance=provenance, languages=languages)
        Path(args.fit_confidence).write_text(json.dumps(model.to_dict(), ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        _err(f"wrote {args.fit_confidence}: " + ", ".join(f"threshold {lang} {model.model(lang).threshold}" for lang in model.languages))
        found["confidence"] = model.to_dict()
    return found


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
    if note := library.skipped_note():
        _err(f"note: {note}")
    labels = map_labels(library, queries)
    retrievers = args.retriever or list(COMPARED_RETRIEVERS)
    embedder = None if retrievers == ["bm25"] else args.model
    folder = config.stard_index_dir(library_path, args.index_dir)
    searcher = Searcher(library, embedder=embedder, index_dir=folder, abstain=False, log=_err, progress=not args.json)
    report = run(searcher, queries, labels, retrievers, progress=not args.json)
    print(json.dumps(report.to_dict(), ensure_ascii=False) if args.json else format_report(report))
    return 0
