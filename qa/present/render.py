"""Answers as text for the terminal and as safe HTML for the browser.

Everything shown about the law is the hit's own text; the only words we add are labels. All text
from the corpus or the visitor is HTML-escaped here, before any markup is added, so neither can
become live HTML.
"""

from __future__ import annotations

import html
import re

from qa.corpus.model import article_number_en
from qa.lang.numerals import article_label, to_chinese
from qa.search.searcher import Answer, FrontHit, Hit

__all__ = [
    "render_plain",
    "render_hit_html",
    "hit_heading",
    "marked_paragraph",
    "LABELS",
    "UI_LABELS",
    "safe_text",
    "paragraph_label",
    "relevance_label",
    "copy_button_html",
    "render_hit_card_html",
    "render_front_card_html",
    "front_heading",
    "render_notice_html",
]

LABELS = {
    "zh": {
        "chapter": "第{n}章",
        "article": "第{n}条",
        "para": "第{n}款",
        "relevance": "相关度",
        "citation": "引用",
        "copy": "复制引用",
        "unofficial": "英文为非官方译文（我们的翻译），仅供参考；以中文官方文本为准。",
        "direct": "直接引用",
    },
    "en": {
        "chapter": "Chapter {n}",
        "article": "Article {n}",
        "para": "Para. {n}",
        "relevance": "relevance",
        "citation": "Cite as",
        "copy": "Copy citation",
        "unofficial": "English: our unofficial translation, for reference only; the official Chinese text prevails.",
        "direct": "direct citation",
    },
}


def hit_heading(hit: Hit, lang: str) -> str:
    """'第三章 产业链提升 · 第十二条' or 'Chapter 3 Industrial Chain Upgrading · Article 12' (plain text)."""
    if lang == "zh":
        article = article_label(hit.article, hit.suffix)
        chapter = f"第{to_chinese(hit.chapter)}章 {hit.chapter_title or ''}".strip() if hit.chapter else ""
    else:
        article = f"Article {article_number_en(hit.article, hit.suffix)}"
        chapter = f"Chapter {hit.chapter} {hit.chapter_title_en or hit.chapter_title or ''}".strip() if hit.chapter else ""
    return " · ".join(p for p in (chapter, article) if p)


def _spans(hit: Hit, paragraph: int) -> list[tuple[int, int]]:
    return sorted((h.start, h.end) for h in hit.highlights if h.paragraph == paragraph)


def marked_paragraph(hit: Hit, paragraph: int, open_: str, close: str, escape: bool) -> str:
    """The paragraph's text with its highlighted sentences wrapped in ``open_``/``close``."""
    text = hit.paragraphs[paragraph - 1]
    out: list[str] = []
    cursor = 0
    quote = html.escape if escape else (lambda s: s)
    for start, end in _spans(hit, paragraph):
        if start < cursor:
            continue
        out += [quote(text[cursor:start]), open_, quote(text[start:end]), close]
        cursor = end
    out.append(quote(text[cursor:]))
    return "".join(out)


def render_plain(answer: Answer, color: bool = False) -> str:
    """Terminal output: heading, citation and paragraphs of each hit, highlights in bold (or 【】)."""
    lang = answer.lang
    open_, close = ("\033[1;33m", "\033[0m") if color else ("【", "】")
    lines: list[str] = []
    if answer.truncated:
        lines.append("(问题过长，已截断)" if lang == "zh" else "(question truncated)")
    notice = (answer.notice_zh if lang == "zh" else answer.notice) or answer.notice
    if notice:
        lines.append(("提示：" if lang == "zh" else "note: ") + notice)
    if answer.abstained:
        lines.append((answer.message if lang == "zh" else answer.message_en) or "")
        return "\n".join(lines)
    for rank, hit in enumerate(answer.hits, 1):
        cite = hit.citation if lang == "zh" else f"{hit.citation_en}  ({hit.citation})"
        lines.append(f"[{rank}] {hit_heading(hit, lang)}  · {hit.score:.2f}  · {cite}")
        for n in range(1, len(hit.paragraphs) + 1):
            lines.append(f"  ({n}) {marked_paragraph(hit, n, open_, close, escape=False)}")
        lines.append("")
    for front in answer.front:
        cite = front.citation if lang == "zh" else f"{front.citation_en}  ({front.citation})"
        lines.append(f"[{front_heading(front, lang)}] {cite}")
        lines += [f"  {p}" for p in front.paragraphs]
        lines.append("")
    return "\n".join(lines).rstrip()


def front_heading(front: FrontHit, lang: str) -> str:
    """'公布公告（非条文）' / 'Promulgation announcement (not an article)'."""
    return f"{front.name}（非条文）" if lang == "zh" else f"{front.name_en.capitalize()} (not an article)"


