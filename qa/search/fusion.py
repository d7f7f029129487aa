"""Fusion and evidence: per-article score arrays in, a ranking and the evidence for answering out.

Pure functions over NumPy arrays (one entry per article, in library order), so they can be tested
against hand-computed figures and reused by measurements (``bench/stard_sweep.py``). Two settings
objects: :class:`Ranking` orders articles, :class:`Abstention` decides whether any of them answers.

Evidence is scaled so that 1.0 is the abstention threshold: an article answers when its dense
similarity or its share of the question's terms clears the calibrated threshold, or when it plays
the structural role the question asks about and holds the rest of the question.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, cast

import numpy as np

from qa.index.lexical import COVERAGE_CANDIDATES
from qa.search.confidence import GEMMA_PATH, Confidence, load
from qa.search.types import Relevance

__all__ = [
    "RETRIEVERS",
    "DENSE_CANDIDATES",
    "SECONDARY_EVIDENCE",
    "ROLE_COVERAGE",
    "HIGH_EVIDENCE",
    "NOISE",
    "QUANTITY_TOP",
    "Ranking",
    "Abstention",
    "THRESHOLDS",
    "ArticleSignals",
    "Ranked",
    "minmax",
    "hybrid",
    "base_scores",
    "with_role_prior",
    "ranking_for",
    "abstention_for",
    "MODEL_ABSTENTION",
    "MODEL_RANKING",
    "MODEL_CONFIDENCE",
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

RETRIEVERS = ("hybrid", "dense", "bm25")
#: Units fetched from FAISS per question (articles outside them score as the lowest fetched).
DENSE_CANDIDATES = 256
#: Articles after the first are shown only with at least this much evidence (1.0 = the abstention
#: threshold), so a small corpus does not pad answers with articles that match nothing.
SECONDARY_EVIDENCE = 0.9
#: A role question ("产业集群是什么意思") counts as answered by an article of that role when the
#: article holds at least this idf-weighted share of what the question asks besides the role.
ROLE_COVERAGE = 0.5
#: On abstention, the best article is named as the nearest place to look (never shown as an answer)
#: when its evidence reaches this share of the threshold (Chinese, English questions). Chosen by reading
#: the Anhui set's out-of-scope questions (unrelated ones stay below, near misses reach it); measured on all
#: twelve sets in docs/evaluation.md.
NEAR_MISS = (0.975, 0.93)
#: Evidence from which a hit's relevance is "high": a fifth above the abstention threshold
#: (confidence ≥ 0.83 on the :func:`squash` scale). On the four eval sets (e5+use, hybrid, k=5) a
#: top hit at or above it was the expected article 100 % (zh) / 92 % (en) of the time, against
#: 80 % / 62 % between 1.0 and 1.2; see :func:`relevance`.
HIGH_EVIDENCE = 1.2
#: A question asking for a quantity ("罚多少钱", "how many days") is answered only if one of this many best articles
#: states a quantity (:mod:`qa.lang.quantity`): the articles a reader sees first, and what hit@3 scores. Set a priori.
QUANTITY_TOP = 3
#: With abstention off, a signal counts once it is above float noise: a cosine of 1e-10 between
#: unrelated vectors is rounding, not similarity.
NOISE = 1e-9


@dataclass(frozen=True)
class Ranking:
    """How articles are ordered (never whether to answer).

    ``hybrid_weight`` is the dense share of the hybrid score (a sweep of 0.4–0.9). ``statute_prior``
    is added to the hybrid score of articles of a 法 or 法典 (a statute of the National People's
    Congress) when several regulations are loaded: a citizen's question is most often answered by
    the statute itself rather than by the rules made under it (chosen on STARD's tuning split,
    docs/stard.md; nothing with one regulation). ``role_prior`` is added to the score of articles
    whose structural role (:mod:`qa.lang.roles`) the question asks about (set a priori).
    ``dense_candidates`` units are fetched from FAISS, ``coverage_candidates`` articles have their
    term coverage measured.
    """

    hybrid_weight: float = 0.7
    statute_prior: float = 0.1
    role_prior: float = 0.2
    dense_candidates: int = DENSE_CANDIDATES
    coverage_candidates: int = COVERAGE_CANDIDATES

    def dense_top(self, units: int, limit: int) -> int:
        """How many units to ask FAISS for when ``limit`` articles are ranked."""
        return min(units, max(self.dense_candidates, 4 * limit))


#: The fields of :class:`Abstention` that calibration chooses.
THRESHOLDS = ("dense_zh", "dense_en", "lexical_zh", "lexical_en")


@dataclass(frozen=True)
class Abstention:
    """Abstain unless the best article clears one of these.

    Defaults: ``qa eval --sets tests/eval/sets.json --calibrate`` over all twelve committed question
    sets at once (the complete Anhui set and eleven other regulations of five kinds, 783 questions) with
    the e5+use model (false abstention ≤ 5% per language). Held-out figures for these choices come from
    ``--cross-validate`` (each set scored with thresholds chosen on the other eleven; docs/evaluation.md).
    ``dense_zh``/``dense_en`` are the best article's similarity for Chinese and
    English questions (cross-lingual similarities run lower); ``lexical_zh``/``lexical_en`` are the
    idf-weighted share of the question's terms found in the best article (for English, of its words'
    Chinese renderings, weighted by ``cross_weight``). ``cross_weight``
    0.6 is the ratio of two calibrated English lexical thresholds: 0.3 when English coverage came only
    from our translation, 0.5 once the CC-CEDICT channel was added (all twelve sets). ``lexical_zh`` stays at 0.3: calibration's 0.6
    abstains on 0.70 of Chinese out-of-scope questions against 0.69, but would leave keyword search alone
    (while the model loads, or without one) answering far less. ``lexical_translated`` judges an English
    question's coverage of our own translation (:meth:`ArticleSignals.translated`): set a priori to the default
    ``lexical_zh`` (words matched in the question's own language) and never calibrated, since only the bundled
    regulation has a translation; with one ``lexical_en`` for both kinds, the folds without it chose ``lexical_en``
    for dictionary renderings alone (up to 0.85), and held out the bundled regulation's English abstained on 0.14
    of its in-scope questions. ``secondary_evidence``, ``role_coverage`` and ``near_miss``: see
    :data:`SECONDARY_EVIDENCE`, :data:`ROLE_COVERAGE` and :data:`NEAR_MISS`.
    ``confidence``, when set, decides instead of the two thresholds for dense and hybrid ranking in the languages
    it covers: a logistic P(answerable) over several signals (:mod:`qa.search.confidence`; for e5+use opt-in,
    for EmbeddingGemma's English the default, :data:`MODEL_CONFIDENCE`; docs/evaluation.md). ``quantity_veto``: a
    question asking for a quantity abstains when none of the first :data:`QUANTITY_TOP` articles states one
    (:func:`unanswered_quantity`), whatever the thresholds or the confidence model say.
    """

    dense_zh: float = 0.885
    dense_en: float = 0.55
    lexical_zh: float = 0.3
    lexical_en: float = 0.3
    lexical_translated: float = 0.3
    cross_weight: float = 0.6
    secondary_evidence: float = SECONDARY_EVIDENCE
    role_coverage: float = ROLE_COVERAGE
    near_miss_zh: float = NEAR_MISS[0]
    near_miss_en: float = NEAR_MISS[1]
    confidence: Confidence | None = None
    quantity_veto: bool = True

    def dense(self, lang: str) -> float:
        return self.dense_en if lang == "en" else self.dense_zh

    def lexical(self, lang: str) -> float:
        return self.lexical_en if lang == "en" else self.lexical_zh

    def near_miss(self, lang: str) -> float:
        return self.near_miss_en if lang == "en" else self.near_miss_zh

    def thresholds(self) -> dict[str, float]:
        """The four calibrated thresholds by name (what ``qa eval --calibrate`` chooses)."""
        return {name: getattr(self, name) for name in THRESHOLDS}

    def with_thresholds(self, other: "Abstention", confidence: Confidence | None = None) -> "Abstention":
        """These settings with ``other``'s four thresholds and ``confidence`` (a fold's choices)."""
        return replace(self, confidence=confidence, **cast(dict[str, Any], other.thresholds()))

    def off(self) -> "Abstention":
        """These settings with abstention off: any signal above :data:`NOISE` counts as evidence."""
        return replace(self, dense_zh=NOISE, dense_en=NOISE, lexical_zh=NOISE, lexical_en=NOISE, lexical_translated=NOISE)


#: The four thresholds of :class:`Abstention` for embedders whose similarities run on another scale than
#: e5+use's (the defaults): EmbeddingGemma's cosines are lower, and with e5's thresholds it abstained on
#: 0.53 of the in-scope questions. Calibrated like the defaults, ``qa eval --sets tests/eval/sets.json
#: --calibrate --model gemma`` over the twelve sets (false abstention ≤ 5 % per language), the lexical
#: pair kept as calibrated; held-out figures: docs/evaluation.md, "EmbeddingGemma (opt-in)".
MODEL_ABSTENTION: dict[str, Abstention] = {
    "gemma": Abstention(dense_zh=0.435, dense_en=0.405, lexical_zh=0.6, lexical_en=0.85),
}


#: :class:`Ranking` settings for embedders other than e5+use (the defaults). EmbeddingGemma's cosines order
#: articles better than e5's, so the hybrid leans more on them: 0.9 was chosen leave-one-regulation-out
#: (``qa eval --sets tests/eval/sets.json --tune-ranking --model gemma``: 0.9 in 11 of 12 folds, pooled held-out
#: English paraphrase hit@3 0.88 → 0.91, Chinese 0.89 → 0.89; docs/evaluation.md).
MODEL_RANKING: dict[str, Ranking] = {
    "gemma": Ranking(hybrid_weight=0.9),
}


def ranking_for(model: str | None) -> Ranking:
    """The default :class:`Ranking` for the embedder called ``model`` (see :data:`MODEL_RANKING`)."""
    return MODEL_RANKING.get(model or "", Ranking())


#: Confidence models (:mod:`qa.search.confidence`) that decide by default for an embedder, in the languages they
#: cover. EmbeddingGemma's English: fitted on the twelve sets' 865 questions (``qa eval --sets tests/eval/sets.json
#: --model gemma --fit-confidence … --confidence-languages en``); held out (each set with a model fitted on the other
#: eleven) it abstained on 0.89 of English out-of-scope questions at false abstention 0.045, against the thresholds'
#: 0.74 at 0.058, with English paraphrase hit@3 0.92; for Chinese the model's held-out false abstention was 0.057,
#: over the 0.05 budget, so Chinese keeps the thresholds (docs/evaluation.md). e5+use has none: at the same budget
#: its English model overshot it (0.068) while its thresholds kept within it (0.045).
MODEL_CONFIDENCE: dict[str, Path] = {"gemma": GEMMA_PATH}


@functools.lru_cache(maxsize=None)
def _confidence(path: Path) -> Confidence:
    return load(path)


def abstention_for(model: str | None) -> Abstention:
    """The default :class:`Abstention` for the embedder called ``model`` (see :data:`MODEL_ABSTENTION` and
    :data:`MODEL_CONFIDENCE`)."""
    found = MODEL_ABSTENTION.get(model or "", Abstention())
    path = MODEL_CONFIDENCE.get(model or "")
    return found if path is None else replace(found, confidence=_confidence(path))


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
    when the question asks for a quantity (:mod:`qa.lang.quantity`): per article, whether it states one.
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
    ``p_answerable`` too)."""

    docs: np.ndarray
    scores: np.ndarray
    evidence: np.ndarray
    deciding: np.ndarray
    best: float
    answers: bool
    signals: dict[str, float]


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
    found = evidence(retriever, lang, signals, abstention)
    deciding = found if abstain else evidence(retriever, lang, signals, abstention.off())
    docs = top(scores, allowed, limit)
    answers = float(deciding[allowed].max(initial=0.0)) >= 1.0
    if abstain and abstention.confidence is not None and abstention.confidence.covers(lang) and retriever != "bm25":
        answers, p = abstention.confidence.answers(signals, lang, abstention.cross_weight)
        reported["p_answerable"] = round(p, 4)
    if unanswered_quantity(signals, docs):
        reported["no_quantity"] = 1.0
        answers = answers and not (abstain and abstention.quantity_veto)
    return Ranked(
        docs=docs,
        scores=scores[docs],
        evidence=found[docs],
        deciding=deciding[docs],
        best=float(found[allowed].max(initial=0.0)),
        answers=answers,
        signals=reported,
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
