"""The lexical index over a small made-up library: keys, statutes, idf weights, BM25, coverage, roles."""

from __future__ import annotations

import math

import numpy as np
import pytest

from qa.corpus.model import Article, Chapter, FrontMatter, Paragraph, Regulation
from qa.index.lexical import LexicalIndex, coverage, is_statute, top_positive
from qa.lang.text import token_set, tokens


def article(number: int, *texts: str, chapter: int | None = 1, english: tuple[str, ...] | None = None, suffix: int = 0) -> Article:
    en = english or (None,) * len(texts)
    return Article(number, tuple(Paragraph(n, t, e) for n, (t, e) in enumerate(zip(texts, en), 1)), chapter=chapter, suffix=suffix)


STATUTE = Regulation(
    "law",
    "中华人民共和国电池回收法",
    (
        article(1, "为了规范电池回收，制定本法。"),
        article(2, "本法所称动力电池，是指新能源汽车使用的电池。", english=("Power batteries are the batteries of new energy vehicles.",)),
        article(2, "回收企业应当登记。", chapter=2, suffix=1),
    ),
    chapters=(Chapter(1, "总则"), Chapter(2, "回收")),
    front=(FrontMatter("announcement", ("电池回收法公告全文。",)),),
)
RULES = Regulation("rules", "电池回收法实施条例", (article(1, "回收网点应当公示地址。充电设施应当安全。", chapter=None),))


@pytest.fixture(scope="module")
def index() -> LexicalIndex:
    return LexicalIndex.build([STATUTE, RULES])


def test_statutes_are_laws_and_codes() -> None:
    assert is_statute("中华人民共和国劳动合同法") and is_statute("中华人民共和国民法典")
    assert not is_statute("劳动合同法实施条例") and not is_statute("最高人民法院关于适用《中华人民共和国民法典》的解释")


def test_coverage_is_the_weighted_share_of_terms_present() -> None:
    terms = [("a", 1.0), ("b", 3.0), ("c", 4.0)]
    assert coverage(terms, {"b", "c", "z"}) == 7 / 8
    assert coverage(terms, set()) == 0.0 and coverage([], {"a"}) == 0.0


def test_top_positive_keeps_only_positive_values() -> None:
    values = np.array([0.0, 3.0, -1.0, 2.0, 5.0], np.float32)
    assert sorted(top_positive(values, 10).tolist()) == [1, 3, 4]
    assert sorted(top_positive(values, 2).tolist()) == [1, 4]


def test_keys_chapters_and_statutes_per_article(index: LexicalIndex) -> None:
    assert len(index) == 4
    assert index.keys == [(0, 1, 0), (0, 2, 0), (0, 2, 1), (1, 1, 0)]
    assert index.chapters.tolist() == [1, 1, 2, 0]
    assert index.statute.tolist() == [1.0, 1.0, 1.0, 0.0]
    assert LexicalIndex.build([STATUTE]).statute.tolist() == [0.0, 0.0, 0.0]  # one regulation: no prior


def test_context_is_the_title_and_chapter_in_a_collection(index: LexicalIndex) -> None:
    assert index.contexts == ["电池回收法 总则", "电池回收法 总则", "电池回收法 回收", "电池回收法实施条例"]


def test_sentence_sets_are_each_sentences_tokens(index: LexicalIndex) -> None:
    assert index.sentence_sets[3] == ((frozenset(tokens("回收网点应当公示地址。")), frozenset(tokens("充电设施应当安全。"))),)
    assert index.words(3) == token_set("电池回收法实施条例") | token_set("回收网点应当公示地址。") | token_set("充电设施应当安全。")


def test_terms_are_weighted_by_idf(index: LexicalIndex) -> None:
    weights = dict(index.weighted_terms("回收网点 公示 xylophone"))
    assert weights["网点"] == pytest.approx(math.log(1 + 4 / (1 + 1)))  # in one article of four
    assert weights["回收"] == pytest.approx(math.log(1 + 4 / (1 + 4)))  # in every article (its context)
    assert weights["xylophone"] == pytest.approx(math.log(1 + 4))  # in none


def test_bm25_and_coverage(index: LexicalIndex) -> None:
    terms = index.weighted_terms("回收网点公示")
    scores, covered = index.scores(terms, "zh")
    assert scores.dtype == np.float32 and int(np.argmax(scores)) == 3
    assert covered[3] == pytest.approx(coverage(terms, index.words(3)))
    assert covered[3] > covered[0] > 0
    _, only_best = index.scores(terms, "zh", candidates=1)
    assert np.flatnonzero(only_best).tolist() == [3]
    zero, none = index.scores([], "zh")
    assert not zero.any() and not none.any()


def test_english_questions_search_the_translations(index: LexicalIndex) -> None:
    assert index.en_docs == [1]
    terms = index.weighted_terms("What are power batteries?")
    scores, covered = index.scores(terms, "en")
    assert np.flatnonzero(scores).tolist() == [1] and covered[1] > 0
    unknown, _ = index.scores(index.weighted_terms("parking fees"), "en")
    assert not unknown.any()


def test_role_match_needs_the_rest_of_the_question(index: LexicalIndex) -> None:
    assert index.role_docs["purpose"].tolist() == [0] and index.role_docs["definition"].tolist() == [1]
    definition = frozenset({"definition"})
    assert index.role_match(definition, [], 0.5).tolist() == [0, 2, 0, 0]
    assert index.role_match(definition, index.weighted_terms("动力电池"), 0.5).tolist() == [0, 2, 0, 0]
    assert index.role_match(definition, index.weighted_terms("停车收费"), 0.5).tolist() == [0, 1, 0, 0]
    # the English words of a translated article count too
    assert index.role_match(definition, index.weighted_terms("power batteries"), 0.5).tolist() == [0, 2, 0, 0]


def test_front_matter_words(index: LexicalIndex) -> None:
    assert index.front_keys == [(0, 0)]
    assert index.front_words == [token_set("电池回收法公告全文。") | token_set("")]


def test_an_empty_library_builds() -> None:
    empty = LexicalIndex.build([])
    assert len(empty) == 0 and empty.bm25_en is None
    scores, covered = empty.scores([("x", 1.0)], "zh")
    assert scores.size == covered.size == 0
