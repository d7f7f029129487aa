"""Fit the multi-signal confidence (:mod:`qa.search.confidence`) and judge it leave-one-regulation-out.

Per question we keep its :data:`~qa.search.confidence.FEATURES` and the outcome it gets when it is answered;
whether it is answered then depends only on P(answerable) against a threshold, so every model, threshold and
fold is scored without asking again. A fold fits a logistic model per language on every set but one (in-scope
questions are the positives, out-of-scope the negatives), picks the threshold that abstains most on their
out-of-scope questions while false abstention stays ≤ α (judged on the probabilities each of those sets gets
from a model fitted without it), and scores the set left out. :func:`curves` repeats this
for several α, next to the per-language thresholds of :func:`qa.measure.evaluate.calibrate` chosen the same
way, so the two are compared on held-out questions only.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Sequence

import numpy as np

from qa.measure.crossval import Fold
from qa.measure.evaluate import LANGS, Outcome, calibrate
from qa.measure.prepared import PreparedSet, outcomes
from qa.search import Abstention
from qa.search.confidence import FEATURES, Confidence, LanguageModel, features

__all__ = [
    "ALPHAS",
    "L2",
    "Record",
    "records",
    "fit_logistic",
    "choose_threshold",
    "fit_confidence",
    "out_of_fold",
    "scored",
    "leave_one_out",
    "Curve",
    "curves",
    "format_curves",
]

#: False-abstention budgets the curves are drawn at.
ALPHAS = (0.01, 0.02, 0.03, 0.05, 0.075, 0.10, 0.15, 0.20)
#: Ridge penalty on the standardised weights: some 120 out-of-scope questions in all, so the fit is kept gentle.
L2 = 1.0


def _always() -> Confidence:
    """A model that answers everything: what each question gets whenever it is answered."""
    zero = LanguageModel(0.0, (0.0,) * len(FEATURES), (0.0,) * len(FEATURES), (1.0,) * len(FEATURES), 0.0)
    return Confidence(zero, zero, "answers every question")


@dataclass(frozen=True)
class Record:
    """One question: its features, and its outcome when answered. ``fixed`` questions (citations, front
    matter, a done answer) never abstain, whatever the model says."""

    set: str
    x: np.ndarray
    answered: Outcome
    fixed: bool

    @property
    def lang(self) -> str:
        return self.answered.question.lang

    @property
    def in_scope(self) -> bool:
        return self.answered.question.in_scope


def records(prepared: PreparedSet, abstention: Abstention | None = None) -> list[Record]:
    """The set's records with the searcher's settings (its ``cross_weight``, near-miss floors …)."""
    base = abstention or prepared.searcher.abstention
    answered = outcomes(prepared, abstention=replace(base, confidence=_always(), quantity_veto=False))
    out: list[Record] = []
    for p, o in zip(prepared.prepared, answered):
        fixed = p.done is not None or p.signals is None or bool(p.cited) or bool(p.front) or p.signals.dense is None
        x = np.zeros(len(FEATURES)) if p.signals is None else features(p.signals, o.question.lang, base.cross_weight)
        out.append(Record(prepared.name, x, o, fixed))
    return out


def fit_logistic(x: np.ndarray, y: np.ndarray, l2: float = L2, iterations: int = 50) -> tuple[float, np.ndarray, np.ndarray, np.ndarray]:
    """Ridge logistic regression by Newton's method on standardised features (the intercept is not penalised).
    Returns ``(intercept, weights, mean, scale)`` with weights on the standardised scale."""
    mean = x.mean(axis=0)
    scale = x.std(axis=0)
    scale = np.where(scale > 1e-9, scale, 1.0)
    design = np.hstack([np.ones((len(x), 1)), (x - mean) / scale])
    beta = np.zeros(design.shape[1])
    penalty = np.full(design.shape[1], l2)
    penalty[0] = 0.0
    for _ in range(iterations):
        p = 1 / (1 + np.exp(-np.clip(design @ beta, -30, 30)))
        gradient = design.T @ (p - y) + penalty * beta
        hessian = design.T @ (design * (p * (1 - p))[:, None]) + np.diag(penalty) + 1e-9 * np.eye(len(beta))
        step = np.linalg.solve(hessian, gradient)
        beta -= step
        if float(np.abs(step).max()) < 1e-10:
            break
    return float(beta[0]), beta[1:], mean, scale


def choose_threshold(in_scope: np.ndarray, out_of_scope: np.ndarray, alpha: float) -> float:
    """The threshold that abstains (``p < t``) on the most out-of-scope questions while at most ``alpha`` of the
    in-scope ones (``inf`` for those that cannot abstain) fall below it. It is put in the middle of the gap below
    the highest such value, so it abstains on the same training questions as the edge itself would, and a
    held-out question a little off them is not decided by the edge."""
    ranked = np.sort(in_scope)
    if not len(ranked):
        return 0.0
    allowed = int(math.floor(alpha * len(ranked) + 1e-9))
    high = float(ranked[allowed]) if allowed < len(ranked) and np.isfinite(ranked[allowed]) else 1.0
    under = [float(v) for v in (*in_scope, *out_of_scope) if v < high]
    return (max(under) + high) / 2 if under else high / 2


def _probabilities(model: LanguageModel, rows: Sequence[Record]) -> np.ndarray:
    return np.array([math.inf if r.fixed else model.probability(r.x) for r in rows])


def fit_confidence(
    rows: Sequence[Record], alpha: float = 0.05, l2: float = L2, provenance: str = "", languages: Sequence[str] = LANGS
) -> Confidence:
    """A model per language of ``languages`` from ``rows`` (citation questions left out, as :func:`calibrate`
    does); other languages keep the thresholds. The weights are fitted on every row; the threshold is chosen on
    out-of-fold probabilities (:func:`out_of_fold`), because on the rows it was fitted on a model looks more
    certain than it will be on a new regulation, and a threshold chosen there abstains wrongly more than α."""
    fitted: dict[str, LanguageModel] = {}
    for lang in languages:
        group = _lang_rows(rows, lang)
        fitted[lang] = _with_threshold(_fit_weights(group, l2), out_of_fold(group, l2), alpha)
    return Confidence(fitted.get("zh"), fitted.get("en"), provenance)


def _with_threshold(model: LanguageModel, chances: tuple[np.ndarray, np.ndarray], alpha: float) -> LanguageModel:
    """``model`` with the threshold :func:`choose_threshold` picks at ``alpha`` from ``chances``, the
    (probabilities, in-scope) pair of :func:`out_of_fold`."""
    p, scope = chances
    return replace(model, threshold=round(choose_threshold(p[scope], p[~scope], alpha), 6))


def _fit_weights(group: Sequence[Record], l2: float) -> LanguageModel:
    """The logistic model of one language's rows, threshold 0 (a constant model when one class is missing)."""
    train = [r for r in group if not r.fixed]
    y = np.array([float(r.in_scope) for r in train])
    if len(train) < 2 or y.min() == y.max():
        return LanguageModel(0.0, (0.0,) * len(FEATURES), (0.0,) * len(FEATURES), (1.0,) * len(FEATURES), 0.0)
    intercept, weights, mean, scale = fit_logistic(np.array([r.x for r in train]), y, l2)
    return LanguageModel(intercept, tuple(map(float, weights)), tuple(map(float, mean)), tuple(map(float, scale)), 0.0)


