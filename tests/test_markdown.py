"""qa.present.markdown: an exported answer keeps every official word, marks the translation, cites the source."""

from __future__ import annotations

import html
import re

import pytest
from markdown_it import MarkdownIt

from qa.present.markdown import answer_markdown, deep_link, markdown_filename, md_escape
from qa.search.searcher import Searcher
from tests.answers import make_answer, make_cited, make_hit


def _text(markdown: str) -> str:
    """What a CommonMark renderer shows: tags dropped, entities decoded."""
    rendered = MarkdownIt("commonmark").render(markdown)
    return html.unescape(re.sub(r"<[^>]+>", "", rendered))


@pytest.mark.parametrize("text", ["*不是强调*", "[链接](http://x)", "# 标题", "1. 列表", "- 项", "<b>粗</b>", "a_b_c", "\\转义", "`代码`", "!["])
def test_escaped_text_renders_literally(text: str) -> None:
    assert _text(md_escape(text)).strip() == text


def test_export_holds_question_citation_official_text_and_source(hash_searcher: Searcher) -> None:
    answer = hash_searcher.search("第三条")
    regulations = {r.id: r for r in hash_searcher.library}
    link = deep_link("http://127.0.0.1:7860/?article=3", answer.question)
    markdown = answer_markdown(answer, regulations, link=link)
    shown = _text(markdown)
    hit = answer.hits[0]
    assert hit.citation in shown and hit.citation_en in shown
    for paragraph in hit.paragraphs:
        assert paragraph in shown
    assert "Unofficial English translation" in markdown and hit.paragraphs_en and hit.paragraphs_en[0] in shown
    assert "https://flk.npc.gov.cn/" in markdown and "2024-03-01" in markdown
    assert link == "http://127.0.0.1:7860/?q=%E7%AC%AC%E4%B8%89%E6%9D%A1" and link in markdown
    assert markdown_filename(answer) == "answer-article-3.md"


def test_highlights_are_bold_and_words_unchanged(hash_searcher: Searcher) -> None:
    answer = hash_searcher.search("动力电池回收利用体系")
    hit = answer.hits[0]
    assert hit.highlights
    markdown = answer_markdown(answer, {r.id: r for r in hash_searcher.library}, translation=False)
    rendered = MarkdownIt("commonmark").render(markdown)
    assert "<strong>" in rendered
    assert hit.highlights[0].text in _text(markdown)
    assert "Unofficial" not in markdown


def test_abstention_exports_its_message(hash_searcher: Searcher) -> None:
    answer = hash_searcher.search("离婚后孩子归谁抚养？")
    assert answer.abstained
    markdown = answer_markdown(answer, {r.id: r for r in hash_searcher.library})
    assert answer.message and answer.message in _text(markdown)
    assert "## " not in markdown and markdown_filename(answer) == "answer.md"


def test_an_article_a_hit_cites_is_exported_verbatim_under_it() -> None:
    hit = make_hit(cites=(make_cited("*不是强调*的义务。"),))
    shown = _text(answer_markdown(make_answer("zh", hits=(hit,)), {}))
    assert "本条引用的条文 / Cited in this article: 《某某条例》第二十六条 · Some Regulations, Art. 26" in shown
    assert "*不是强调*的义务。" in shown
