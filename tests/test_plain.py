"""Terminal text and headings: the hit's own labels, suffix-aware (第十七条之一 / Article 17-1)."""

from __future__ import annotations

from qa.present.plain import hit_heading, marked_paragraph, render_plain
from qa.search.searcher import Highlight
from tests.answers import make_answer, make_cited, make_hit


def test_headings_name_chapter_and_article_in_the_questions_language() -> None:
    assert hit_heading(make_hit(), "zh") == "第三章 产业链提升 · 第十二条"
    assert hit_heading(make_hit(), "en") == "Chapter 3 Industrial Chain Upgrading · Article 12"
    assert hit_heading(make_hit(chapter=None), "zh") == "第十二条"


def test_inserted_articles_are_headed_with_their_suffix() -> None:
    inserted = make_hit(article=17, suffix=1)
    assert hit_heading(inserted, "zh") == "第三章 产业链提升 · 第十七条之一"
    assert hit_heading(inserted, "en") == "Chapter 3 Industrial Chain Upgrading · Article 17-1"


def test_marked_paragraph_quotes_the_text_but_not_the_markers() -> None:
    hit = make_hit("甲<乙>。丙。", highlights=(Highlight(1, 0, 5, "甲<乙>。"), Highlight(1, 2, 4, "乙>")))
    assert marked_paragraph(hit, 1, "[", "]") == "[甲<乙>。]丙。"  # an overlapping highlight is skipped
    assert marked_paragraph(hit, 1, "<m>", "</m>", lambda s: s.replace("<", "&lt;").replace(">", "&gt;")) == "<m>甲&lt;乙&gt;。</m>丙。"


def test_plain_answer_lists_heading_score_citation_and_marked_paragraphs() -> None:
    text = render_plain(make_answer("zh"))
    first = text.splitlines()[0]
    assert first == "[1] 第三章 产业链提升 · 第十二条  · 0.80  · 《安徽省新能源汽车产业集群发展条例》第十二条第一款"
    assert "  (1) 第一句。【第二句有答案。】" in text
    english = render_plain(make_answer("en"))
    assert "Anhui NEV Industry Cluster Regulations, Art. 12(1)  (《安徽省新能源汽车产业集群发展条例》第十二条第一款)" in english


def test_plain_abstention_shows_the_engines_message_in_the_questions_language() -> None:
    assert render_plain(make_answer("zh", hits=(), message="没有。", message_en="None.", truncated=True)) == "(问题过长，已截断)\n没有。"
    assert render_plain(make_answer("en", hits=(), message="没有。", message_en="None.")) == "None."


def test_plain_shows_the_articles_a_hit_cites_under_it() -> None:
    hit = make_hit(cites=(make_cited(),))
    text = render_plain(make_answer("zh", hits=(hit,)))
    assert "  ↳ 本条引用：《某某条例》第二十六条\n      (1) 任何单位不得设置地锁。" in text
    assert "  ↳ cited in this article: Some Regulations, Art. 26  (《某某条例》第二十六条)" in render_plain(make_answer("en", hits=(hit,)))
