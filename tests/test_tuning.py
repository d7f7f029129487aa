"""qa.measure.tuning: each set is ranked with the setting chosen on the others."""

from __future__ import annotations

from pathlib import Path

from qa.measure.evaluate import Outcome, Question, load_questions
from qa.measure.prepared import outcomes, prepare_set
from qa.measure.tuning import HYBRID_WEIGHTS, ROLE_PRIORS, format_choices, grid, leave_one_out, objective
from qa.search.settings import Ranking
from qa.search.searcher import Searcher

EVAL = Path(__file__).parent / "eval"


def _o(kind: str, rank: int | None) -> Outcome:
    return Outcome(Question("x", "q", "zh", kind, (1,) if kind != "out_of_scope" else ()), rank, rank is None, 0.0, {}, ())


def test_objective_counts_paraphrase_and_keyword_only() -> None:
    outs = [_o("paraphrase", 1), _o("paraphrase", 4), _o("keyword", None), _o("citation", None), _o("out_of_scope", None)]
    hit3, mrr = objective(outs)
    assert hit3 == 1 / 3 and abs(mrr - (1 + 0.25) / 3) < 1e-12


def test_grid_holds_the_defaults() -> None:
    assert Ranking() in grid() and len(grid()) == len(HYBRID_WEIGHTS) * len(ROLE_PRIORS) == 48


def test_each_fold_picks_on_the_others(hash_searcher: Searcher) -> None:
    questions = [q for q in load_questions(EVAL / "anhui.jsonl") if q.kind == "paraphrase"][:45]
    sets = [prepare_set(name, hash_searcher, questions[i::3]) for i, name in enumerate("abc")]
    rankings = [Ranking(hybrid_weight=w) for w in (0.3, 0.7, 0.9)]
    folds, choices, pooled = leave_one_out(sets, rankings)
    for fold, choice, s in zip(folds, choices, sets):
        others = [o for t in sets if t is not s for o in outcomes(t, ranking=choice.chosen)]
        assert choice.train_objective == objective(others)
        assert all(objective([o for t in sets if t is not s for o in outcomes(t, ranking=r)]) <= choice.train_objective for r in rankings)
        assert [(o.question, o.rank, o.returned) for o in fold.held_out_outcomes] == [(o.question, o.rank, o.returned) for o in outcomes(s, ranking=choice.chosen)]
    assert set(pooled) == set(rankings)
    assert "place" in format_choices(choices, pooled, Ranking())
