"""The one definition of each measure (qa.measure.metrics), against hand-computed values."""

from __future__ import annotations

import math

from qa.measure.metrics import COMPARED_RETRIEVERS, Percentiles, first_rank, hit_at, mean, percentile, question_weighted, recall_at, reciprocal_rank, share
from qa.measure.stard import Scores
from qa.search.searcher import RETRIEVERS
from qa.train.evaluate import DenseScores


def test_percentiles_are_nearest_rank() -> None:
    stats = Percentiles.of([float(i) for i in range(1, 101)])
    assert (stats.p50, stats.p95, stats.p99, stats.n) == (50.0, 95.0, 99.0, 100)
    assert stats.mean == 50.5
    assert percentile([3.0, 1.0, 2.0], 50) == 2.0 and percentile([1.0, 2.0], 50) == 1.0  # observed values, never interpolated
    assert percentile([1.0, 2.0, 3.0, 4.0], 95) == 4.0 and percentile([7.0], 99) == 7.0
    assert math.isnan(percentile([], 50)) and Percentiles.of([]).n == 0


def test_ranking_measures() -> None:
    ranked = ["a", "b", "c", "d"]
    assert first_rank(ranked, {"c", "d"}) == 3 and first_rank(ranked, {"z"}) is None
    assert hit_at(3, 3) and not hit_at(4, 3) and not hit_at(None, 10)
    assert reciprocal_rank(4) == 0.25 and reciprocal_rank(11) == 0.0 and reciprocal_rank(None) == 0.0
    assert recall_at(ranked, {"b", "d", "z"}, 2) == 1 / 3 and recall_at(ranked, {"b", "d"}, 4) == 1.0
    assert share([True, False, False, True]) == 0.5 and mean([1.0, 2.0]) == 1.5


def test_every_retriever_is_compared_parts_first() -> None:
    assert sorted(COMPARED_RETRIEVERS) == sorted(RETRIEVERS)
    assert COMPARED_RETRIEVERS == ("dense", "bm25", "hybrid")


def test_parts_are_pooled_weighted_by_their_questions() -> None:
    folds = [DenseScores(1, 1.0, 1.0, 1.0, 1.0), DenseScores(3, 0.0, 0.5, 0.0, 0.25)]
    assert question_weighted(folds) == DenseScores(4, 0.25, 0.625, 0.25, 0.4375)
    hybrid = [Scores("hybrid", 2, 0.5, 0.5, 1.0, 0.0, 0.1, 10.0, 20.0), Scores("hybrid", 1, 0.2, 0.8, 1.0, 1.0, 0.4, 40.0, 50.0)]
    pooled = question_weighted(hybrid)
    assert (pooled.retriever, pooled.questions, pooled.recall_at_5, pooled.recall_at_10, pooled.hit_at_1, pooled.p50_ms) == ("hybrid", 3, 0.4, 0.6, 0.3333, 20.0)
    assert math.isnan(question_weighted([DenseScores(0, 0.0, 0.0, 0.0, 0.0)]).recall_at_10)
