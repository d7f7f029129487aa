"""The app's page fragments as HTML: title and partial-corpus banner, the article browser's view of
one article, the coverage grid and the front matter.

They read only what the library and ``Searcher`` return (articles, hits, front matter); every piece
of corpus text goes through :func:`qa.present.html.safe_text`.
"""

from __future__ import annotations

import html
from typing import Protocol, Sequence

from qa.app.inputs import article_key
from qa.corpus.model import Regulation, article_number_en
from qa.lang.numerals import article_label, to_chinese
from qa.present.html import render_front_card_html, render_hit_card_html, safe_text
from qa.present.plain import front_heading, hit_heading
from qa.search import messages
from qa.search.searcher import FrontHit, Hit

__all__ = [
    "ArticleSource",
    "banner_html",
    "chapter_label",
    "front_matter_html",
    "coverage_grid_html",
    "article_view_html",
    "empty_chapter_html",
]


class ArticleSource(Protocol):
    """What the page reads from a ``Searcher``: its regulations, an article, the front matter."""

    @property
    def library(self) -> Sequence[Regulation]: ...

    def article_hit(self, number: int, regulation: int = 0, paragraph: int | None = None, suffix: int = 0) -> Hit | None: ...

    def front_hits(self, regulation: int = 0) -> Sequence[FrontHit]: ...


def banner_html(library: Sequence[Regulation]) -> str:
    """Title and the honesty banners: for every regulation that is only partly loaded, and for every one
    whose chapter structure a lenient import left out (``Regulation.structure_warnings``)."""
    parts = ['<div class="qa-header">']
    if len(library) == 1:
        reg = library[0]
        parts.append(f"<h1>《{safe_text(reg.title)}》问答</h1>")
        if reg.title_en:
            parts.append(f'<p class="qa-sub">{safe_text(reg.title_en)} — Q&amp;A (unofficial English title)</p>')
    else:
        parts.append(f"<h1>法规问答 · {len(library)} regulations</h1>")
    parts.append(
        '<p class="qa-sub">答复只由检索到的条文原文、标签与引用组成，不生成文字。'
        " Answers consist only of retrieved official text, labels and citations; nothing is generated.</p>"
    )
    for reg in library:
        if reg.complete:
            continue
        parts.append(
            '<div class="qa-banner" role="status">'
            f"<p>⚠ 本库只收录《{safe_text(reg.title)}》{safe_text(reg.coverage_zh())}；其余条文未载入，"
            "问答与浏览不涉及这些条文。请下载官方全文并用 <code>qa import 文件 --out corpus</code> 载入。</p>"
            f"<p>This copy holds {safe_text(reg.coverage_en())} only; the rest are not loaded and cannot be "
            "answered or browsed. Load the official text with <code>qa import FILE --out corpus</code>.</p>"
            "</div>"
        )
    for reg in library:
        if not reg.structure_warnings:
            continue
        n = len(reg.structure_warnings)
        parts.append(
            '<div class="qa-banner qa-structure" role="status">'
            f"<p>⚠ 《{safe_text(reg.title)}》的原文件有{n}处章节标题缺损，导入时略去了这些章、节结构；"
            "每一条都按原条号保留，检索与引用不受影响，但所示章节不是官方的章节划分。</p>"
            f"<p>The source file of this regulation had {n} damaged chapter or section heading(s); the import left "
            "that structure out. Every article is kept with its own number, but the chapters shown are not the official ones.</p>"
            "</div>"
        )
    parts.append("</div>")
    return "".join(parts)


def chapter_label(reg: Regulation, number: int) -> str:
    """A chapter's choice in the dropdowns: '第三章 产业链提升 / Chapter 3 Industrial Chain Upgrading'."""
    chapter = reg.chapter(number)
    if chapter is None:
        return f"第{to_chinese(number)}章 / Chapter {number}"
    en = f" / Chapter {number} {chapter.title_en}" if chapter.title_en else f" / Chapter {number}"
    return f"{chapter.label_zh} {chapter.title}{en}"


