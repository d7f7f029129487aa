"""Presentation: an ``Answer`` as terminal text (:mod:`.plain`) or as safe HTML for the app (:mod:`.html`)."""

from qa.present.html import (
    UI_LABELS,
    Labels,
    copy_button_html,
    paragraph_label,
    relevance_label,
    render_front_card_html,
    render_hit_card_html,
    render_notice_html,
    safe_text,
)
from qa.present.plain import front_heading, hit_heading, marked_paragraph, render_plain

__all__ = [
    "render_plain",
    "hit_heading",
    "front_heading",
    "marked_paragraph",
    "UI_LABELS",
    "Labels",
    "safe_text",
    "paragraph_label",
    "relevance_label",
    "copy_button_html",
    "render_hit_card_html",
    "render_front_card_html",
    "render_notice_html",
]
