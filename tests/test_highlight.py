"""Best paragraph and marked sentences, on a small article with hand-made word sets and weights."""

from __future__ import annotations

import pytest

from qa.corpus.model import Article, Chapter, Paragraph, Regulation
from qa.search.highlight import MAX_CITED, article_hit, best_paragraphs, highlights
from qa.search.types import Highlight

P1 = "甲乙丙。丁戊。"
P2 = "己庚。辛壬癸。子丑。"
ARTICLE = Article(7, (Paragraph(1, P1, "One."), Paragraph(2, P2, "Two.")), chapter=2)
REGULATION = Regulation("r", "某某条例", (ARTICLE,), chapters=(Chapter(2, "第二章标题", "Chapter two"),))
#: The words of each sentence (what LexicalIndex tokenises once).
SETS = (
    (frozenset({"甲", "乙"}), frozenset({"丁"})),
    (frozenset({"己"}), frozenset({"辛", "壬"}), frozenset({"子"})),
)


def test_one_paragraph_is_the_best_paragraph() -> None:
    assert best_paragraphs(SETS[:1], [("x", 1.0)], {}) == (1,)


def test_best_paragraph_by_word_overlap() -> None:
    # coverage: paragraph 1 holds 甲 (1) of 甲+辛+壬 (1+2+2 = 5) → 0.2; paragraph 2 holds 辛, 壬 → 0.8
    assert best_paragraphs(SETS, [("甲", 1.0), ("辛", 2.0), ("壬", 2.0)], {}) == (2,)


def test_best_paragraph_mixes_scaled_cosines_and_overlap() -> None:
    terms = [("甲", 3.0), ("辛", 1.0)]  # overlap: paragraph 1 0.75, paragraph 2 0.25
    # cosines 0.9 and 0.5 → scaled 1 and 0: 0.6·1 + 0.4·0.75 = 0.9 against 0.6·0 + 0.4·0.25 = 0.1
    assert best_paragraphs(SETS, terms, {1: 0.9, 2: 0.5}) == (1,)
    # cosines reversed: 0.6·0 + 0.4·0.75 = 0.3 against 0.6·1 + 0.4·0.25 = 0.7
    assert best_paragraphs(SETS, terms, {1: 0.5, 2: 0.9}) == (2,)
    # a paragraph without its own vector scores as the lowest cosine: 0.4·0.75 = 0.3 against 0.4·0.25 = 0.1
    assert best_paragraphs(SETS, terms, {2: 0.9}) == (1,)


def test_ties_go_to_the_first_paragraph() -> None:
    assert best_paragraphs(SETS, [("丑", 1.0)], {}) == (1,)


def test_sentences_with_half_the_best_coverage_are_marked() -> None:
    # sentence coverage in paragraph 2: 己 0.2, 辛+壬 0.6, 子 0.2 — best 0.6, half is 0.3
    terms = [("己", 1.0), ("辛", 1.0), ("壬", 2.0), ("子", 1.0)]
    assert highlights(ARTICLE, 2, SETS, terms) == [Highlight(2, 3, 7, "辛壬癸。")]
    # 己 raised to 0.4 of 1.5+1+2+0.5 = 0.3 ≥ half of 辛+壬's 0.6
    terms = [("己", 1.5), ("辛", 1.0), ("壬", 2.0), ("子", 0.5)]
    assert [h.text for h in highlights(ARTICLE, 2, SETS, terms)] == ["己庚。", "辛壬癸。"]


def test_no_shared_word_marks_the_whole_paragraph_or_nothing() -> None:
    assert [h.text for h in highlights(ARTICLE, 1, SETS, [("无", 1.0)])] == ["甲乙丙。", "丁戊。"]
    assert highlights(ARTICLE, 1, SETS, [("无", 1.0)], whole_paragraph=False) == []


@pytest.mark.parametrize("paragraph", [0, 3])
def test_paragraphs_outside_the_article_mark_nothing(paragraph: int) -> None:
    assert highlights(ARTICLE, paragraph, SETS, [("甲", 1.0)]) == []


