"""The settings of a search: how articles are ordered (:class:`Ranking`) and when any of them answers
(:class:`Abstention`), with each embedder's defaults.

Plain frozen dataclasses, so that measurements (``qa eval --calibrate``, ``--tune-ranking``, the STARD sweeps)
can make variants with :func:`dataclasses.replace` and hand them to the same :mod:`qa.search.fusion` functions the
product uses. Every number here says where it was chosen.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, cast

from qa.index.lexical import COVERAGE_CANDIDATES
from qa.search.confidence import DEFAULT_PATH, GEMMA_PATH, Confidence, load

__all__ = [
    "RETRIEVERS",
    "DENSE_CANDIDATES",
    "SECONDARY_EVIDENCE",
    "ROLE_COVERAGE",
    "NEAR_MISS",
    "HIGH_EVIDENCE",
    "DISAGREED",
    "NOISE",
    "QUANTITY_TOP",
    "Ranking",
    "Abstention",
    "THRESHOLDS",
    "ranking_for",
    "abstention_for",
    "MODEL_ABSTENTION",
    "MODEL_RANKING",
    "COLLECTION_ROLE_PRIOR",
    "MODEL_CONFIDENCE",
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
#: (confidence ≥ 0.83 on the :func:`qa.search.fusion.squash` scale). On the four eval sets (e5+use, hybrid, k=5) a
#: top hit at or above it was the expected article 100 % (zh) / 92 % (en) of the time, against
#: 80 % / 62 % between 1.0 and 1.2; see :func:`qa.search.fusion.relevance`.
HIGH_EVIDENCE = 1.2
#: Where an abstention's best evidence is shown when the thresholds would have answered but the confidence model did
#: not: just below the threshold (confidence 0.49; :attr:`qa.search.fusion.Ranked.display`).
DISAGREED = 0.995
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
    whose structural role (:mod:`qa.lang.roles`) the question asks about (0.4 chosen leave-one-regulation-out on the
    twelve evaluation sets and again in 15 of 16 folds on sixteen, docs/evaluation.md; a collection's default keeps 0.2, :data:`COLLECTION_ROLE_PRIOR`; the
    only article fully playing it goes first, :func:`qa.search.fusion.first_if_only_role`).
    ``dense_candidates`` units are fetched from FAISS, ``coverage_candidates`` articles have their
    term coverage measured.
    """

    hybrid_weight: float = 0.7
    statute_prior: float = 0.1
    role_prior: float = 0.4
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

    Defaults: ``qa eval --sets tests/eval/sets.json --calibrate`` over the twelve question sets committed
    then (the complete Anhui set and eleven other regulations of five kinds, 783 questions) with
    the e5+use model (false abstention ≤ 5% per language). Held-out figures for these choices come from
    ``--cross-validate`` (each set scored with thresholds chosen on the others; docs/evaluation.md).
    ``dense_zh``/``dense_en`` are the best article's similarity for Chinese and
    English questions (cross-lingual similarities run lower); ``lexical_zh``/``lexical_en`` are the
    idf-weighted share of the question's terms found in the best article (for English, of its words'
    Chinese renderings, weighted by ``cross_weight``). ``cross_weight``
    0.6 is the ratio of two calibrated English lexical thresholds: 0.3 when English coverage came only
    from our translation, 0.5 once the CC-CEDICT channel was added (all twelve sets). ``lexical_zh`` stays at 0.3: calibration's 0.6
    abstains on 0.70 of Chinese out-of-scope questions against 0.69, but would leave keyword search alone
    (while the model loads, or without one) answering far less. ``lexical_translated`` judges an English
    question's coverage of our own translation (:meth:`qa.search.fusion.ArticleSignals.translated`): set a priori
    to the default ``lexical_zh`` (words matched in the question's own language) and never calibrated, since only the bundled
    regulation has a translation; with one ``lexical_en`` for both kinds, the folds without it chose ``lexical_en``
    for dictionary renderings alone (up to 0.85), and held out the bundled regulation's English abstained on 0.14
    of its in-scope questions. ``secondary_evidence``, ``role_coverage`` and ``near_miss``: see
    :data:`SECONDARY_EVIDENCE`, :data:`ROLE_COVERAGE` and :data:`NEAR_MISS`.
    ``confidence``, when set, decides instead of the two thresholds for dense and hybrid ranking in the languages
    it covers: a logistic P(answerable) over several signals (:mod:`qa.search.confidence`; English decides by one
    for e5+use and EmbeddingGemma, :data:`MODEL_CONFIDENCE`; docs/evaluation.md). ``quantity_veto``: a
    question asking for a quantity abstains when none of the first :data:`QUANTITY_TOP` articles states one
    (:func:`qa.search.fusion.unanswered_quantity`), whatever the thresholds or the confidence model say.
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
    "gemma": Ranking(hybrid_weight=0.9, role_prior=0.2),
}

#: The role prior over several regulations. A role question's role matches articles of every regulation loaded
#: (a library's thousands of 法律责任 articles), so the hint says little there: on STARD's dev split 0.0–0.4 lie
#: within six questions (hit@1 0.564 at 0.0, 0.561 at 0.2, 0.555 at 0.4; ``bench/stard_sweep.py``), and a
#: collection keeps the value set a priori before the single-regulation choice.
COLLECTION_ROLE_PRIOR = 0.2


def ranking_for(model: str | None, regulations: int = 1) -> Ranking:
    """The default :class:`Ranking` for the embedder called ``model`` (see :data:`MODEL_RANKING`) over
    ``regulations`` regulations (see :data:`COLLECTION_ROLE_PRIOR`)."""
    found = MODEL_RANKING.get(model or "", Ranking())
    return replace(found, role_prior=COLLECTION_ROLE_PRIOR) if regulations > 1 else found


#: Confidence models (:mod:`qa.search.confidence`) that decide by default for an embedder, in the languages they
#: cover; Chinese keeps the thresholds for both (docs/evaluation.md). e5+use's English: fitted on the sixteen sets'
#: 1,081 questions with the threshold chosen on out-of-fold probabilities (``qa eval --sets tests/eval/sets.json
#: --fit-confidence qa/search/confidence.json --confidence-languages en``); held out (each set with a model fitted on
#: the other fifteen) it abstained on 0.72 of English out-of-scope questions at false abstention 0.049, against the
#: thresholds' 0.63 at 0.041; its Chinese model 0.79 at 0.048 against the thresholds' 0.80 at 0.042. On four
#: regulations it had never seen (before they joined the sets) it cost more than that: docs/evaluation.md. EmbeddingGemma's English (``--model gemma``, fitted before thresholds were chosen out of fold):
#: held out 0.89 of English out-of-scope questions at false abstention 0.045, against the thresholds' 0.74 at 0.058,
#: with English paraphrase hit@3 0.92; its Chinese model overshot the budget (0.057).
MODEL_CONFIDENCE: dict[str, Path] = {"e5+use": DEFAULT_PATH, "gemma": GEMMA_PATH}


@functools.lru_cache(maxsize=None)
def _confidence(path: Path) -> Confidence:
    return load(path)


def abstention_for(model: str | None) -> Abstention:
    """The default :class:`Abstention` for the embedder called ``model`` (see :data:`MODEL_ABSTENTION` and
    :data:`MODEL_CONFIDENCE`)."""
    found = MODEL_ABSTENTION.get(model or "", Abstention())
    path = MODEL_CONFIDENCE.get(model or "")
    return found if path is None else replace(found, confidence=_confidence(path))
