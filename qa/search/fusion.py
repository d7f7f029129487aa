"""Fusion and evidence: per-article score arrays in, a ranking and the evidence for answering out.

Pure functions over NumPy arrays (one entry per article, in library order), so they can be tested
against hand-computed figures and reused by measurements (``bench/stard_sweep.py``). Two settings
objects (:mod:`qa.search.settings`): :class:`Ranking` orders articles, :class:`Abstention` decides whether any
of them answers.

Evidence is scaled so that 1.0 is the abstention threshold: an article answers when its dense
similarity or its share of the question's terms clears the calibrated threshold, or when it plays
the structural role the question asks about and holds the rest of the question.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from qa.search.settings import DISAGREED, HIGH_EVIDENCE, QUANTITY_TOP, Abstention, Ranking
from qa.search.types import Relevance

__all__ = [
    "ArticleSignals",
    "Ranked",
    "minmax",
    "hybrid",
    "base_scores",
    "with_role_prior",
    "first_if_only_role",
    "raw_cosine",
    "dense_scores",
    "dense_paragraph_scores",
    "evidence",
    "eligible",
    "top",
    "rank",
    "squash",
    "relevance",
    "unanswered_quantity",
]

@dataclass(frozen=True)
class ArticleSignals:
    """One question's measurements per article, before any setting of :class:`Ranking` is applied.

    ``keep`` marks the articles in scope (a chapter filter); ``lexical`` (BM25) and ``coverage`` are
    already zero outside it; ``dense`` is the best cosine per article (None when not measured);
    ``statute`` is 1 for articles of a statute in a collection; ``role_match`` is 0, 1 or 2 as in
    :meth:`qa.index.lexical.LexicalIndex.role_match`. ``cross`` marks the articles whose coverage of
    an English question was measured through its Chinese renderings (CC-CEDICT) rather than our
    translation (None: none were). ``dense_base`` is, for a question vector changed by a query adapter, the
    base model's best cosine per article: ``dense`` orders articles, ``dense_base`` is the evidence, on the
    scale the abstention thresholds were calibrated on (None: the question was not adapted). ``quantity`` is set
    when the question asks for a quantity (:mod:`qa.lang.quantity`): per article, whether it states one of the kind
    asked.
    """

    keep: np.ndarray
    lexical: np.ndarray
    coverage: np.ndarray
    dense: np.ndarray | None
    statute: np.ndarray
    role_match: np.ndarray
    cross: np.ndarray | None = None
    dense_base: np.ndarray | None = None
    quantity: np.ndarray | None = None

    def evidence_dense(self) -> np.ndarray:
        """The cosines that evidence and abstention read (see ``dense_base``)."""
        return _dense(self) if self.dense_base is None else self.dense_base

    def coverage_in(self, lang: str, abstention: "Abstention") -> np.ndarray:
        """The coverage that evidence uses (:meth:`weighted_coverage` with ``abstention.cross_weight``)."""
        return self.weighted_coverage(lang, abstention.cross_weight)

    def weighted_coverage(self, lang: str, cross_weight: float) -> np.ndarray:
        """Coverage where an English question's coverage through its Chinese renderings counts ``cross_weight``
        of coverage of our translation's words (dictionary senses match more loosely)."""
        if lang != "en" or self.cross is None:
            return self.coverage
        return np.where(self.cross, self.coverage * cross_weight, self.coverage)

    def translated(self, lang: str) -> np.ndarray:
        """The articles where an English question's coverage was measured on our translation (every article
        unless ``cross`` marks those matched through CC-CEDICT): judged by ``Abstention.lexical_translated``."""
        if lang != "en":
            return np.zeros(self.coverage.shape, bool)
        return np.ones(self.coverage.shape, bool) if self.cross is None else ~self.cross

    def lexical_evidence(self, lang: str, abstention: "Abstention") -> np.ndarray:
        """Coverage over its threshold (1.0 = at it): ``lexical(lang)``, or ``lexical_translated`` where :meth:`translated`."""
        covered = self.coverage_in(lang, abstention)
        return np.where(self.translated(lang), covered / abstention.lexical_translated, covered / abstention.lexical(lang))

    def reported_coverage(self, lang: str, abstention: "Abstention") -> dict[str, float]:
        """The best coverage for reports and calibration: ``lexical``, judged by ``lexical(lang)``, and for English
        ``translated``, of our translation (judged by ``lexical_translated``)."""
        covered = self.coverage_in(lang, abstention)
        if lang != "en":
            return {"lexical": round(float(covered.max(initial=0)), 4)}
        own = self.translated(lang)
        return {"lexical": round(float(covered[~own].max(initial=0)), 4), "translated": round(float(covered[own].max(initial=0)), 4)}


