"""Rendering for the web app: visitor and corpus text never becomes live markup; answers carry
headings, relevance, marked sentences, paragraph numbers, citations and the partial-corpus banner."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import pytest

from qa.corpus.model import Article, Chapter, Paragraph, Regulation
from qa.present.render import render_hit_card_html, render_notice_html, safe_text
from qa.search.searcher import Answer, Highlight, Hit, Searcher
from qa.app.ui import answer_messages, article_view_html, banner_html, build_app, user_message

ATTACKS = [
    "<script>alert(1)</script>",
    '<img src=x onerror="alert(1)">',
    "[click](javascript:alert(1))",
    "![x](https://evil.example/x.png)",
    "https://evil.example/ www.evil.example",
    '"><svg onload=alert(1)>',
    "$$\\href{javascript:alert(1)}{x}$$",
]


def live_markup(fragment: str) -> list[str]:
    """Anything in ``fragment`` a browser or Markdown renderer could turn into a live element or link."""
    problems = []
    if re.search(r"<\s*(script|img|svg|a|iframe|object|embed|style|link)\b", fragment, re.I):
        problems.append("tag")
    if re.search(r"<[^>]*\son\w+\s*=", fragment, re.I):
        problems.append("event handler")
    if re.search(r"\]\s*\(|javascript:|https?://|www\.", fragment, re.I):
        problems.append("link")
    if "$$" in fragment:
        problems.append("latex")
    return problems


def make_hit(text: str = "第一句。第二句有答案。", **changes: object) -> Hit:
    hit = Hit(
        regulation_id="r",
        regulation_title="安徽省新能源汽车产业集群发展条例",
        article=12,
        chapter=3,
        chapter_title="产业链提升",
        chapter_title_en="Industrial Chain Upgrading",
        paragraphs=(text, "第二款的文字。"),
        paragraphs_en=("Our English.", "Para two."),
        score=0.8,
        matched_paragraphs=(1,),
        highlights=(Highlight(1, 4, len(text), text[4:]),),
        citation="《安徽省新能源汽车产业集群发展条例》第十二条第一款",
        citation_en="Anhui NEV Industry Cluster Regulations, Art. 12(1)",
        via="hybrid",
    )
    return replace(hit, **changes)  # type: ignore[arg-type]


def make_answer(lang: str = "zh", hits: tuple[Hit, ...] | None = None, **changes: object) -> Answer:
    hits = (make_hit(), replace(make_hit(), article=13, score=0.3)) if hits is None else hits
    answer = Answer(question="q", lang=lang, retriever="hybrid", hits=hits, abstained=not hits)
    return replace(answer, **changes)  # type: ignore[arg-type]


@pytest.mark.parametrize("attack", ATTACKS)
def test_visitor_text_never_becomes_markup(attack: str) -> None:
    assert live_markup(safe_text(attack)) == []
    assert live_markup(user_message(attack)["content"]) == []


@pytest.mark.parametrize("attack", ATTACKS)
def test_article_text_is_escaped_around_highlights(attack: str) -> None:
    text = f"前文{attack}后文。"
    hit = make_hit(text, highlights=(Highlight(1, 2, 2 + len(attack), attack),), paragraphs_en=(attack, attack))
    for lang in ("zh", "en"):
        card = render_hit_card_html(hit, lang)
        assert live_markup(card) == [], card
        assert card.count("<mark>") == 1 and card.count("</mark>") == 1


@pytest.mark.parametrize("attack", ATTACKS)
def test_engine_messages_and_notices_are_escaped(attack: str) -> None:
    answer = make_answer(hits=(), message=attack, message_en=attack, notice=attack, truncated=True)
    html = render_notice_html(answer)
    assert live_markup(html) == [] and "qa-abstain" in html


def test_card_has_paragraph_numbers_marks_citation_and_copy_button() -> None:
    card = render_hit_card_html(make_hit(), "zh", rank=1)
    assert "第一款" in card and "第二款" in card
    assert "<mark>第二句有答案。</mark>" in card
    assert "《安徽省新能源汽车产业集群发展条例》第十二条第一款" in card
    assert 'class="qa-copy"' in card
    assert "相关度：高" in card
    assert "qa-en" not in card  # Chinese question: no translation block


def test_english_card_shows_official_chinese_and_unofficial_translation() -> None:
    card = render_hit_card_html(make_hit(), "en", rank=2)
    assert "第二句有答案" in card  # the official text is always there
    assert "UNOFFICIAL" in card and "Our English" in card
    assert "Anhui NEV Industry Cluster Regulations, Art. 12&#40;1&#41;" in card
    assert "relevance&#58; high" in card


def test_answer_messages_open_best_article_and_collapse_the_rest() -> None:
    messages = answer_messages(make_answer("zh"))
    assert [m["metadata"]["title"] for m in messages] == ["第三章 产业链提升 · 第十二条", "第三章 产业链提升 · 第十三条"]
    assert "status" not in messages[0]["metadata"]
    assert messages[1]["metadata"]["status"] == "done"
    assert "最相关" in messages[0]["metadata"]["log"]
    english = answer_messages(make_answer("en"))
    assert english[0]["metadata"]["title"] == "Chapter 3 Industrial Chain Upgrading · Article 12"


def test_direct_citations_are_labelled_and_abstentions_show_engine_message() -> None:
    cited = make_answer("zh", hits=(make_hit(via="citation", score=1.0),))
    assert answer_messages(cited)[0]["metadata"]["log"] == "直接引用"
    message = "已载入的条文（第一条至第四条（共四十三条））中没有条文回答这个问题。"
    abstained = answer_messages(make_answer("zh", hits=(), message=message, message_en="No article …"))
    assert len(abstained) == 1 and message.replace("（", "（") in abstained[0]["content"]
    english = answer_messages(make_answer("en", hits=(), message=message, message_en="No article in the articles loaded."))
    assert "No article in the articles loaded." in english[0]["content"]


def test_titles_of_collapsible_blocks_carry_no_markup() -> None:
    hit = make_hit(chapter_title="<b>[x](javascript:1)</b>")
    title = answer_messages(make_answer("zh", hits=(hit,)))[0]["metadata"]["title"]
    assert "<" not in title and "[" not in title


def partial_regulation() -> Regulation:
    return Regulation(
        id="t",
        title="测试条例",
        title_en="Test Regulations",
        articles=(Article(1, (Paragraph(1, "第一条的文字<b>。"),), chapter=1), Article(2, (Paragraph(1, "第二条的文字。"),), chapter=1)),
        chapters=(Chapter(1, "总则", "General Provisions"), Chapter(2, "附则")),
        declared_articles=5,
    )


def test_banner_states_what_is_loaded_in_both_languages() -> None:
    banner = banner_html([partial_regulation()])
    assert "第一条至第二条（全文共五条）" in banner and "Articles 1–2 of 5" in banner
    assert "qa import" in banner
    complete = replace(partial_regulation(), declared_articles=2)
    assert "qa-banner" not in banner_html([complete])


class FakeSearcher:
    """Just enough of Searcher for the browser view: article_hit and library."""

    def __init__(self, regulation: Regulation):
        self.library = (regulation,)

    def article_hit(self, number: int, regulation: int = 0, paragraph: int | None = None, suffix: int = 0) -> Hit | None:
        article = self.library[0].article(number, suffix)
        if article is None:
            return None
        return make_hit(article.paragraphs[0].text, article=number, paragraphs=(article.paragraphs[0].text,), highlights=(), matched_paragraphs=(), via="citation")


def test_article_view_shows_missing_articles_as_not_loaded_without_text() -> None:
    searcher = FakeSearcher(partial_regulation())
    loaded = article_view_html(searcher, 1)  # type: ignore[arg-type]
    assert "第一条的文字&lt;b&gt;。" in loaded
    missing = article_view_html(searcher, 4)  # type: ignore[arg-type]
    assert "qa-missing" in missing and "第四条" in missing and "not loaded" in missing
    assert "qa-para" not in missing  # no article text is invented
    beyond = article_view_html(searcher, 9)  # type: ignore[arg-type]
    assert "no Article 9" in beyond


def test_build_app_registers_search_and_chat_endpoints(hash_searcher) -> None:  # type: ignore[no-untyped-def]
    demo = build_app(hash_searcher)
    names = {d.api_name for d in demo.fns.values() if getattr(d, "api_visibility", "public") == "public"}
    assert {"search", "chat"} <= names


def test_inserted_articles_have_their_own_browser_entry(tmp_path: Path) -> None:
    criminal_law = Path(__file__).resolve().parents[2] / "shared" / "regulations" / "library" / "刑法" / "刑法.md"
    if not criminal_law.is_file():
        pytest.skip("../shared/regulations/library is not beside the project")
    from qa.importer.document import parse_document

    searcher = Searcher([parse_document(criminal_law)], embedder=None, index_dir=tmp_path, log=lambda m: None, progress=False)
    plain, inserted = article_view_html(searcher, "17"), article_view_html(searcher, "17-1")
    assert "第十七条" in plain and "第十七条之一" not in plain
    assert "第十七条之一" in inserted and "已满七十五周岁的人故意犯罪的" in inserted
    assert "没有第十七条之九" in article_view_html(searcher, "17-9")
