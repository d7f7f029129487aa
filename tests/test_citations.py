"""Citations resolved to articles (or the reason why not), and front-matter hits.

Direct tests on a small made-up collection, then the lookups through ``Searcher.search`` on the
bundled corpus.
"""

from __future__ import annotations

import pytest

from qa.corpus.model import Article, Chapter, FrontMatter, Paragraph, Regulation
from qa.index.lexical import LexicalIndex
from qa.lang.cite import find_citation
from qa.search import messages
from qa.search.citations import Citations, Resolved, contents_hit, front_hit, title_forms
from qa.search.searcher import Searcher


def article(number: int, paragraphs: int = 1, suffix: int = 0) -> Article:
    return Article(number, tuple(Paragraph(n, f"第{n}款的文字。") for n in range(1, paragraphs + 1)), chapter=1, suffix=suffix)


LAW = Regulation(
    "law",
    "中华人民共和国示例法",
    (article(1), article(2, paragraphs=2), article(2, suffix=1)),
    chapters=(Chapter(1, "总则", "General Provisions"),),
    front=(FrontMatter("announcement", ("公告：本法已通过。",)),),
    declared_articles=3,
)
RULES = Regulation("rules", "示例法实施条例", (article(1), article(5)), declared_articles=9)
LIBRARY = [LAW, RULES]


@pytest.fixture(scope="module")
def citations() -> Citations:
    return Citations(LIBRARY, [a for reg in LIBRARY for a in reg.articles], LexicalIndex.build(LIBRARY))


def resolve(citations: Citations, text: str) -> Resolved:
    citation = citations.find(text)
    assert citation is not None, text
    return citations.resolve(citation, text)


def test_title_forms_drop_the_prc_prefix() -> None:
    assert title_forms("中华人民共和国示例法") == ("中华人民共和国示例法", "示例法")
    assert title_forms("示例法实施条例") == ("示例法实施条例",)


def test_titles_are_tried_longest_first(citations: Citations) -> None:
    assert citations.titles[0] == "《中华人民共和国示例法》"
    assert [len(t) for t in citations.titles] == sorted((len(t) for t in citations.titles), reverse=True)


def test_named_regulations_prefer_the_longest_title(citations: Citations) -> None:
    assert citations.named_regulations("示例法第一条") == [0]
    assert citations.named_regulations("示例法实施条例第一条") == [1]
    assert citations.named_regulations("第一条") == []


def test_a_named_regulations_article(citations: Citations) -> None:
    assert resolve(citations, "《示例法实施条例》第五条") == Resolved(4)
    assert resolve(citations, "示例法第二条第二款") == Resolved(1, paragraph=2)
    assert resolve(citations, "示例法第二条之一") == Resolved(2)


def test_an_article_only_one_regulation_has(citations: Citations) -> None:
    assert resolve(citations, "第五条") == Resolved(4)


def test_an_article_several_regulations_have_needs_the_title(citations: Citations) -> None:
    assert resolve(citations, "第一条") == Resolved(None, problem=messages.name_the_regulation(2, "Article 1"))


def test_a_paragraph_beyond_the_last_shows_the_whole_article(citations: Citations) -> None:
    assert resolve(citations, "示例法第二条第三款") == Resolved(1, problem=messages.paragraph_out_of_range(LAW.articles[1]))


def test_what_is_not_there_says_why(citations: Citations) -> None:
    assert resolve(citations, "示例法实施条例第七条").problem == messages.article_not_loaded(RULES, "第七条", "Article 7")
    assert resolve(citations, "示例法第九条").problem == messages.no_such_article(LAW, "第九条", "Article 9")
    assert resolve(citations, "Article 0").problem == messages.article_numbers_start_at_one(0)


def test_nothing_loaded() -> None:
    empty = Citations([], [], LexicalIndex.build([]))
    citation = find_citation("第三条")
    assert citation is not None
    assert empty.resolve(citation, "第三条") == Resolved(None, problem=messages.nothing_loaded())


def test_front_matter_answers_what_only_it_says(citations: Citations) -> None:
    # the announcement answers adoption and effective-date questions
    found = citations.front_hits("示例法是谁通过的", frozenset({"adoption"}), [], 0.5)
    assert [f.kind for f in found] == ["announcement"] and found[0].regulation_id == "law"
    # in a collection, only for the regulation the question names
    assert citations.front_hits("是谁通过的", frozenset({"adoption"}), [], 0.5) == ()
    # and only when it holds the rest of the question
    rest = [("公告", 1.0), ("停车", 1.0), ("收费", 2.0)]
    assert citations.front_hits("示例法是谁通过的", frozenset({"adoption"}), rest, 0.5) == ()
    assert len(citations.front_hits("示例法是谁通过的", frozenset({"adoption"}), rest, 0.25)) == 1
    contents = citations.front_hits("示例法有几章", frozenset({"contents"}), [], 0.5)
    assert [f.kind for f in contents] == ["contents"]


def test_browsing_shows_front_matter_then_contents(citations: Citations) -> None:
    shown = citations.browse(0)
    assert [f.kind for f in shown] == ["announcement", "contents"]
    assert shown[0] == front_hit(LAW, LAW.front[0])
    assert citations.browse(1) == ()  # no front matter, no chapters


def test_contents_lists_the_chapter_headings() -> None:
    hit = contents_hit(LAW)
    assert hit.paragraphs == ("第一章　总则",) and hit.paragraphs_en == ("Chapter 1 General Provisions",)
    assert hit.citation == "《中华人民共和国示例法》目录"


# ------------------------------------------------------------------ through the searcher


@pytest.mark.parametrize("question", ["第三条", "第3条", "3条", "Article 3", "Art. 3", "art 3"])
def test_citation_lookup_puts_the_article_first(hash_searcher: Searcher, question: str) -> None:
    answer = hash_searcher.search(question)
    assert not answer.abstained
    assert [h.article for h in answer.hits] == [3]
    assert answer.hits[0].via == "citation"
    assert answer.hits[0].citation == "《安徽省新能源汽车产业集群发展条例》第三条"


def test_citation_with_paragraph(hash_searcher: Searcher) -> None:
    hit = hash_searcher.search("第三条第二款").hits[0]
    assert hit.matched_paragraphs == (2,)
    assert hit.citation == "《安徽省新能源汽车产业集群发展条例》第三条第二款"
    assert hit.citation_en == "Anhui NEV Industry Cluster Regulations, Art. 3(2)"
    assert {h.paragraph for h in hit.highlights} == {2}


def test_article_missing_from_partial_corpus_gets_a_specific_message(partial_searcher: Searcher) -> None:
    answer = partial_searcher.search("Article 30")
    assert answer.abstained and not answer.hits
    assert "Article 30 is not among the loaded articles (Articles 1–4 of 43)" in (answer.message_en or "")
    assert "第三十条尚未载入：本库只有第一条至第四条（全文共四十三条）" in (answer.message or "")


@pytest.mark.parametrize(("question", "fragment"), [("第九十九条", "没有第九十九条"), ("Article 0", "start at 1"), ("Article -1", "start at 1")])
def test_out_of_range_articles(hash_searcher: Searcher, question: str, fragment: str) -> None:
    answer = hash_searcher.search(question)
    assert answer.abstained and not answer.hits
    assert fragment in (answer.message or "") + (answer.message_en or "")