@dataclass(frozen=True)
class Ranked:
    """The best articles, best first: ``docs`` with their fused ``scores`` and calibrated
    ``evidence``, and ``best``, the best evidence over all eligible articles (for confidence and
    relevance). ``deciding`` is the evidence that decides what is shown — the calibrated one, or with
    abstention off :meth:`Abstention.off`'s — and ``answers`` whether the best of it reaches 1.0.
    ``signals`` are the best raw figures, for reports and calibration (with a confidence model,
    ``p_answerable`` too). ``display`` rescales evidence for what a reader sees (relevance labels, the answer's
    confidence): 1 unless a confidence model decided otherwise than the thresholds would, and then the least change
    that puts ``best`` on the model's side of 1.0 (:data:`DISAGREED`), so no answer reads as below the threshold and no
    abstention as above it."""

    docs: np.ndarray
    scores: np.ndarray
    evidence: np.ndarray
    deciding: np.ndarray
    best: float
    answers: bool
    signals: dict[str, float]
    display: float = 1.0


def minmax(values: np.ndarray) -> np.ndarray:
    """Scale to [0, 1]; all zeros when every value is equal."""
    if values.size == 0:
        return values
    low, high = float(values.min()), float(values.max())
    return (values - low) / (high - low) if high > low else np.zeros_like(values)


def hybrid(dense: np.ndarray, lexical: np.ndarray, statute: np.ndarray, ranking: Ranking) -> np.ndarray:
    """``w·minmax(dense) + (1 − w)·minmax(lexical) + statute_prior·statute``."""
    w = ranking.hybrid_weight
    return w * minmax(dense) + (1 - w) * minmax(lexical) + ranking.statute_prior * statute


def base_scores(retriever: str, signals: ArticleSignals, ranking: Ranking) -> np.ndarray:
    """The retriever's own score: min–max BM25, the cosine, or the hybrid (the cosine alone when no
    article shares a term with the question)."""
    if retriever == "bm25":
        return minmax(signals.lexical)
    dense = _dense(signals)
    if raw_cosine(retriever, signals):
        return dense.copy()
    return hybrid(dense, signals.lexical, signals.statute, ranking)


def raw_cosine(retriever: str, signals: ArticleSignals) -> bool:
    """Whether :func:`base_scores` is the cosine itself (not scaled to [0, 1])."""
    return retriever == "dense" or (retriever != "bm25" and not signals.lexical.any())


def with_role_prior(scores: np.ndarray, role_match: np.ndarray, ranking: Ranking, spread: float = 1.0) -> np.ndarray:
    """``role_prior × spread`` added per matched role. ``spread`` is the range of ``scores``: 1 for the
    min–max scores, about 0.1 for raw cosines, where an unscaled 0.2 outweighed every difference in
    meaning (dense STARD Recall@100 0.758 → 0.721, docs/stard.md)."""
    return scores + ranking.role_prior * spread * role_match if role_match.any() else scores


def first_if_only_role(scores: np.ndarray, allowed: np.ndarray, role_match: np.ndarray, ranking: Ranking, spread: float = 1.0) -> np.ndarray:
    """The one article that fully plays the role a question asks about, put first. "When does the Zhengzhou school injury
    regulation come into force?" has one answer (本条例自2007年1月1日起施行), but the regulation's name fills another
    article (技工学校的学生人身伤害事故……依照本条例执行) that the prior alone does not overtake. Several full matches (部门负责
    in many articles) are left to the scores."""
    full = allowed & (role_match > 1)
    others = allowed & ~full
    if int(full.sum()) != 1 or not others.any() or scores[full].max() > scores[others].max():
        return scores
    return np.where(full, scores[others].max() + ranking.role_prior * spread, scores)


def dense_scores(sims: np.ndarray, rows: np.ndarray, unit_docs: np.ndarray, articles: int) -> np.ndarray:
    """Best cosine per article from one query's FAISS results (``sims``/``rows``, best first; rows of
    −1 are FAISS padding). ``unit_docs`` maps each unit to its article (−1: none). Articles with no
    fetched unit score as the lowest fetched similarity."""
    valid = rows >= 0
    fetched = sims[valid]
    scores = np.full(articles, float(fetched.min()) if fetched.size else 0.0, np.float32)
    docs = unit_docs[rows[valid]]
    known = docs >= 0
    best = np.full(articles, -np.inf, np.float32)
    np.maximum.at(best, docs[known], fetched[known])
    seen = best > -np.inf
    scores[seen] = best[seen]
    return scores


def dense_paragraph_scores(sims: np.ndarray, rows: np.ndarray, unit_docs: np.ndarray, unit_paragraphs: np.ndarray) -> dict[int, dict[int, float]]:
    """Per article, the best cosine of each of its paragraphs that has its own unit (paragraph 0 in
    ``unit_paragraphs`` = a whole-article unit), for choosing the paragraph to highlight."""
    paragraphs: dict[int, dict[int, float]] = {}
    for sim, row in zip(sims, rows):
        if row < 0 or unit_docs[row] < 0 or not unit_paragraphs[row]:
            continue
        of = paragraphs.setdefault(int(unit_docs[row]), {})
        n = int(unit_paragraphs[row])
        of[n] = max(sim, of.get(n, -1.0))
    return paragraphs