def render_hit_html(hit: Hit, lang: str, *, show_english: bool = True) -> str:
    """One article as HTML: numbered paragraphs with <mark> highlights, the citation, our translation apart."""
    labels = LABELS[lang]
    paras = []
    for n in range(1, len(hit.paragraphs) + 1):
        body = marked_paragraph(hit, n, "<mark>", "</mark>", escape=True)
        cls = ' class="matched"' if n in hit.matched_paragraphs else ""
        paras.append(f'<p{cls}><span class="pn">{html.escape(labels["para"].format(n=n))}</span> {body}</p>')
    parts = [f'<div class="article" lang="zh">{"".join(paras)}</div>']
    parts.append(
        f'<p class="cite">{html.escape(labels["citation"])}: <code>{html.escape(hit.citation)}</code>'
        + (f' · <code>{html.escape(hit.citation_en)}</code>' if lang == "en" else "")
        + "</p>"
    )
    if show_english and hit.paragraphs_en and lang == "en":
        en = "".join(f"<p>{html.escape(p)}</p>" for p in hit.paragraphs_en)
        parts.append(f'<details class="translation"><summary>{html.escape(labels["unofficial"])}</summary>{en}</details>')
    return "\n".join(parts)


# ---------------------------------------------------------------- web app (added for qa.app.ui)
#
# The helpers below return HTML fragments for the Gradio app. Every piece of corpus or visitor text
# goes through ``safe_text`` first: HTML-escaped, and with the characters that Markdown, KaTeX or an
# auto-linker could act on turned into numeric entities, so that a question like
# ``[x](javascript:…)`` or ``https://evil.example`` stays inert text even where a renderer applies
# Markdown. Only the fixed tags written here (p, span, mark, code, details, button …) are markup.

_INERT = {c: f"&#{ord(c)};" for c in "[]()*_`~$\\!|{}:@"}
_WWW = re.compile(r"(www)\.", re.I)

UI_LABELS = {
    "zh": {
        "relevance": "相关度",
        "levels": ("高", "中", "低"),
        "direct": "直接引用",
        "best": "最相关",
        "citation": "引用",
        "copy": "复制引用",
        "copied": "已复制",
        "unofficial": "英文译文（非官方，我们的翻译，仅供参考；以中文官方文本为准）",
        "official": "官方中文文本",
        "not_loaded": "未载入",
        "truncated": "问题过长，已截断。",
        "notice": "提示",
        "more": "其他候选条文",
    },
    "en": {
        "relevance": "relevance",
        "levels": ("high", "medium", "low"),
        "direct": "direct citation",
        "best": "best match",
        "citation": "Cite as",
        "copy": "Copy citation",
        "copied": "Copied",
        "unofficial": "English translation: UNOFFICIAL (ours, for reference only); the official Chinese text prevails",
        "official": "Official Chinese text",
        "not_loaded": "not loaded",
        "truncated": "Your question was too long and was shortened.",
        "notice": "Note",
        "more": "Other candidate articles",
    },
}


def safe_text(text: str) -> str:
    """``text`` as inert HTML: escaped, and with Markdown/auto-link characters as numeric entities."""
    escaped = "".join(_INERT.get(c, c) for c in html.escape(text, quote=True))
    return _WWW.sub(r"\1&#46;", escaped)  # GFM would auto-link "www.example"


def paragraph_label(n: int, lang: str) -> str:
    return f"第{to_chinese(n)}款" if lang == "zh" else f"({n})"


def relevance_label(hit: Hit, lang: str, rank: int = 1) -> str:
    """'相关度：高' / 'relevance: high' from the hit's score; 'direct citation' for cited articles."""
    labels = UI_LABELS[lang]
    if hit.via == "citation":
        return labels["direct"]
    high, medium, low = labels["levels"]
    level = high if hit.score >= 0.66 else medium if hit.score >= 0.33 else low
    sep = "：" if lang == "zh" else ": "
    best = f" · {labels['best']}" if rank == 1 else ""
    return f"{labels['relevance']}{sep}{level} ({hit.score:.2f}){best}"


def _marked_safe(hit: Hit, n: int) -> str:
    text = hit.paragraphs[n - 1]
    out: list[str] = []
    cursor = 0
    for start, end in _spans(hit, n):
        if start < cursor:
            continue
        out += [safe_text(text[cursor:start]), "<mark>", safe_text(text[start:end]), "</mark>"]
        cursor = end
    out.append(safe_text(text[cursor:]))
    return "".join(out)