def out_of_fold(group: Sequence[Record], l2: float = L2) -> tuple[np.ndarray, np.ndarray]:
    """P(answerable) of each row by a model fitted without the row's regulation, and which rows are in scope.
    With a single regulation there is nothing to hold out, so its rows are scored by their own model."""
    names = list(dict.fromkeys(r.set for r in group))
    if len(names) < 2:
        return _probabilities(_fit_weights(group, l2), group), np.array([r.in_scope for r in group], dtype=bool)
    p: list[float] = []
    scope: list[bool] = []
    for name in names:
        rows = [r for r in group if r.set == name]
        p += list(_probabilities(_fit_weights([r for r in group if r.set != name], l2), rows))
        scope += [r.in_scope for r in rows]
    return np.array(p), np.array(scope, dtype=bool)


def scored(rows: Sequence[Record], model: Confidence) -> list[Outcome]:
    """The outcomes of ``rows`` when ``model`` decides (an abstained answer shows nothing); a question asking for a
    quantity that its best articles do not state abstains whatever the model says, as in the product."""
    out: list[Outcome] = []
    for r in rows:
        answers, p = (True, math.inf) if r.fixed else model.answers_features(r.x, r.lang)
        o = r.answered
        answers = answers and (r.fixed or not o.signals.get("no_quantity"))  # the quantity veto, as rank() applies it
        signals = o.signals | ({} if r.fixed else {"p_answerable": round(p, 4)})
        out.append(replace(o, signals=signals) if answers else replace(o, rank=None, abstained=True, returned=(), signals=signals))
    return out


