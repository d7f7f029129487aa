"""Answers as terminal text: each hit's heading, citation and paragraphs, the answering sentences marked.

Everything shown about the law is the hit's own text and citation; headings are built from the
domain's labels (:func:`qa.lang.numerals.article_label`, :func:`qa.corpus.model.article_number_en`,
:attr:`qa.corpus.model.Chapter.label_zh`), so an inserted article reads 第十七条之一 / Article 17-1.
"""

from __future__ import annotations

from typing import Callable

from qa.corpus.model import Chapter, article_number_en
from qa.lang.numerals import article_label
from qa.search.searcher import Answer, FrontHit, Hit

__all__ = ["render_plain", "hit_heading", "front_heading", "marked_paragraph"]


def hit_heading(hit: Hit, lang: str) -> str:
    """'第三章 产业链提升 · 第十二条' or 'Chapter 3 Industrial Chain Upgrading · Article 12' (plain text)."""
    chapter = Chapter(hit.chapter, hit.chapter_title or "", hit.chapter_title_en) if hit.chapter else None
    if lang == "zh":
        article = article_label(hit.article, hit.suffix)
        part = f"{chapter.label_zh} {chapter.title}".strip() if chapter else ""
    else:
        article = f"Article {article_number_en(hit.article, hit.suffix)}"
        part = f"Chapter {chapter.number} {chapter.title_en or chapter.title}".strip() if chapter else ""
    return " · ".join(p for p in (part, article) if p)


def front_heading(front: FrontHit, lang: str) -> str:
    """'公布公告（非条文）' / 'Promulgation announcement (not an article)'."""
    return f"{front.name}（非条文）" if lang == "zh" else f"{front.name_en.capitalize()} (not an article)"


def _as_is(text: str) -> str:
    return text


def marked_paragraph(hit: Hit, paragraph: int, open_: str, close: str, quote: Callable[[str], str] = _as_is) -> str:
    """The paragraph's text with its highlighted sentences wrapped in ``open_``/``close``.

    ``quote`` is applied to every piece of the law's text (the HTML cards pass their escaping), never
    to the markers; a highlight overlapping an earlier one is skipped."""
    text = hit.paragraphs[paragraph - 1]
    out: list[str] = []
    cursor = 0
    for start, end in sorted((h.start, h.end) for h in hit.highlights if h.paragraph == paragraph):
        if start < cursor:
            continue
        out += [quote(text[cursor:start]), open_, quote(text[start:end]), close]
        cursor = end
    out.append(quote(text[cursor:]))
    return "".join(out)


def render_plain(answer: Answer, color: bool = False) -> str:
    """Terminal output: heading, citation and paragraphs of each hit, highlights in bold (or 【】), and under
    it the articles it cites by number."""
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
            lines.append(f"  ({n}) {marked_paragraph(hit, n, open_, close)}")
        for cited in hit.cites:
            label = f"本条引用：{cited.citation}" if lang == "zh" else f"cited in this article: {cited.citation_en}  ({cited.citation})"
            lines.append(f"  ↳ {label}")
            lines += [f"      ({n}) {p}" for n, p in enumerate(cited.paragraphs, 1)]
        lines.append("")
    for front in answer.front:
        cite = front.citation if lang == "zh" else f"{front.citation_en}  ({front.citation})"
        lines.append(f"[{front_heading(front, lang)}] {cite}")
        lines += [f"  {p}" for p in front.paragraphs]
        lines.append("")
    return "\n".join(lines).rstrip()
