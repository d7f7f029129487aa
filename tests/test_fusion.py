"""Fusion and evidence on small arrays, against figures worked out by hand (in the comments)."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from qa.search.fusion import (
    ArticleSignals,
    base_scores,
    dense_paragraph_scores,
    dense_scores,
    eligible,
    evidence,
    first_if_only_role,
    hybrid,
    minmax,
    rank,
    raw_cosine,
    relevance,
    squash,
    top,
    with_role_prior,
)
from qa.search.settings import Abstention, Ranking

F = np.float32


def signals(
    lexical: list[float],
    coverage: list[float],
    dense: list[float] | None = None,
    *,
    keep: list[bool] | None = None,
    statute: list[float] | None = None,
    role: list[float] | None = None,
) -> ArticleSignals:
    n = len(lexical)
    mask = np.array(keep if keep is not None else [True] * n)
    return ArticleSignals(
        keep=mask,
        lexical=np.where(mask, np.array(lexical, F), 0),
        coverage=np.where(mask, np.array(coverage, F), 0),
        dense=None if dense is None else np.array(dense, F),
        statute=np.array(statute or [0.0] * n, F),
        role_match=np.array(role or [0.0] * n, F),
    )


def test_minmax() -> None:
    assert minmax(np.array([2.0, 4.0, 3.0], F)).tolist() == [0.0, 1.0, 0.5]
    assert minmax(np.array([5.0, 5.0], F)).tolist() == [0.0, 0.0]
    assert minmax(np.array([], F)).size == 0


def test_hybrid_weighs_scaled_scores_and_adds_the_statute_prior() -> None:
    # dense [0.2, 0.6, 1.0] → [0, 0.5, 1]; lexical [0, 3, 6] → [0, 0.5, 1]; reversed lexical to tell them apart
    dense = np.array([0.2, 0.6, 1.0], F)
    lexical = np.array([6.0, 3.0, 0.0], F)
    statute = np.array([0.0, 1.0, 0.0], F)
    out = hybrid(dense, lexical, statute, Ranking(hybrid_weight=0.7, statute_prior=0.1))
    # 0.7·0 + 0.3·1 = 0.3;  0.7·0.5 + 0.3·0.5 + 0.1 = 0.6;  0.7·1 + 0.3·0 = 0.7
    assert out == pytest.approx([0.3, 0.6, 0.7], abs=1e-6)


def test_base_scores_per_retriever() -> None:
    s = signals([0.0, 2.0, 4.0], [0, 0.5, 1], [0.9, 0.3, 0.6])
    assert base_scores("bm25", s, Ranking()).tolist() == [0.0, 0.5, 1.0]
    assert base_scores("dense", s, Ranking()) == pytest.approx([0.9, 0.3, 0.6])
    # dense → [1, 0, 0.5]; 0.7·[1, 0, 0.5] + 0.3·[0, 0.5, 1] = [0.7, 0.15, 0.65]
    assert base_scores("hybrid", s, Ranking(statute_prior=0.0)) == pytest.approx([0.7, 0.15, 0.65], abs=1e-6)


def test_hybrid_is_the_cosine_alone_when_no_article_shares_a_term() -> None:
    s = signals([0.0, 0.0, 0.0], [0, 0, 0], [0.9, 0.3, 0.6], statute=[1, 1, 1])
    assert base_scores("hybrid", s, Ranking()) == pytest.approx([0.9, 0.3, 0.6])


def test_dense_and_hybrid_need_dense_scores() -> None:
    with pytest.raises(ValueError, match="dense scores"):
        base_scores("hybrid", signals([1.0], [1.0]), Ranking())


def test_role_prior_is_added_per_match_level() -> None:
    scores = np.array([0.5, 0.5, 0.5], F)
    out = with_role_prior(scores, np.array([0, 1, 2], F), Ranking(role_prior=0.2))
    assert out == pytest.approx([0.5, 0.7, 0.9])
    assert with_role_prior(scores, np.zeros(3, F), Ranking()) is scores
    assert with_role_prior(scores, np.array([0, 1, 2], F), Ranking(role_prior=0.2), spread=0.1) == pytest.approx([0.5, 0.52, 0.54])


def test_the_only_article_fully_playing_the_role_comes_first() -> None:
    scores = np.array([0.9, 0.5, 0.3], F)
    allowed = np.ones(3, bool)
    lifted = first_if_only_role(scores, allowed, np.array([0, 0, 2], F), Ranking(role_prior=0.2))
    assert lifted == pytest.approx([0.9, 0.5, 1.1])
    assert first_if_only_role(scores, allowed, np.array([0, 2, 2], F), Ranking()) is scores  # several: the scores decide
    assert first_if_only_role(scores, allowed, np.array([2, 0, 0], F), Ranking()) is scores  # already first
    assert first_if_only_role(scores, allowed, np.array([0, 1, 0], F), Ranking()) is scores  # a partial match
    assert first_if_only_role(scores, np.array([True, True, False]), np.array([0, 0, 2], F), Ranking()) is scores  # out of scope
    s = signals([0.0, 0.0, 0.0], [0.0, 0.0, 0.0], [0.90, 0.84, 0.80], role=[0.0, 0.0, 2.0])
    assert rank("dense", "zh", s, 3, Ranking(role_prior=0.2), Abstention(), abstain=False).docs.tolist() == [2, 0, 1]


def test_the_role_prior_weighs_in_the_units_of_the_score() -> None:
    """Raw cosines span a tenth of a min–max score: the prior is scaled to their range, so a matched
    role breaks near-ties but does not lift a weak article over a much closer one."""
    s = signals([0.0, 0.0, 0.0], [0.0, 0.0, 0.0], [0.90, 0.84, 0.85], role=[0.0, 1.0, 0.0])
    assert raw_cosine("dense", s) and raw_cosine("hybrid", s) and not raw_cosine("bm25", s)
    ranked = rank("dense", "zh", s, 3, Ranking(role_prior=0.2), Abstention(), abstain=False)
    # range 0.06: 0.84 + 0.2 × 0.06 = 0.852 passes 0.85 but not 0.90 (unscaled, 1.04 would lead)
    assert ranked.docs.tolist() == [0, 1, 2]
    assert ranked.scores.tolist() == pytest.approx([0.90, 0.852, 0.85], abs=1e-5)


def test_dense_scores_take_each_articles_best_unit_and_floor_the_rest() -> None:
    # units 0, 1 → article 0; unit 2 → article 2; unit 3 → no article (a stale unit); article 1 unfetched
    unit_docs = np.array([0, 0, 2, -1], np.int64)
    sims = np.array([0.9, 0.8, 0.7, 0.5, -3.4e38], F)
    rows = np.array([1, 2, 0, 3, -1], np.int64)  # FAISS pads with row −1
    out = dense_scores(sims, rows, unit_docs, articles=3)
    # article 0: max(0.9 [unit 1], 0.7 [unit 0]); article 1: the lowest fetched (0.5, the stale unit's); article 2: 0.8
    assert out.dtype == np.float32
    assert out.tolist() == pytest.approx([0.9, 0.5, 0.8])
    assert dense_scores(np.array([], F), np.array([], np.int64), unit_docs, 2).tolist() == [0.0, 0.0]


def test_dense_paragraph_scores_keep_the_best_per_paragraph() -> None:
    unit_docs = np.array([0, 0, 0, 1], np.int64)
    unit_paragraphs = np.array([0, 1, 2, 1], np.int64)  # unit 0 is the whole article
    sims = np.array([0.9, 0.8, 0.6, 0.1], F)
    rows = np.array([0, 2, 1, -1], np.int64)
    assert dense_paragraph_scores(sims, rows, unit_docs, unit_paragraphs) == {0: {2: pytest.approx(0.8), 1: pytest.approx(0.6)}}


def test_evidence_is_scaled_to_the_threshold() -> None:
    s = signals([1.0, 1.0, 0.0], [0.15, 0.6, 0.0], [0.885, 0.4425, 0.0])
    a = Abstention(dense_zh=0.885, dense_en=0.545, lexical_zh=0.3)
    assert evidence("bm25", "zh", s, a) == pytest.approx([0.5, 2.0, 0.0])
    assert evidence("dense", "zh", s, a) == pytest.approx([1.0, 0.5, 0.0])
    assert evidence("hybrid", "zh", s, a) == pytest.approx([1.0, 2.0, 0.0])
    # English questions use dense_en: 0.4425 / 0.545
    assert evidence("dense", "en", s, a)[1] == pytest.approx(0.4425 / 0.545)


def test_a_full_role_match_is_evidence_only_in_scope() -> None:
    s = signals([0, 0, 0], [0, 0, 0], [0, 0, 0], keep=[True, True, False], role=[2, 1, 2])
    assert evidence("hybrid", "zh", s, Abstention()).tolist() == [1.0, 0.0, 0.0]


def test_dense_evidence_is_zero_outside_the_chapter() -> None:
    s = signals([0, 0], [0, 0], [0.9, 0.9], keep=[True, False])
    assert evidence("dense", "zh", s, Abstention(dense_zh=0.9)).tolist() == [1.0, 0.0]


def test_bm25_ranks_only_articles_sharing_a_term_or_a_role() -> None:
    s = signals([0.0, 1.0, 0.0, 2.0], [0, 0.5, 0, 1], [0.1] * 4, keep=[True, True, True, False], role=[0, 0, 1, 0])
    assert eligible("bm25", s).tolist() == [False, True, True, False]
    assert eligible("hybrid", s).tolist() == [True, True, True, False]


def test_top_orders_best_first_and_ties_by_position() -> None:
    scores = np.array([0.5, 0.9, 0.5, -np.inf, 0.7], F)
    allowed = np.array([True, True, True, False, True])
    assert top(scores, allowed, 10).tolist() == [1, 4, 0, 2]
    assert top(scores, allowed, 2).tolist() == [1, 4]


def test_rank_end_to_end() -> None:
    # Four articles; article 3 is outside the chapter. Hybrid with statute prior 0.1 on article 2.
    s = signals(
        [0.0, 2.0, 4.0, 8.0],
        [0.0, 0.15, 0.3, 0.9],
        [0.8, 0.6, 0.4, 1.0],
        keep=[True, True, True, False],
        statute=[0, 0, 1, 0],
    )
    ranked = rank("hybrid", "zh", s, 3, Ranking(), Abstention(dense_zh=0.8, lexical_zh=0.3))
    # dense over all four [0.8, 0.6, 0.4, 1.0] → [2/3, 1/3, 0, 1]; lexical (masked) [0, 2, 4, 0] → [0, 0.5, 1, 0]
    # hybrid: [0.7·2/3, 0.7/3 + 0.15, 0.3 + 0.1, −inf] = [0.4667, 0.3833, 0.4, −inf]
    assert ranked.docs.tolist() == [0, 2, 1]
    assert ranked.scores == pytest.approx([0.46667, 0.4, 0.38333], abs=1e-5)
    # evidence: max(coverage / 0.3, dense / 0.8) = [max(0, 1.0), max(1.0, 0.5), max(0.5, 0.75)]
    assert ranked.evidence == pytest.approx([1.0, 1.0, 0.75])
    assert ranked.deciding == pytest.approx(ranked.evidence)
    assert ranked.best == pytest.approx(1.0) and ranked.answers
    assert ranked.signals == {"lexical": 0.3, "dense": 0.8}


def test_rank_with_abstention_off_decides_on_any_signal() -> None:
    s = signals([1.0, 0.0, 0.0], [0.03, 0.0, 0.0], [0.1, 0.2, 5e-10])
    on = rank("hybrid", "zh", s, 3, Ranking(), Abstention())
    assert not on.answers and on.best == pytest.approx(0.2 / 0.885)
    off = rank("hybrid", "zh", s, 3, Ranking(), Abstention(), abstain=False)
    assert off.answers and off.evidence == pytest.approx(on.evidence)
    # per 1e-9 of signal, one unit of evidence: a cosine of 5e-10 is noise (0.5 < 0.9, not shown)
    by_doc = dict(zip(off.docs.tolist(), off.deciding.tolist()))
    assert by_doc[0] == pytest.approx(1e8) and by_doc[1] == pytest.approx(2e8) and by_doc[2] == pytest.approx(0.5)


def test_rank_reports_role_matches() -> None:
    s = signals([0.0, 0.0], [0.0, 0.0], role=[2, 0])
    ranked = rank("bm25", "zh", s, 5, Ranking(role_prior=0.2), Abstention())
    assert ranked.docs.tolist() == [0]  # the only eligible article: it plays the role
    assert ranked.scores == pytest.approx([0.4]) and ranked.evidence.tolist() == [1.0]
    assert ranked.signals == {"lexical": 0.0, "role": 1.0}


def test_squash_maps_the_threshold_to_one_half() -> None:
    assert squash(1.0) == 0.5
    assert squash(1.25) == round(1 / (1 + np.exp(-2)), 3) == 0.881
    assert squash(0.0) == 0.0 and squash(3.0) == 1.0


@pytest.mark.parametrize(("value", "label"), [(2.0, "high"), (1.2, "high"), (1.19, "medium"), (1.0, "medium"), (0.99, "low"), (0.0, "low")])
def test_relevance_from_evidence(value: float, label: str) -> None:
    assert relevance(value) == label


def test_coverage_through_chinese_renderings_counts_cross_weight() -> None:
    s = signals([1.0, 1.0], [0.5, 0.5], dense=[0.1, 0.1])
    s = ArticleSignals(s.keep, s.lexical, s.coverage, s.dense, s.statute, s.role_match, cross=np.array([False, True]))
    a = Abstention(lexical_en=0.3, cross_weight=0.6)
    assert s.coverage_in("en", a).tolist() == pytest.approx([0.5, 0.3])
    assert s.coverage_in("zh", a).tolist() == [0.5, 0.5]  # Chinese questions never use the channel
    assert evidence("bm25", "en", s, a).tolist() == pytest.approx([0.5 / 0.3, 1.0])


def test_english_coverage_of_our_translation_is_judged_by_its_own_threshold() -> None:
    # Article 0 is translated (coverage of its English words), article 1 matched through CC-CEDICT renderings.
    plain = signals([1.0, 1.0], [0.4, 0.5], dense=[0.1, 0.1])
    s = ArticleSignals(plain.keep, plain.lexical, plain.coverage, plain.dense, plain.statute, plain.role_match, cross=np.array([False, True]))
    a = Abstention(lexical_en=0.85, lexical_translated=0.3, cross_weight=0.6)
    assert s.translated("en").tolist() == [True, False] and not s.translated("zh").any()
    assert evidence("bm25", "en", s, a).tolist() == pytest.approx([0.4 / 0.3, 0.5 * 0.6 / 0.85])
    assert s.reported_coverage("en", a) == {"lexical": 0.3, "translated": 0.4}
    assert s.reported_coverage("zh", a) == {"lexical": 0.5}
    assert rank("bm25", "en", s, 2, Ranking(), a).answers  # a calibrated lexical_en cannot silence the translation
    # Without renderings (every article translated, or no word rendered) all English coverage is of our translation.
    assert signals([1.0], [0.4], dense=[0.1]).translated("en").tolist() == [True]


def test_adapted_cosines_order_and_base_cosines_decide() -> None:
    # The adapted cosines (dense) put article 1 first; the base ones (0.9 / 0.5 over the 0.885 threshold) are the evidence.
    plain = signals([0.0, 0.0], [0.0, 0.0], [0.2, 0.3])
    s = ArticleSignals(plain.keep, plain.lexical, plain.coverage, plain.dense, plain.statute, plain.role_match, dense_base=np.array([0.9, 0.5], F))
    ranked = rank("dense", "zh", s, 2, Ranking(), Abstention())
    assert ranked.docs.tolist() == [1, 0] and ranked.answers
    assert ranked.evidence.tolist() == pytest.approx([0.5 / 0.885, 0.9 / 0.885])
    assert ranked.signals["dense"] == 0.9
    assert not rank("dense", "zh", plain, 2, Ranking(), Abstention()).answers  # the adapted cosines alone would abstain


def test_a_quantity_question_abstains_when_no_best_article_states_one() -> None:
    plain = signals([1.0, 0.5, 0.2, 0.1], [0.9, 0.5, 0.2, 0.1], dense=[0.95, 0.9, 0.8, 0.7])
    none_states = replace(plain, quantity=np.array([False, False, False, True]))
    ranked = rank("hybrid", "zh", none_states, 4, Ranking(), Abstention())
    assert not ranked.answers and ranked.signals["no_quantity"] == 1.0  # only the fourth article states one
    assert rank("hybrid", "zh", none_states, 4, Ranking(), Abstention(quantity_veto=False)).answers
    assert rank("hybrid", "zh", none_states, 4, Ranking(), Abstention(), abstain=False).answers
    second = replace(plain, quantity=np.array([False, True, False, False]))
    assert rank("hybrid", "zh", second, 4, Ranking(), Abstention()).answers and "no_quantity" not in rank("hybrid", "zh", second, 4, Ranking(), Abstention()).signals
    assert rank("hybrid", "zh", plain, 4, Ranking(), Abstention()).answers  # not a quantity question
