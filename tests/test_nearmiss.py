"""Near misses: an abstention may name the nearest article as a place to look, never as an answer."""

from __future__ import annotations

from pathlib import Path

import pytest

from qa.corpus.library import default_corpus, load_library
from qa.search import Abstention, Searcher


@pytest.fixture(scope="module")
def lexical() -> Searcher:
    # BM25 only, so the evidence is the term coverage over lexical_zh: 0.32 for the charging-price question.
    return Searcher(load_library(default_corpus()), embedder=None, abstention=Abstention(lexical_zh=0.35, near_miss_zh=0.9), log=lambda m: None, progress=False)


def test_a_close_abstention_names_the_nearest_article(lexical: Searcher) -> None:
    answer = lexical.search("公共充电桩一度电收多少钱？")
    assert answer.abstained and answer.hits == ()
    assert answer.related == ("《安徽省新能源汽车产业集群发展条例》第三十五条",)
    assert answer.message is not None and answer.message.endswith("最接近的是第六章 支撑保障 第三十五条，但它没有直接回答这个问题。")
    assert answer.message_en is not None and "The nearest is Chapter 6" in answer.message_en and "Article 35; it does not answer" in answer.message_en
    assert list(answer.to_dict()["related"]) == ["《安徽省新能源汽车产业集群发展条例》第三十五条"]


def test_far_or_unrelated_questions_name_nothing(lexical: Searcher) -> None:
    assert lexical.search("离婚时房产怎么分？").related == ()  # shares no term
    weak = lexical.search("新能源车在公共停车场能免停车费吗？")  # 0.25 / 0.35 = 0.72 of the threshold
    assert weak.abstained and weak.related == ()


def test_answers_carry_no_related_articles(lexical: Searcher) -> None:
    assert lexical.search("第三十五条").related == () and lexical.search("动力电池回收利用体系").related == ()
