"""qa.search.confidence: features worked out by hand, the logistic probability, and its place in rank()."""

from __future__ import annotations

import json
import math
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from qa.search.confidence import DEFAULT_PATH, FEATURES, Confidence, LanguageModel, features, load
from qa.search.fusion import ArticleSignals, rank
from qa.search.settings import Abstention, Ranking

F = np.float32


def signals(dense: list[float], lexical: list[float], coverage: list[float], *, role: list[float] | None = None,
            keep: list[bool] | None = None, cross: list[bool] | None = None) -> ArticleSignals:
    n = len(dense)
    return ArticleSignals(
        keep=np.array(keep or [True] * n), lexical=np.array(lexical, F), coverage=np.array(coverage, F),
        dense=np.array(dense, F), statute=np.zeros(n, F), role_match=np.array(role or [0.0] * n, F),
        cross=None if cross is None else np.array(cross),
    )


def model(weights: list[float], intercept: float = 0.0, threshold: float = 0.5) -> LanguageModel:
    n = len(FEATURES)
    return LanguageModel(intercept, tuple(weights), (0.0,) * n, (1.0,) * n, threshold)


def test_features_by_hand() -> None:
    # dense 0.9, 0.8, 0.7, 0.6: best 0.9, margin 0.1, mean 0.75, std sqrt(0.0125) = 0.1118 → spread 1.3416.
    # Coverage best 0.5 (article 3), of the dense-best article 0.2; BM25 best is article 3, not the dense-best.
    x = features(signals([0.9, 0.8, 0.7, 0.6], [1.0, 0.0, 3.0, 0.0], [0.2, 0.0, 0.5, 0.0]), "zh", 0.6)
    assert x == pytest.approx([0.9, 0.1, 0.15 / math.sqrt(0.0125), 0.5, 0.2, 0.0, 0.0], abs=1e-4)


def test_features_agree_role_scope_and_cross_weight() -> None:
    # Out-of-scope article 0 (keep False) is ignored: the best in scope is article 1 (0.8), 2nd 0.7.
    s = signals([0.95, 0.8, 0.7], [9.0, 2.0, 1.0], [0.9, 0.5, 0.1], keep=[False, True, True], role=[2.0, 0.0, 2.0], cross=[False, True, False])
    zh = features(s, "zh", 0.6)
    assert zh[0] == pytest.approx(0.8) and zh[1] == pytest.approx(0.1) and zh[3] == pytest.approx(0.5)
    assert zh[5] == 1.0 and zh[6] == 1.0  # BM25 also prefers article 1; article 2 plays the role
    en = features(s, "en", 0.6)  # article 1's coverage came through CC-CEDICT renderings: 0.5 × 0.6
    assert en[3] == pytest.approx(0.3) and en[4] == pytest.approx(0.3)


def test_features_without_dense_scores_or_articles_are_zero() -> None:
    s = replace(signals([0.5], [1.0], [1.0]), dense=None)
    assert not features(s, "zh", 0.6).any()
    assert not features(signals([0.5], [1.0], [1.0], keep=[False]), "zh", 0.6).any()


def test_probability_is_the_logistic_of_the_standardised_sum() -> None:
    m = LanguageModel(-1.0, (2.0, 0, 0, 0, 0, 0, 0), (0.5,) * 7, (0.25,) * 7, 0.5)
    x = np.array([1.0, 0, 0, 0, 0, 0, 0])  # z = -1 + 2 · (1 − 0.5) / 0.25 = 3
    assert m.probability(x) == pytest.approx(1 / (1 + math.exp(-3)))


def test_rank_abstains_by_the_model_when_one_is_set() -> None:
    s = signals([0.95, 0.3], [1.0, 0.0], [1.0, 0.0])  # clears both thresholds by far
    assert rank("hybrid", "zh", s, 2, Ranking(), Abstention()).answers
    never = Confidence(model([0.0] * 7, -5.0), model([0.0] * 7, -5.0))  # P = σ(−5) < 0.5 always
    ranked = rank("hybrid", "zh", s, 2, Ranking(), Abstention(confidence=never))
    assert not ranked.answers and ranked.signals["p_answerable"] == pytest.approx(1 / (1 + math.exp(5)), abs=1e-4)
    assert rank("hybrid", "zh", s, 2, Ranking(), Abstention(confidence=never), abstain=False).answers
    assert rank("bm25", "zh", s, 2, Ranking(), Abstention(confidence=never)).answers  # no dense signals: the thresholds decide