def leave_one_out(by_set: dict[str, list[Record]], alpha: float = 0.05, l2: float = L2) -> list[Fold]:
    """A fold per set: in-sample = the model fitted on every set, held out = fitted on the others."""
    every = [r for rows in by_set.values() for r in rows]
    whole = fit_confidence(every, alpha, l2)
    folds: list[Fold] = []
    for name, rows in by_set.items():
        model = fit_confidence([r for other, rs in by_set.items() if other != name for r in rs], alpha, l2)
        folds.append(Fold(name, replace(Abstention(), confidence=model), tuple(scored(rows, whole)), tuple(scored(rows, model))))
    return folds


@dataclass(frozen=True)
class Curve:
    """Held-out pooled figures at one false-abstention budget: per language (OOS abstained, false abstention)
    for the thresholds and for the confidence model, and in-scope hit@3 for each."""

    alpha: float
    thresholds: dict[str, tuple[float, float]]
    confidence: dict[str, tuple[float, float]]
    hit3_thresholds: float
    hit3_confidence: float


def _pooled(outs: Sequence[Outcome]) -> tuple[dict[str, tuple[float, float]], float]:
    figures: dict[str, tuple[float, float]] = {}
    for lang in LANGS:
        scope = [o for o in outs if o.question.lang == lang and o.question.in_scope]
        oos = [o for o in outs if o.question.lang == lang and not o.question.in_scope]
        figures[lang] = (sum(o.abstained for o in oos) / max(len(oos), 1), sum(o.abstained for o in scope) / max(len(scope), 1))
    scope = [o for o in outs if o.question.in_scope and o.question.kind != "citation"]
    return figures, sum(o.rank is not None and o.rank <= 3 for o in scope) / max(len(scope), 1)


def curves(sets: Sequence[PreparedSet], by_set: dict[str, list[Record]], alphas: Sequence[float] = ALPHAS, l2: float = L2) -> list[Curve]:
    """Held-out curves: at each α, every set scored with thresholds (or a model) chosen on the others at α."""
    default = {s.name: outcomes(s) for s in sets}
    train = {(name, lang): _lang_rows([r for o, rs in by_set.items() if o != name for r in rs], lang) for name in by_set for lang in LANGS}
    weights = {key: _fit_weights(rows, l2) for key, rows in train.items()}
    chances = {key: out_of_fold(rows, l2) for key, rows in train.items()}
    result: list[Curve] = []
    for alpha in alphas:
        held_thresholds: list[Outcome] = []
        held_confidence: list[Outcome] = []
        for s in sets:
            others = [o for name, outs in default.items() if name != s.name for o in outs]
            chosen, _ = calibrate(others, alpha)
            base = s.searcher.abstention
            held_thresholds += outcomes(s, abstention=base.with_thresholds(chosen))  # thresholds alone, no model
            zh, en = (_with_threshold(weights[s.name, lang], chances[s.name, lang], alpha) for lang in ("zh", "en"))
            held_confidence += scored(by_set[s.name], Confidence(zh, en, ""))
        t, t3 = _pooled(held_thresholds)
        c, c3 = _pooled(held_confidence)
        result.append(Curve(alpha, t, c, round(t3, 4), round(c3, 4)))
    return result


def _lang_rows(rows: Sequence[Record], lang: str) -> list[Record]:
    return [r for r in rows if r.lang == lang and r.answered.question.kind != "citation"]


def format_curves(rows: Sequence[Curve]) -> str:
    """One line per budget α: held-out OOS abstained / false abstention per language, thresholds vs confidence."""
    head = f"{'α':>6}  {'zh thresholds':>15}  {'zh confidence':>15}  {'en thresholds':>15}  {'en confidence':>15}  {'hit@3 thr':>9}  {'hit@3 conf':>10}"
    lines = ["held-out abstention curve (leave-one-regulation-out): OOS abstained / false abstention, per language", head]
    for c in rows:
        cells = [f"{c.thresholds['zh'][0]:.2f} / {c.thresholds['zh'][1]:.3f}", f"{c.confidence['zh'][0]:.2f} / {c.confidence['zh'][1]:.3f}",
                 f"{c.thresholds['en'][0]:.2f} / {c.thresholds['en'][1]:.3f}", f"{c.confidence['en'][0]:.2f} / {c.confidence['en'][1]:.3f}"]
        lines.append(f"{c.alpha:>6.3f}  " + "  ".join(cell.rjust(15) for cell in cells) + f"  {c.hit3_thresholds:>9.2f}  {c.hit3_confidence:>10.2f}")
    return "\n".join(lines)