def evidence(retriever: str, lang: str, signals: ArticleSignals, abstention: Abstention) -> np.ndarray:
    """Per article, the evidence that it answers (1.0 = at the threshold): its term coverage over
    ``lexical(lang)``, its cosine over ``dense(lang)`` (the larger for hybrid), or 1.0 for a full role match."""
    value = signals.lexical_evidence(lang, abstention)
    if retriever != "bm25":
        dense = np.where(signals.keep, signals.evidence_dense(), 0) / abstention.dense(lang)
        value = dense if retriever == "dense" else np.maximum(value, dense)
    if signals.role_match.any():
        value = np.maximum(value, np.where(signals.keep & (signals.role_match > 1), 1.0, 0.0))
    return value


def eligible(retriever: str, signals: ArticleSignals) -> np.ndarray:
    """Articles that may be ranked: those in scope; for BM25 only those sharing a term or a role."""
    if retriever == "bm25":
        return signals.keep & ((signals.lexical > 0) | (signals.role_match > 0))
    return signals.keep


def top(scores: np.ndarray, allowed: np.ndarray, limit: int) -> np.ndarray:
    """Indices of the ``limit`` best allowed articles, best first (ties: lower index first)."""
    candidates = np.flatnonzero(allowed)
    if candidates.size > limit:
        candidates = candidates[np.argpartition(-scores[candidates], limit)[:limit]]
    return candidates[np.lexsort((candidates, -scores[candidates]))]


def rank(
    retriever: str, lang: str, signals: ArticleSignals, limit: int, ranking: Ranking, abstention: Abstention, *, abstain: bool = True
) -> Ranked:
    """The best ``limit`` articles with their scores and evidence (see :class:`Ranked`)."""
    reported = signals.reported_coverage(lang, abstention)
    if retriever != "bm25":
        reported["dense"] = round(float(signals.evidence_dense()[signals.keep].max(initial=0)), 4)
    if signals.role_match.any():
        reported["role"] = float((signals.keep & (signals.role_match > 1)).any())
    allowed = eligible(retriever, signals)
    base = base_scores(retriever, signals, ranking)
    spread = float(np.ptp(base[allowed])) if raw_cosine(retriever, signals) and allowed.any() else 1.0
    scores = np.where(allowed, with_role_prior(base, signals.role_match, ranking, spread), -np.inf)
    scores = first_if_only_role(scores, allowed, signals.role_match, ranking, spread)
    found = evidence(retriever, lang, signals, abstention)
    deciding = found if abstain else evidence(retriever, lang, signals, abstention.off())
    docs = top(scores, allowed, limit)
    answers = float(deciding[allowed].max(initial=0.0)) >= 1.0
    best = float(found[allowed].max(initial=0.0))
    display = 1.0
    if abstain and abstention.confidence is not None and abstention.confidence.covers(lang) and retriever != "bm25":
        answers, p = abstention.confidence.answers(signals, lang, abstention.cross_weight)
        reported["p_answerable"] = round(p, 4)
        if best > 0 and answers != (best >= 1.0):
            display = (1.0 if answers else DISAGREED) / best
    if unanswered_quantity(signals, docs):
        reported["no_quantity"] = 1.0
        answers = answers and not (abstain and abstention.quantity_veto)
    return Ranked(
        docs=docs,
        scores=scores[docs],
        evidence=found[docs],
        deciding=deciding[docs],
        best=best,
        answers=answers,
        signals=reported,
        display=display,
    )


def unanswered_quantity(signals: ArticleSignals, docs: np.ndarray) -> bool:
    """Whether the question asks for a quantity and none of the first :data:`QUANTITY_TOP` of ``docs`` states one."""
    return signals.quantity is not None and docs.size > 0 and not signals.quantity[docs[:QUANTITY_TOP]].any()


def squash(evidence: float) -> float:
    """Map evidence (1.0 = at the threshold) to a 0–1 confidence for display."""
    return round(1 / (1 + math.exp(-8 * (evidence - 1))), 3)


def relevance(evidence: float) -> Relevance:
    """"high" from :data:`HIGH_EVIDENCE` (a fifth above the abstention threshold), "medium" from the
    threshold itself (the article would answer alone), "low" below it (shown beside a better one)."""
    if evidence >= HIGH_EVIDENCE:
        return "high"
    return "medium" if evidence >= 1.0 else "low"


def _dense(signals: ArticleSignals) -> np.ndarray:
    if signals.dense is None:
        raise ValueError("dense and hybrid ranking need dense scores")
    return signals.dense
