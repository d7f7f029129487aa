"""qa.measure.prepared: questions measured once answer exactly as asking them again does."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from qa.measure.evaluate import load_questions, run
from qa.measure.prepared import outcomes, prepare_set
from qa.search.searcher import Searcher

EVAL = Path(__file__).parent / "eval"


def _strip(outs: list) -> list:
    return [replace(o, latency_ms=0.0) for o in outs]


def test_prepared_outcomes_equal_a_fresh_run(hash_searcher: Searcher) -> None:
    questions = load_questions(EVAL / "anhui.jsonl")[::5]
    prepared = prepare_set("anhui", hash_searcher, questions)
    assert _strip(outcomes(prepared)) == _strip(run(hash_searcher, questions))
    strict = replace(hash_searcher.abstention, dense_zh=0.99, dense_en=0.99, lexical_zh=0.99, lexical_en=0.99)
    own = hash_searcher.abstention
    hash_searcher.abstention = strict
    try:
        expected = _strip(run(hash_searcher, questions))
    finally:
        hash_searcher.abstention = own
    assert _strip(outcomes(prepared, abstention=strict)) == expected
    assert hash_searcher.abstention == own
