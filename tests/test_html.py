"""Article cards and notices for the app: visitor and corpus text never becomes live markup; cards
carry relevance, marked sentences, paragraph numbers, citations and the unofficial translation."""

from __future__ import annotations

import pytest

from qa.app.handlers import user_message
from qa.present.html import render_hit_card_html, render_notice_html, safe_text
from qa.search.searcher import Highlight
from tests.answers import ATTACKS, live_markup, make_answer, make_cited, make_hit


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


def test_relevance_comes_from_the_calibrated_label_not_the_score() -> None:
    from dataclasses import replace

    from qa.present.html import relevance_label

    assert relevance_label(replace(make_hit(), score=0.95, relevance="medium"), "zh").startswith("相关度：中")
    assert relevance_label(replace(make_hit(), score=0.1, relevance="high"), "en").startswith("relevance: high")
    assert relevance_label(replace(make_hit(), relevance="low"), "en").startswith("relevance: low")


@pytest.mark.parametrize("attack", ATTACKS)
def test_a_cited_article_is_shown_open_under_the_card_and_escaped(attack: str) -> None:
    hit = make_hit(cites=(make_cited(f"不得{attack}。", paragraphs=(f"不得{attack}。", "第二款。"), paragraphs_en=(attack, "Two.")),))
    for lang, label in (("zh", "本条引用的条文：《某某条例》第二十六条"), ("en", "Cited in this article: Some Regulations, Art. 26")):
        card = render_hit_card_html(hit, lang)
        assert live_markup(card) == [], card
        cited = card[card.index('<details class="qa-cited" open>'):]
        assert f"<summary>{safe_text(label)}</summary>" in cited and "<span class=\"qa-pn\">第二款</span> 第二款。" in cited
        assert ("Two." in cited) == (lang == "en")
