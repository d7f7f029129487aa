"""qa.measure.calibration: the logistic fit against closed forms and scikit-learn, thresholds, folds."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest

from qa.measure.calibration import Record, choose_threshold, fit_confidence, fit_logistic, leave_one_out, out_of_fold, scored
from qa.measure.evaluate import Outcome, Question
from qa.search.confidence import FEATURES


def test_intercept_only_fit_is_the_log_odds() -> None:
    y = np.array([1, 1, 1, 0.0])
    intercept, weights, _, _ = fit_logistic(np.zeros((4, 1)), y, l2=0.0)
    assert intercept == pytest.approx(math.log(3)) and weights == pytest.approx([0.0])


def test_binary_feature_fit_matches_the_closed_form() -> None:
    # x = 0: 1 of 4 positive; x = 1: 3 of 4. Unpenalised MLE: p(0) = 1/4, p(1) = 3/4 exactly.
    x = np.array([[0.0]] * 4 + [[1.0]] * 4)
    y = np.array([1, 0, 0, 0, 1, 1, 1, 0.0])
    intercept, weights, mean, scale = fit_logistic(x, y, l2=0.0)
    p = lambda v: 1 / (1 + math.exp(-(intercept + weights[0] * (v - mean[0]) / scale[0])))  # noqa: E731
    assert p(0.0) == pytest.approx(0.25, abs=1e-8) and p(1.0) == pytest.approx(0.75, abs=1e-8)


def test_ridge_fit_matches_scikit_learn() -> None:
    sklearn = pytest.importorskip("sklearn.linear_model")
    rng = np.random.default_rng(0)
    x = rng.normal(size=(200, 3))
    y = (x @ [1.5, -1.0, 0.2] + rng.normal(size=200) > 0).astype(float)
    intercept, weights, mean, scale = fit_logistic(x, y, l2=1.0)
    reference = sklearn.LogisticRegression(C=1.0, tol=1e-10, max_iter=1000).fit((x - mean) / scale, y)
    assert intercept == pytest.approx(reference.intercept_[0], abs=1e-5)
    assert weights == pytest.approx(reference.coef_[0], abs=1e-5)


def test_threshold_keeps_false_abstention_within_the_budget() -> None:
    scope = np.array([0.1, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.96, 0.97, 0.98])
    oos = np.array([0.05, 0.3, 0.55, 0.65, 0.99])
    # α 0.1: one in-scope question (0.1) may fall below; the edge is 0.5, the gap below it starts at 0.3.
    assert choose_threshold(scope, oos, 0.1) == pytest.approx(0.4)
    # α 0: nothing in scope below; the gap under 0.1 starts at 0.05.
    assert choose_threshold(scope, oos, 0.0) == pytest.approx(0.075)
    t = choose_threshold(scope, oos, 0.2)  # 0.1 and 0.5 may abstain: edge 0.6, gap from 0.55
    assert t == pytest.approx(0.575) and (scope < t).mean() <= 0.2
    # Questions that cannot abstain (inf) never count against the budget.
    assert choose_threshold(np.array([0.2, math.inf, math.inf]), np.array([0.1]), 0.5) == pytest.approx(0.6)


def _record(name: str, lang: str, in_scope: bool, x: float, fixed: bool = False) -> Record:
    q = Question(f"{name}-{lang}-{x}-{in_scope}", "q", lang, "paraphrase" if in_scope else "out_of_scope", (1,) if in_scope else ())
    o = Outcome(q, 1 if in_scope else None, False, 0.0, {}, (1,))
    return Record(name, np.array([x] + [0.0] * (len(FEATURES) - 1)), o, fixed)


def test_scored_keeps_the_quantity_veto() -> None:
    rows = [r for rs in _records().values() for r in rs]
    model = fit_confidence(rows, 0.05)
    strong = _record("a", "zh", True, 0.99)
    vetoed = replace(strong, answered=replace(strong.answered, signals={"no_quantity": 1.0}))
    fixed = replace(vetoed, fixed=True)
    assert [o.abstained for o in scored([strong, vetoed, fixed], model)] == [False, True, False]


def _records() -> dict[str, list[Record]]:
    rng = np.random.default_rng(1)
    sets: dict[str, list[Record]] = {}
    for name in "abc":
        rows = [_record(name, lang, True, float(v)) for lang in ("zh", "en") for v in rng.normal(0.8, 0.05, 30)]
        rows += [_record(name, lang, False, float(v)) for lang in ("zh", "en") for v in rng.normal(0.6, 0.05, 10)]
        rows.append(_record(name, "zh", True, 0.0, fixed=True))  # a citation-like question at a low score
        sets[name] = rows
    return sets


def test_fitted_model_separates_and_scored_abstains_below_threshold() -> None:
    rows = [r for rs in _records().values() for r in rs]
    model = fit_confidence(rows, 0.05)
    assert model.zh.weights[0] > 0 and model.en.weights[0] > 0
    out = scored(rows, model)
    assert not any(o.abstained for r, o in zip(rows, out) if r.fixed)
    for lang in ("zh", "en"):
        scope = [o for r, o in zip(rows, out) if r.lang == lang and r.in_scope and not r.fixed]
        oos = [o for r, o in zip(rows, out) if r.lang == lang and not r.in_scope]
        assert sum(o.abstained for o in scope) <= 0.05 * (len(scope) + (lang == "zh") * 3)
        assert sum(o.abstained for o in oos) / len(oos) > 0.8
    assert all(o.rank is None and o.returned == () for o in out if o.abstained)


def test_each_fold_is_scored_by_a_model_fitted_without_it() -> None:
    by_set = _records()
    folds = leave_one_out(by_set)
    assert [f.name for f in folds] == ["a", "b", "c"]
    for fold in folds:
        expected = fit_confidence([r for name, rs in by_set.items() if name != fold.name for r in rs], 0.05)
        assert fold.abstention.confidence == expected
        assert len(fold.held_out_outcomes) == len(by_set[fold.name])


def test_the_threshold_is_chosen_on_probabilities_from_models_fitted_without_each_set() -> None:
    by_set = _records()
    rows = [r for rs in by_set.values() for r in rs]
    model = fit_confidence(rows, 0.05)
    p, scope = out_of_fold([r for r in rows if r.lang == "en"])
    assert model.en.threshold == pytest.approx(choose_threshold(p[scope], p[~scope], 0.05), abs=1e-6)
    first = [r for r in by_set["a"] if r.lang == "en"]
    without = fit_confidence(by_set["b"] + by_set["c"], 1.0).en
    assert p[: len(first)] == pytest.approx([without.probability(r.x) for r in first])
    # The weights are still the fit on every row; a single regulation has nothing to hold out.
    assert model.en.weights == fit_confidence(rows, 0.5).en.weights
    single = by_set["a"]
    p1, _ = out_of_fold([r for r in single if r.lang == "en"])
    own = fit_confidence(single, 1.0).en
    assert p1 == pytest.approx([own.probability(r.x) for r in single if r.lang == "en"])