def front_matter_html(searcher: ArticleSource, regulation: int = 0) -> str:
    """The regulation's announcement, adoption note and table of contents (official text that is not an article)."""
    if not searcher.library:
        return ""
    reg = searcher.library[regulation]
    cards = []
    for front in searcher.front_hits(regulation):
        cards.append(
            f'<p class="qa-article-title">{safe_text(front_heading(front, "zh"))} '
            f'<span class="qa-legend">{safe_text(front_heading(front, "en"))}</span></p>' + render_front_card_html(front, "zh")
        )
    if not cards:
        return ""
    return f'<div class="qa-front-matter" aria-label="{html.escape(reg.title)}">{"".join(cards)}</div>'


def coverage_grid_html(reg: Regulation) -> str:
    """Every article number of the regulation: loaded ones green, missing ones greyed 'not loaded'."""
    loaded = {a.number for a in reg.articles}
    cells = "".join(
        f'<a class="qa-in" href="?article={n}" title="第{to_chinese(n)}条 · Article {n}">{n}</a>'
        if n in loaded
        else f'<span class="qa-out" title="第{to_chinese(n)}条 未载入 · Article {n} not loaded">{n}</span>'
        for n in range(1, reg.total_articles + 1)
    )
    legend = (
        '<p class="qa-legend">绿色：已载入（点击打开该条的链接）；灰色虚框：未载入（不显示任何文字）。'
        " Green: loaded (each is a link to the article); grey dashed: not loaded (no text is shown for these).</p>"
    )
    return f'<div class="qa-coverage">{legend}<div class="qa-grid">{cells}</div></div>'


def article_view_html(searcher: ArticleSource, number: int | str | None, regulation: int = 0) -> str:
    """One article in full for the browser, or a clear 'not loaded' / 'no such article' panel.

    ``number`` is an article number, or ``"17-1"`` for an inserted article (第十七条之一)."""
    if not searcher.library:
        nothing = messages.nothing_loaded()
        return f'<div class="qa-missing">{safe_text(nothing.zh)} {safe_text(nothing.en)}</div>'
    key = article_key(number)
    if key is None:
        return ""
    reg = searcher.library[regulation]
    hit = searcher.article_hit(key[0], regulation=regulation, suffix=key[1])
    if hit is not None:
        title = hit_heading(hit, "zh")
        title_en = hit_heading(hit, "en")
        return (
            f'<p class="qa-article-title">{safe_text(title)} <span class="qa-legend">{safe_text(title_en)}</span></p>'
            + render_hit_card_html(hit, "zh", rank=None, translation=True)
        )
    n = key[0]
    if 1 <= n <= reg.total_articles and not key[1]:
        return (
            '<div class="qa-missing">'
            f"<p><strong>第{to_chinese(n)}条 · Article {n}</strong> — 未载入 / not loaded</p>"
            f"<p>本库只收录{safe_text(reg.coverage_zh())}。请用 <code>qa import</code> 载入官方全文后再查看。</p>"
            f"<p>This copy holds {safe_text(reg.coverage_en())}. Load the official text with <code>qa import</code> to read it.</p>"
            "</div>"
        )
    absent = messages.no_such_article(reg, article_label(*key), f"Article {article_number_en(*key)}")
    return f'<div class="qa-missing"><p>{safe_text(absent.zh)}</p><p>{safe_text(absent.en)}</p></div>'


def empty_chapter_html(reg: Regulation) -> str:
    """The browser's panel for a chapter none of whose articles is loaded (a partial corpus)."""
    return (
        '<div class="qa-missing">'
        f"<p>本章没有已载入的条文（本库只收录{safe_text(reg.coverage_zh())}）。哪些条文属于本章，需载入官方全文后才能显示。</p>"
        f"<p>No article of this chapter is loaded ({safe_text(reg.coverage_en())}). Which articles belong to it "
        "is shown once the official text is loaded with <code>qa import</code>.</p></div>"
    )