def copy_button_html(lang: str) -> str:
    """A button that the app's page script turns into 'copy this row's citation to the clipboard'.

    The script copies the first ``<code>`` of the enclosing ``.qa-cite`` row: Gradio's sanitizer
    drops ``data-*`` attributes, so the citation cannot ride on the button itself.
    """
    label = html.escape(UI_LABELS[lang]["copy"])
    return f'<button type="button" class="qa-copy" title="{label}">{label}</button>'


def render_hit_card_html(hit: Hit, lang: str, *, rank: int | None = 1, translation: bool | None = None) -> str:
    """One article for the app: relevance, numbered paragraphs with <mark>ed answering sentences,
    our English (marked unofficial) where it exists, and the citation with a copy button.

    ``rank=None`` leaves out the relevance line (the article browser). ``translation`` defaults to
    showing our English for English questions only.
    """
    labels = UI_LABELS[lang]
    parts = [f'<div class="qa-hit qa-art-{hit.article}">']
    if rank is not None:
        cls = "qa-rel qa-direct" if hit.via == "citation" else "qa-rel"
        parts.append(f'<p class="{cls}">{safe_text(relevance_label(hit, lang, rank))}</p>')
    numbered = len(hit.paragraphs) > 1
    paras = []
    for n in range(1, len(hit.paragraphs) + 1):
        cls = "qa-para qa-matched" if n in hit.matched_paragraphs and numbered else "qa-para"
        number = f'<span class="qa-pn">{safe_text(paragraph_label(n, "zh"))}</span> ' if numbered else ""
        paras.append(f'<p class="{cls}">{number}{_marked_safe(hit, n)}</p>')
    parts.append(f'<div class="qa-text" lang="zh-CN" title="{html.escape(labels["official"])}">{"".join(paras)}</div>')
    show_en = (lang == "en") if translation is None else translation
    if show_en and hit.paragraphs_en and any(hit.paragraphs_en):
        en = "".join(
            f'<p class="qa-para">{f"<span class=qa-pn>({n})</span> " if numbered else ""}{safe_text(p)}</p>'
            for n, p in enumerate(hit.paragraphs_en, 1)
        )
        parts.append(
            f'<details class="qa-en" open lang="en"><summary>{safe_text(labels["unofficial"])}</summary>{en}</details>'
        )
    cite = hit.citation if lang == "zh" else hit.citation_en
    other = f' <span class="qa-cite-alt">· <code>{safe_text(hit.citation)}</code></span>' if lang == "en" else ""
    parts.append(
        f'<p class="qa-cite"><span class="qa-cite-label">{safe_text(labels["citation"])}</span> '
        f"<code>{safe_text(cite)}</code>{other} {copy_button_html(lang)}</p>"
    )
    parts.append("</div>")
    return "".join(parts)


def render_front_card_html(front: FrontHit, lang: str) -> str:
    """The announcement, adoption note or table of contents: official text, shown apart from the
    articles, with our English (marked unofficial) for English questions and its citation."""
    labels = UI_LABELS[lang]
    paras = "".join(f'<p class="qa-para">{safe_text(p)}</p>' for p in front.paragraphs)
    parts = [f'<div class="qa-hit qa-front qa-front-{html.escape(front.kind)}">']
    parts.append(f'<div class="qa-text" lang="zh-CN" title="{html.escape(labels["official"])}">{paras}</div>')
    if lang == "en" and front.paragraphs_en:
        en = "".join(f'<p class="qa-para">{safe_text(p)}</p>' for p in front.paragraphs_en)
        parts.append(f'<details class="qa-en" open lang="en"><summary>{safe_text(labels["unofficial"])}</summary>{en}</details>')
    cite = front.citation if lang == "zh" else front.citation_en
    parts.append(
        f'<p class="qa-cite"><span class="qa-cite-label">{safe_text(labels["citation"])}</span> '
        f"<code>{safe_text(cite)}</code> {copy_button_html(lang)}</p></div>"
    )
    return "".join(parts)


def render_notice_html(answer: Answer) -> str:
    """Truncation, notices and (on abstention) the engine's message, as HTML; '' when there is none."""
    labels = UI_LABELS[answer.lang]
    parts = []
    if answer.truncated:
        parts.append(f'<p class="qa-note">{safe_text(labels["truncated"])}</p>')
    notice = (answer.notice_zh if answer.lang == "zh" else answer.notice) or answer.notice
    if notice:
        parts.append(f'<p class="qa-note">{safe_text(labels["notice"])}: {safe_text(notice)}</p>')
    if answer.abstained:
        message = (answer.message if answer.lang == "zh" else answer.message_en) or answer.message or ""
        parts.append(f'<p class="qa-abstain">{safe_text(message)}</p>')
    return "".join(parts)
