"""Answers as safe HTML fragments for the web app: article cards, front-matter cards, notices.

Every piece of corpus or visitor text goes through ``safe_text`` first: HTML-escaped, and with the
characters that Markdown, KaTeX or an auto-linker could act on turned into numeric entities, so
that a question like ``[x](javascript:…)`` or ``https://evil.example`` stays inert text even where
a renderer applies Markdown. Only the fixed tags written here (p, span, mark, code, details,
button …) are markup; the only words added to the law's text are these labels.
"""

from __future__ import annotations

import html
import re
from typing import TypedDict

from qa.lang.numerals import to_chinese
from qa.present.plain import marked_paragraph
from qa.search.searcher import Answer, FrontHit, Hit
from qa.search.types import CitedArticle

__all__ = [
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

_INERT = {c: f"&#{ord(c)};" for c in "[]()*_`~$\\!|{}:@"}
_WWW = re.compile(r"(www)\.", re.I)

class Labels(TypedDict):
    """The words the app adds around the law's text, in one language."""

    relevance: str
    levels: tuple[str, str, str]
    direct: str
    best: str
    citation: str
    copy: str
    unofficial: str
    official: str
    truncated: str
    notice: str
    cited: str


UI_LABELS: dict[str, Labels] = {
    "zh": {
        "relevance": "相关度",
        "levels": ("高", "中", "低"),
        "direct": "直接引用",
        "best": "最相关",
        "citation": "引用",
        "copy": "复制引用",
        "unofficial": "英文译文（非官方，我们的翻译，仅供参考；以中文官方文本为准）",
        "official": "官方中文文本",
        "truncated": "问题过长，已截断。",
        "notice": "提示",
        "cited": "本条引用的条文",
    },
    "en": {
        "relevance": "relevance",
        "levels": ("high", "medium", "low"),
        "direct": "direct citation",
        "best": "best match",
        "citation": "Cite as",
        "copy": "Copy citation",
        "unofficial": "English translation: UNOFFICIAL (ours, for reference only); the official Chinese text prevails",
        "official": "Official Chinese text",
        "truncated": "Your question was too long and was shortened.",
        "notice": "Note",
        "cited": "Cited in this article",
    },
}


def safe_text(text: str) -> str:
    """``text`` as inert HTML: escaped, and with Markdown/auto-link characters as numeric entities."""
    escaped = "".join(_INERT.get(c, c) for c in html.escape(text, quote=True))
    return _WWW.sub(r"\1&#46;", escaped)  # GFM would auto-link "www.example"


def paragraph_label(n: int, lang: str) -> str:
    return f"第{to_chinese(n)}款" if lang == "zh" else f"({n})"


def relevance_label(hit: Hit, lang: str, rank: int = 1) -> str:
    """'相关度：高' / 'relevance: high' from the hit's calibrated ``relevance`` (its evidence measured
    against the abstention threshold: :func:`qa.search.fusion.relevance`), with its ranking score; 'direct
    citation' for cited articles."""
    labels = UI_LABELS[lang]
    if hit.via == "citation":
        return labels["direct"]
    high, medium, low = labels["levels"]
    level = {"high": high, "medium": medium}.get(hit.relevance, low)
    sep = "：" if lang == "zh" else ": "
    best = f" · {labels['best']}" if rank == 1 else ""
    return f"{labels['relevance']}{sep}{level} ({hit.score:.2f}){best}"


def copy_button_html(lang: str) -> str:
    """A button that the app's page script turns into 'copy this row's citation to the clipboard'.

    The script copies the first ``<code>`` of the enclosing ``.qa-cite`` row: Gradio's sanitizer
    drops ``data-*`` attributes, so the citation cannot ride on the button itself.
    """
    label = html.escape(UI_LABELS[lang]["copy"])
    return f'<button type="button" class="qa-copy" title="{label}">{label}</button>'


def _official(paragraphs: str, lang: str) -> str:
    return f'<div class="qa-text" lang="zh-CN" title="{html.escape(UI_LABELS[lang]["official"])}">{paragraphs}</div>'


def _unofficial(paragraphs: str, lang: str) -> str:
    return f'<details class="qa-en" open lang="en"><summary>{safe_text(UI_LABELS[lang]["unofficial"])}</summary>{paragraphs}</details>'


def _cite_row(cite: str, lang: str, other: str = "") -> str:
    return (
        f'<p class="qa-cite"><span class="qa-cite-label">{safe_text(UI_LABELS[lang]["citation"])}</span> '
        f"<code>{safe_text(cite)}</code>{other} {copy_button_html(lang)}</p>"
    )


def _number(n: int, numbered: bool) -> str:
    """The paragraph's label (第二款) before its text, when the article has more than one paragraph."""
    return f'<span class="qa-pn">{safe_text(paragraph_label(n, "zh"))}</span> ' if numbered else ""


def _cited_html(cited: CitedArticle, lang: str, show_en: bool) -> str:
    """An article the hit cites by number, open under it: official text (and our English when shown), its citation."""
    numbered = len(cited.paragraphs) > 1
    paras = "".join(f'<p class="qa-para">{_number(n, numbered)}{safe_text(p)}</p>' for n, p in enumerate(cited.paragraphs, 1))
    cite = cited.citation if lang == "zh" else cited.citation_en
    sep = "：" if lang == "zh" else ": "
    parts = [f'<details class="qa-cited" open><summary>{safe_text(UI_LABELS[lang]["cited"] + sep + cite)}</summary>', _official(paras, lang)]
    if show_en and cited.paragraphs_en and any(cited.paragraphs_en):
        parts.append(_unofficial("".join(f'<p class="qa-para">{safe_text(p)}</p>' for p in cited.paragraphs_en), lang))
    return "".join(parts) + "</details>"


def render_hit_card_html(hit: Hit, lang: str, *, rank: int | None = 1, translation: bool | None = None) -> str:
    """One article for the app: relevance, numbered paragraphs with <mark>ed answering sentences,
    our English (marked unofficial) where it exists, the citation with a copy button, and the articles
    it cites by number (``hit.cites``), each whole.

    ``rank=None`` leaves out the relevance line (the article browser). ``translation`` defaults to
    showing our English for English questions only.
    """
    parts = [f'<div class="qa-hit qa-art-{hit.article}">']
    if rank is not None:
        cls = "qa-rel qa-direct" if hit.via == "citation" else "qa-rel"
        parts.append(f'<p class="{cls}">{safe_text(relevance_label(hit, lang, rank))}</p>')
    numbered = len(hit.paragraphs) > 1
    paras = []
    for n in range(1, len(hit.paragraphs) + 1):
        cls = "qa-para qa-matched" if n in hit.matched_paragraphs and numbered else "qa-para"
        paras.append(f'<p class="{cls}">{_number(n, numbered)}{marked_paragraph(hit, n, "<mark>", "</mark>", safe_text)}</p>')
    parts.append(_official("".join(paras), lang))
    show_en = (lang == "en") if translation is None else translation
    if show_en and hit.paragraphs_en and any(hit.paragraphs_en):
        en = "".join(
            f'<p class="qa-para">{f"<span class=qa-pn>({n})</span> " if numbered else ""}{safe_text(p)}</p>'
            for n, p in enumerate(hit.paragraphs_en, 1)
        )
        parts.append(_unofficial(en, lang))
    cite = hit.citation if lang == "zh" else hit.citation_en
    other = f' <span class="qa-cite-alt">· <code>{safe_text(hit.citation)}</code></span>' if lang == "en" else ""
    parts.append(_cite_row(cite, lang, other))
    parts += [_cited_html(c, lang, show_en) for c in hit.cites]
    parts.append("</div>")
    return "".join(parts)


def render_front_card_html(front: FrontHit, lang: str) -> str:
    """The announcement, adoption note or table of contents: official text, shown apart from the
    articles, with our English (marked unofficial) for English questions and its citation."""
    paras = "".join(f'<p class="qa-para">{safe_text(p)}</p>' for p in front.paragraphs)
    parts = [f'<div class="qa-hit qa-front qa-front-{html.escape(front.kind)}">', _official(paras, lang)]
    if lang == "en" and front.paragraphs_en:
        en = "".join(f'<p class="qa-para">{safe_text(p)}</p>' for p in front.paragraphs_en)
        parts.append(_unofficial(en, lang))
    cite = front.citation if lang == "zh" else front.citation_en
    parts.append(_cite_row(cite, lang) + "</div>")
    return "".join(parts)


def render_notice_html(answer: Answer) -> str:
    """Truncation, notices and (on abstention) the engine's message, as HTML; '' when there is none."""
    lang = answer.lang
    parts = []
    if answer.truncated:
        parts.append(f'<p class="qa-note">{safe_text(UI_LABELS[lang]["truncated"])}</p>')
    notice = (answer.notice_zh if lang == "zh" else answer.notice) or answer.notice
    if notice:
        parts.append(f'<p class="qa-note">{safe_text(UI_LABELS[lang]["notice"])}: {safe_text(notice)}</p>')
    if answer.abstained:
        message = (answer.message if lang == "zh" else answer.message_en) or answer.message or ""
        parts.append(f'<p class="qa-abstain">{safe_text(message)}</p>')
    return "".join(parts)