def test_spans_index_the_paragraph_text() -> None:
    for h in highlights(ARTICLE, 2, SETS, [("子", 1.0)]):
        assert ARTICLE.paragraphs[h.paragraph - 1].text[h.start : h.end] == h.text == "子丑。"


def test_article_hit_carries_text_citation_and_relevance() -> None:
    hit = article_hit(REGULATION, ARTICLE, SETS, score=0.123456, via="hybrid", terms=[("辛", 1.0)], relevance="medium")
    assert (hit.article, hit.chapter, hit.chapter_title, hit.chapter_title_en) == (7, 2, "第二章标题", "Chapter two")
    assert hit.score == 0.1235 and hit.relevance == "medium" and hit.via == "hybrid"
    assert hit.matched_paragraphs == (2,)
    assert hit.citation == "《某某条例》第七条第二款"
    assert hit.paragraphs == (P1, P2) and hit.paragraphs_en == ("One.", "Two.")
    assert [h.text for h in hit.highlights] == ["辛壬癸。"]


def test_a_cited_article_marks_only_the_cited_paragraph() -> None:
    whole = article_hit(REGULATION, ARTICLE, SETS, score=1.0, via="citation")
    assert whole.matched_paragraphs == () and whole.highlights == () and whole.citation == "《某某条例》第七条"
    assert whole.relevance == "high"
    one = article_hit(REGULATION, ARTICLE, SETS, score=1.0, via="citation", matched=(1,))
    assert {h.paragraph for h in one.highlights} == {1} and one.citation == "《某某条例》第七条第一款"


def test_hit_to_dict_adds_text_and_keeps_english_apart() -> None:
    data = article_hit(REGULATION, ARTICLE, SETS, score=1.0, via="citation").to_dict()
    assert data["text"] == P1 + "\n" + P2
    assert data["paragraphs_en_unofficial"] == ("One.", "Two.") and "paragraphs_en" not in data
    assert data["relevance"] == "high"


PENALTY = Article(5, (Paragraph(1, "违反本条例第二条、第三条和本条例第九十九条规定的，依照本条例第五条处理。"),), chapter=2)
DUTY = Article(2, (Paragraph(1, "不得设置地锁。"), Paragraph(2, "第二款。")), chapter=2)
OTHER = Article(3, (Paragraph(1, "应当备案。"),), chapter=2)
CITING = Regulation("c", "某某条例", (DUTY, OTHER, PENALTY), chapters=(Chapter(2, "第二章标题", "Chapter two"),))


def test_a_hit_carries_the_articles_it_cites_by_number_verbatim() -> None:
    hit = article_hit(CITING, PENALTY, ((frozenset(),),), score=1.0, via="hybrid")
    # itself (第五条) and an article the regulation lacks (第九十九条) are left out; number order
    assert [c.article for c in hit.cites] == [2, 3]
    duty = hit.cites[0]
    assert duty.paragraphs == ("不得设置地锁。", "第二款。") and duty.paragraphs_en is None
    assert duty.citation == "《某某条例》第二条" and duty.chapter_title == "第二章标题"
    assert hit.to_dict()["cites"][0]["text"] == "不得设置地锁。\n第二款。"


def test_at_most_max_cited_articles_are_shown_and_plain_articles_cite_none() -> None:
    many = Article(9, (Paragraph(1, "违反本条例第一条、第二条、第三条、第四条、第五条、第六条规定的，处罚款。"),))
    articles = tuple(Article(n, (Paragraph(1, f"第{n}条的文字。"),)) for n in range(1, 7)) + (many,)
    hit = article_hit(Regulation("m", "某某条例", articles), many, ((frozenset(),),), score=1.0, via="hybrid")
    assert [c.article for c in hit.cites] == list(range(1, MAX_CITED + 1))
    assert article_hit(CITING, DUTY, SETS, score=1.0, via="hybrid").cites == ()