def test_json_round_trip_and_feature_check(tmp_path: Path) -> None:
    c = Confidence(model([1.0] * 7, 0.5, 0.4), model([-1.0] * 7, 0.1, 0.6), "test")
    path = tmp_path / "c.json"
    path.write_text(json.dumps(c.to_dict()), encoding="utf-8")
    assert load(path) == c and hash(load(path)) == hash(c)
    path.write_text(json.dumps(c.to_dict() | {"features": ["dense"]}), encoding="utf-8")
    with pytest.raises(ValueError, match="features"):
        load(path)


def test_committed_model_loads_with_its_provenance() -> None:
    committed = load(DEFAULT_PATH)
    assert "tests/eval/sets.json" in committed.provenance and "out-of-fold" in committed.provenance
    assert committed.languages == ("en",)
    assert 0 < committed.model("en").threshold < 1


def test_a_model_of_one_language_leaves_the_other_to_the_thresholds(tmp_path: Path) -> None:
    s = signals([0.95, 0.3], [1.0, 0.0], [1.0, 0.0])  # clears both thresholds by far
    english = Confidence(None, model([0.0] * 7, -5.0), "en only")  # abstains on every English question
    assert english.languages == ("en",) and english.covers("en") and not english.covers("zh")
    with pytest.raises(ValueError, match="covers en, not zh"):
        english.model("zh")
    assert rank("hybrid", "zh", s, 2, Ranking(), Abstention(confidence=english)).answers
    assert "p_answerable" not in rank("hybrid", "zh", s, 2, Ranking(), Abstention(confidence=english)).signals
    assert not rank("hybrid", "en", s, 2, Ranking(), Abstention(confidence=english)).answers
    path = tmp_path / "en.json"
    path.write_text(json.dumps(english.to_dict()), encoding="utf-8")
    assert json.loads(path.read_text())["zh"] is None and load(path) == english


def test_each_model_decides_english_by_its_committed_model() -> None:
    from qa.search.confidence import GEMMA_PATH
    from qa.search.settings import MODEL_ABSTENTION, abstention_for

    for name, path, thresholds in (("gemma", GEMMA_PATH, MODEL_ABSTENTION["gemma"]), ("e5+use", DEFAULT_PATH, Abstention())):
        found = abstention_for(name)
        assert found.confidence is not None and found.confidence.languages == ("en",)
        assert found.confidence == load(path) and f"model {name}" in found.confidence.provenance and "languages en" in found.confidence.provenance
        assert replace(found, confidence=None) == thresholds
    assert abstention_for(None) == Abstention()


def test_what_a_reader_sees_agrees_with_the_model_that_decided() -> None:
    """Relevance labels and the answer's confidence are read off the evidence against the threshold; when the
    model decides otherwise than the thresholds would, the best evidence is shown on the model's side of 1.0."""
    from qa.search.fusion import squash
    from qa.search.settings import DISAGREED

    strong = signals([0.95, 0.3], [1.0, 0.0], [1.0, 0.0])  # clears the English thresholds by far
    weak = signals([0.2, 0.1], [0.0, 0.0], [0.0, 0.0])  # far below them
    never = Abstention(confidence=Confidence(None, model([0.0] * 7, -5.0), "abstains"))
    always = Abstention(confidence=Confidence(None, model([0.0] * 7, 5.0), "answers"))
    refused = rank("hybrid", "en", strong, 2, Ranking(), never)
    assert not refused.answers and refused.best >= 1.0 and refused.best * refused.display == pytest.approx(DISAGREED)
    assert squash(refused.best * refused.display) < 0.5
    taken = rank("hybrid", "en", weak, 2, Ranking(), always)
    assert taken.answers and 0 < taken.best < 1.0 and taken.best * taken.display == pytest.approx(1.0)
    agreed = [rank("hybrid", "en", strong, 2, Ranking(), always), rank("hybrid", "en", weak, 2, Ranking(), never)]
    assert [r.display for r in agreed] == [1.0, 1.0]
    assert rank("hybrid", "zh", strong, 2, Ranking(), never).display == 1.0  # the thresholds decide Chinese
