"""Answers as text for the terminal and as safe HTML for the browser.

Everything shown about the law is the hit's own text; the only words we add are labels. All text
from the corpus or the visitor is HTML-escaped here, before any markup is added, so neither can
become live HTML.
"""

from __future__ import annotations

import html

from qa.numerals import to_chinese
from qa.retrieve import Answer, Hit

__all__ = ["render_plain", "render_hit_html", "hit_heading", "marked_paragraph", "LABELS"]

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
        article = f"第{to_chinese(hit.article)}条"
        chapter = f"第{to_chinese(hit.chapter)}章 {hit.chapter_title or ''}".strip() if hit.chapter else ""
    else:
        article = f"Article {hit.article}"
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
    if answer.notice:
        lines.append(f"note: {answer.notice}")
    if answer.abstained:
        lines.append((answer.message if lang == "zh" else answer.message_en) or "")
        return "\n".join(lines)
    for rank, hit in enumerate(answer.hits, 1):
        cite = hit.citation if lang == "zh" else f"{hit.citation_en}  ({hit.citation})"
        lines.append(f"[{rank}] {hit_heading(hit, lang)}  · {hit.score:.2f}  · {cite}")
        for n in range(1, len(hit.paragraphs) + 1):
            lines.append(f"  ({n}) {marked_paragraph(hit, n, open_, close, escape=False)}")
        lines.append("")
    return "\n".join(lines).rstrip()


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
