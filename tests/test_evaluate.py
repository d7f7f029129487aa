import json
from dataclasses import replace
from pathlib import Path

import pytest

from qa.corpus.model import CorpusError
from qa.measure.evaluate import Outcome, Question, calibrate, format_table, load_questions, summarize
from qa.search.settings import Abstention

EVAL = Path(__file__).parent / "eval"


def _write(tmp_path: Path, *records: dict) -> Path:
    path = tmp_path / "q.jsonl"
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in records) + "\n", encoding="utf-8")
    return path


def test_committed_question_sets_are_valid() -> None:
    sets = sorted(EVAL.glob("*.jsonl"))
    assert len(sets) >= 4
    for path in sets:
        questions = load_questions(path)
        kinds = {q.kind for q in questions}
        assert kinds == {"paraphrase", "keyword", "citation", "out_of_scope"}, path
        if path.stem != "anhui":
            assert len(questions) >= 40, path


@pytest.mark.parametrize(
    ("record", "rule"),
    [
        ({"id": "x", "question": "q", "lang": "fr", "kind": "keyword", "expected": [1]}, "value"),
        ({"id": "x", "question": "q", "lang": "zh", "kind": "keyword", "expected": []}, "expected"),
        ({"id": "x", "question": "q", "lang": "zh", "kind": "out_of_scope", "expected": [2]}, "expected"),
        ({"id": "x", "question": "q", "lang": "zh", "kind": "keyword", "expected": ["2"]}, "expected"),
        ({"id": "x", "question": "q", "lang": "zh", "kind": "keyword"}, "keys"),
    ],
)
def test_bad_question_lines_name_the_line_and_rule(tmp_path: Path, record: dict, rule: str) -> None:
    good = {"id": "ok", "question": "q", "lang": "zh", "kind": "keyword", "expected": [1]}
    with pytest.raises(CorpusError) as err:
        load_questions(_write(tmp_path, good, record))
    assert err.value.line == 2 and err.value.rule == rule


def _outcome(kind: str, lang: str, rank: int | None, abstained: bool, dense: float = 0.8, lexical: float = 0.0) -> Outcome:
    expected = () if kind == "out_of_scope" else (1,)
    q = Question(f"{kind}{lang}{rank}{abstained}", "q", lang, kind, expected)
    return Outcome(q, rank, abstained, 10.0, {"dense": dense, "lexical": lexical}, ())


def test_summary_counts_hits_over_in_scope_questions_only() -> None:
    outcomes = [
        _outcome("paraphrase", "zh", 1, False),
        _outcome("paraphrase", "en", 4, False),
        _outcome("paraphrase", "en", None, True),
        _outcome("out_of_scope", "zh", None, True),
        _outcome("out_of_scope", "en", None, False),
    ]
    s = summarize(outcomes)
    assert (s["n"], s["hit_at_1"], s["hit_at_3"], s["hit_at_5"]) == (5, 0.3333, 0.3333, 0.6667)
    assert s["mrr"] == round((1 + 1 / 4) / 3, 4)
    assert s["abstain_accuracy"] == 0.5 and s["false_abstain_rate"] == 0.3333
    assert s["by_lang"]["en"]["n"] == 3 and s["by_kind"]["out_of_scope"]["hit_at_1"] is None
    assert "OVERALL" in format_table(s)


def test_calibrate_leaves_coverage_of_our_translation_to_its_fixed_threshold() -> None:
    # English questions answered only by coverage of our translation (0.35 ≥ lexical_translated 0.3) never count
    # as abstentions, whatever lexical_en is tried; out-of-scope ones below both are abstained on.
    translated = [replace(_outcome("paraphrase", "en", 1, False, dense=0.1), signals={"dense": 0.1, "lexical": 0.0, "translated": 0.35}) for _ in range(20)]
    oos = [replace(_outcome("out_of_scope", "en", None, False, dense=0.1), signals={"dense": 0.1, "lexical": 0.0, "translated": 0.1}) for _ in range(5)]
    thresholds, figures = calibrate(translated + oos)
    assert figures["false_abstain_rate_en"] == 0.0 and figures["abstain_accuracy_en"] == 1.0
    assert thresholds.lexical_translated == Abstention().lexical_translated


def test_calibrate_counts_the_quantity_veto_as_abstaining() -> None:
    scoped = [_outcome("paraphrase", "zh", 1, False, dense=0.95) for _ in range(20)]
    vetoed = [replace(_outcome("out_of_scope", "zh", None, True, dense=0.99), signals={"dense": 0.99, "lexical": 0.9, "no_quantity": 1.0})]
    _, figures = calibrate(scoped + vetoed)
    assert figures["abstain_accuracy_zh"] == 1.0 and figures["false_abstain_rate_zh"] == 0.0


def test_calibrate_keeps_false_abstention_low() -> None:
    outcomes = [_outcome("paraphrase", "zh", 1, False, dense=0.85 + i / 1000) for i in range(40)]
    outcomes += [_outcome("out_of_scope", "zh", None, False, dense=0.80) for _ in range(10)]
    thresholds, figures = calibrate(outcomes)
    assert 0.80 < thresholds.dense_zh <= 0.85
    assert figures["abstain_accuracy_zh"] == 1.0 and figures["false_abstain_rate_zh"] == 0.0
