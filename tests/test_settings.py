"""The settings of a search: today's numbers, and the variants measurements make of them."""

from __future__ import annotations

from qa.search.settings import COLLECTION_ROLE_PRIOR, DENSE_CANDIDATES, NEAR_MISS, NOISE, Abstention, Ranking, ranking_for


def test_settings_keep_todays_numbers() -> None:
    assert (Ranking().hybrid_weight, Ranking().statute_prior, Ranking().role_prior) == (0.7, 0.1, 0.4)
    assert (Ranking().dense_candidates, Ranking().coverage_candidates) == (DENSE_CANDIDATES, 200) == (256, 200)
    a = Abstention()
    assert (a.dense_zh, a.dense_en, a.lexical_zh, a.lexical_en, a.secondary_evidence, a.role_coverage) == (0.885, 0.55, 0.3, 0.3, 0.9, 0.5)
    assert a.dense("zh") == 0.885 and a.dense("en") == 0.55 and a.lexical("zh") == 0.3 and a.lexical("en") == 0.3 and a.cross_weight == 0.6


def test_a_collection_keeps_the_role_prior_set_a_priori() -> None:
    assert ranking_for("e5+use") == Ranking() and Ranking().role_prior == 0.4
    assert ranking_for("e5+use", regulations=2).role_prior == COLLECTION_ROLE_PRIOR == 0.2
    assert ranking_for("gemma", regulations=2) == ranking_for("gemma")


def test_abstention_off_keeps_the_rest_of_the_settings() -> None:
    off = Abstention(secondary_evidence=0.8, role_coverage=0.4).off()
    assert (off.dense_zh, off.dense_en, off.lexical_zh, off.lexical_en, off.lexical_translated) == (NOISE,) * 5
    assert (off.secondary_evidence, off.role_coverage) == (0.8, 0.4)


def test_dense_top_asks_for_four_units_per_ranked_article_at_least_the_candidates() -> None:
    assert Ranking().dense_top(units=10_000, limit=20) == 256
    assert Ranking().dense_top(units=10_000, limit=100) == 400
    assert Ranking().dense_top(units=50, limit=20) == 50


def test_a_folds_thresholds_replace_only_the_four_calibrated_fields() -> None:
    from qa.search.confidence import Confidence

    chosen = Abstention(dense_zh=0.8, dense_en=0.5, lexical_zh=0.4, lexical_en=0.6, near_miss_zh=0.5)
    mine = Abstention(cross_weight=0.9, confidence=Confidence(None, None, "mine"))
    held = mine.with_thresholds(chosen)
    assert held.thresholds() == chosen.thresholds() == {"dense_zh": 0.8, "dense_en": 0.5, "lexical_zh": 0.4, "lexical_en": 0.6}
    assert (held.cross_weight, held.near_miss_zh, held.confidence) == (0.9, NEAR_MISS[0], None)
    assert mine.with_thresholds(chosen, mine.confidence).confidence == mine.confidence
