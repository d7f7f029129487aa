"""qa.measure.crossval: each set is scored with thresholds calibrated without it."""

from __future__ import annotations

from pathlib import Path

from qa.measure.crossval import folds_json, format_folds, leave_one_out, load_sets
from qa.measure.evaluate import calibrate, load_questions, run
from qa.search.searcher import Searcher

EVAL = Path(__file__).parent / "eval"


def test_sets_manifest_names_every_committed_set() -> None:
    notes: list[str] = []
    sets = load_sets(EVAL / "sets.json", log=notes.append)
    names = {s.name for s in sets} | {n.split()[2].rstrip(":") for n in notes}
    assert names == {p.stem for p in EVAL.glob("*.jsonl")}
    assert all(s.questions.is_file() and s.corpus.exists() for s in sets)
    assert sets[0].name == "anhui" and sets[0].corpus.name == "anhui-nev-clusters"


def test_a_sets_file_outside_the_checkout_finds_its_corpus_beside_it(tmp_path: Path) -> None:
    import json
    import shutil

    shutil.copytree(Path(__file__).resolve().parents[1] / "corpus" / "anhui-nev-clusters", tmp_path / "corpora" / "mine")
    (tmp_path / "sets").mkdir()
    manifest = tmp_path / "sets" / "sets.json"
    manifest.write_text(json.dumps({"sets": {"mine": {"corpus": "../corpora/mine"}, "gone": {"corpus": "corpora/gone"}}}), encoding="utf-8")
    notes: list[str] = []
    (found,) = load_sets(manifest, log=notes.append)
    assert found.corpus == (tmp_path / "corpora" / "mine").resolve() and found.questions == manifest.parent / "mine.jsonl"
    assert notes == [f"note: skipped gone: {(tmp_path / 'sets' / 'corpora' / 'gone').resolve()} not found"]


def test_each_fold_uses_thresholds_chosen_on_the_others(hash_searcher: Searcher) -> None:
    questions = [q for q in load_questions(EVAL / "anhui.jsonl") if q.kind != "citation"][:60]
    parts = {"a": questions[:20], "b": questions[20:40], "c": questions[40:]}
    own = hash_searcher.abstention
    in_sample = {name: run(hash_searcher, qs) for name, qs in parts.items()}
    folds = leave_one_out([(name, hash_searcher, qs) for name, qs in parts.items()], in_sample)
    assert hash_searcher.abstention == own  # restored after every fold
    for fold in folds:
        expected, _ = calibrate([o for other, outs in in_sample.items() if other != fold.name for o in outs])
        assert fold.abstention == expected
        assert len(fold.held_out_outcomes) == len(parts[fold.name]) and fold.in_sample_outcomes == tuple(in_sample[fold.name])
    table = format_folds(folds)
    assert "all sets pooled" in table and "→" in table
    assert set(folds_json(folds)) == {"a", "b", "c"}


def test_a_confidence_model_is_refitted_without_the_held_out_set(hash_searcher: Searcher) -> None:
    from dataclasses import replace

    from qa.search.confidence import Confidence, LanguageModel

    def never(name: str) -> Confidence:  # abstains on every English question; named after its fold
        return Confidence(None, LanguageModel(-5.0, (0.0,) * 7, (0.0,) * 7, (1.0,) * 7, 0.5), name)

    questions = [q for q in load_questions(EVAL / "anhui.jsonl") if q.kind == "paraphrase"][:60]
    parts = {"a": questions[:20], "b": questions[20:40], "c": questions[40:]}
    own = hash_searcher.abstention
    hash_searcher.abstention = replace(own, confidence=never("shipped"))
    try:
        in_sample = {name: run(hash_searcher, qs) for name, qs in parts.items()}
        asked: list[str] = []
        folds = leave_one_out([(n, hash_searcher, qs) for n, qs in parts.items()], in_sample, refit=lambda n: asked.append(n) or never(n))
        assert hash_searcher.abstention.confidence == never("shipped")
    finally:
        hash_searcher.abstention = own
    assert asked == ["a", "b", "c"]
    for fold in folds:
        assert fold.abstention.confidence == never(fold.name)
        assert all(o.abstained for o in fold.held_out_outcomes if o.question.lang == "en")
        assert any(not o.abstained for o in fold.held_out_outcomes if o.question.lang == "zh")
