"""What each control of the page does, as pure functions: the engine and the control's values in,
chat messages, HTML and choices out as plain data. ``qa.app.layout`` only wires them to Gradio.

The app never writes text about the law: an answer is ``Searcher.search``'s hits rendered by
:mod:`qa.present` (official text, highlights, our marked-unofficial English, labels, citations).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping, Protocol, Sequence

from qa.app.inputs import question_text, to_int
from qa.app.views import ArticleSource, article_view_html, chapter_label, coverage_grid_html, empty_chapter_html, front_matter_html
from qa.present.html import UI_LABELS, relevance_label, render_front_card_html, render_hit_card_html, render_notice_html, safe_text
from qa.present.plain import front_heading, hit_heading
from qa.search.searcher import Answer

__all__ = [
    "Engine",
    "Message",
    "Choices",
    "ChapterView",
    "RegulationView",
    "PageStart",
    "ALL_CHAPTERS",
    "user_message",
    "answer_messages",
    "ask",
    "search",
    "server_stats",
    "chapter_filter_choices",
    "articles_in",
    "chapter_view",
    "regulation_view",
    "opening_view",
    "open_article",
    "page_start",
]

#: One chat message as Gradio's Chatbot takes it: role, HTML content, and for an article block its
#: ``metadata`` (title, log line, status).
Message = dict[str, Any]

ALL_CHAPTERS = 0  # the chapter filter's value for "all chapters"


class Engine(ArticleSource, Protocol):
    """What the app calls: ``Searcher.search`` and the article browser's reads."""

    def search(self, question: str, k: int = 5, *, chapter: int | None = None) -> Answer: ...


@dataclass(frozen=True)
class Choices:
    """A dropdown's options (label, value) and its selected value."""

    options: list[tuple[str, Any]]
    value: Any


@dataclass(frozen=True)
class ChapterView:
    """The browser after choosing a chapter: its loaded articles, and the first one (or why there is none)."""

    articles: Choices
    html: str


@dataclass(frozen=True)
class RegulationView:
    """The browser after choosing a regulation: its chapters, the first chapter's view, its coverage grid and front matter."""

    chapters: Choices
    chapter: ChapterView
    coverage: str
    front: str


@dataclass(frozen=True)
class PageStart:
    """What a deep link changes when the page loads; ``None`` leaves a control as it is."""

    tab: str | None = None
    history: list[Message] | None = None
    article_html: str | None = None
    number: int | None = None
    chapter: int | None = None
    browse_chapter: int | None = None
    browse_articles: Choices | None = None
    answer: Answer | None = None


def user_message(question: str) -> Message:
    """The visitor's question as a chat message: inert text, never markup."""
    return {"role": "user", "content": safe_text(question)}


def answer_messages(answer: Answer) -> list[Message]:
    """An answer as chat messages: notes first, then one collapsible block per article.

    The best article is open; further candidates start collapsed. Titles are the chapter/article
    heading in the question's language; the relevance goes in the block's subdued log line.
    """
    lang = answer.lang if answer.lang in UI_LABELS else "zh"
    messages: list[Message] = []
    note = render_notice_html(answer)
    if note:
        messages.append({"role": "assistant", "content": note})
    for rank, hit in enumerate(answer.hits, 1):
        metadata: dict[str, Any] = {"title": _plain(hit_heading(hit, lang)), "log": _plain(relevance_label(hit, lang, rank))}
        if rank > 1 and hit.via != "citation":
            metadata["status"] = "done"  # collapsed: a further candidate
        # The relevance is in the block's log line, so the card itself leaves it out (rank=None).
        messages.append({"role": "assistant", "content": render_hit_card_html(hit, lang, rank=None), "metadata": metadata})
    for front in answer.front:
        metadata = {"title": _plain(front_heading(front, lang)), "log": _plain(front.citation if lang == "zh" else front.citation_en)}
        messages.append({"role": "assistant", "content": render_front_card_html(front, lang), "metadata": metadata})
    return messages


def _plain(text: str) -> str:
    """Block titles are shown as text: strip anything that could read as markup."""
    return "".join(c for c in text if c not in "<>[]`*_\\")


def ask(engine: Engine, message: Any, history: Sequence[Message] | None, chapter: Any, k: Any) -> tuple[list[Message], str]:
    """The chat history with the question and its answer appended, and '' for the question box.

    A blank question leaves the history as it is."""
    shown = list(history or [])
    question = question_text(message).strip()
    if not question:
        return shown, ""
    answer = engine.search(question, k=to_int(k, 5) or 5, chapter=to_int(chapter) or None)
    return shown + [user_message(question)] + answer_messages(answer), ""


def server_stats(engine: Engine) -> dict[str, Any]:
    """The engine's counters (answer cache, query encoder) when it keeps any: what a load test reads."""
    stats = getattr(engine, "stats", None)
    return dict(stats()) if callable(stats) else {}


def search(engine: Engine, question: Any, k: Any = 5) -> dict[str, Any]:
    """The API's answer: ``Answer.to_dict()``, the same JSON as ``qa ask --json``."""
    return engine.search(question_text(question), k=to_int(k, 5) or 5).to_dict()


def chapter_filter_choices(engine: ArticleSource) -> list[tuple[str, int]]:
    """The Ask tab's chapter filter: all chapters, and each chapter when one regulation is loaded."""
    library = engine.library
    choices: list[tuple[str, int]] = [("全部章节 / All chapters", ALL_CHAPTERS)]
    if len(library) == 1:
        choices += [(chapter_label(library[0], c.number), c.number) for c in library[0].chapters]
    return choices


def articles_in(engine: ArticleSource, regulation: int, chapter: int | None) -> list[tuple[str, str]]:
    """The loaded articles of a chapter (all of them for ``None`` or 0) as (label, value) choices;
    the value is the article's English number, ``17-1`` for 第十七条之一."""
    if not engine.library:
        return []
    reg = engine.library[regulation]
    return [
        (f"{a.label_zh} / Article {a.number_en}", a.number_en)
        for a in reg.articles
        if chapter in (None, 0) or a.chapter == chapter
    ]


def _chapters(engine: ArticleSource, regulation: int) -> list[tuple[str, int]]:
    reg = engine.library[regulation]
    return [(chapter_label(reg, c.number), c.number) for c in reg.chapters] or [("全部 / All", 0)]


def chapter_view(engine: ArticleSource, regulation: Any, chapter: Any) -> ChapterView:
    """The browser after choosing ``chapter``: its loaded articles with the first one open."""
    index = to_int(regulation, 0) or 0
    choices = articles_in(engine, index, to_int(chapter))
    if not choices:
        return ChapterView(Choices([], None), empty_chapter_html(engine.library[index]))
    value = choices[0][1]
    return ChapterView(Choices(choices, value), article_view_html(engine, value, index))


def regulation_view(engine: ArticleSource, regulation: Any) -> RegulationView:
    """The browser after choosing a regulation: its first chapter open."""
    index = to_int(regulation, 0) or 0
    chapters = _chapters(engine, index)
    return RegulationView(
        Choices(chapters, chapters[0][1]),
        chapter_view(engine, index, chapters[0][1]),
        coverage_grid_html(engine.library[index]),
        front_matter_html(engine, index),
    )


def opening_view(engine: ArticleSource) -> RegulationView:
    """The browser as the page first shows it: the first regulation's first chapter and article
    (nothing in the view when that chapter has no loaded article)."""
    library = engine.library
    chapters = _chapters(engine, 0) if library else [("全部 / All", 0)]
    articles = articles_in(engine, 0, chapters[0][1]) if library else []
    value = articles[0][1] if articles else None
    return RegulationView(
        Choices(chapters, chapters[0][1]),
        ChapterView(Choices(articles, value), article_view_html(engine, value) if articles else ""),
        coverage_grid_html(library[0]) if library else "",
        front_matter_html(engine),
    )


def open_article(engine: ArticleSource, regulation: Any, number: Any) -> str:
    """The browser's view of article ``number`` (17, "17" or "17-1")."""
    return article_view_html(engine, number, to_int(regulation, 0) or 0)


def page_start(engine: Engine, params: Mapping[str, str]) -> PageStart:
    """Deep links: ``?q=…`` asks a question (with optional ``&chapter=N``), ``?article=N`` opens an article.

    Without parameters nothing changes: the visitor may already be typing when this runs."""
    library = engine.library
    question = (params.get("q") or "").strip()
    article = to_int(params.get("article"))
    chapter = to_int(params.get("chapter"), 0) or 0
    if chapter not in {c for _, c in chapter_filter_choices(engine)}:
        chapter = ALL_CHAPTERS
    tab: str | None = None
    history: list[Message] | None = None
    view: str | None = None
    number: int | None = None
    browse_chapter: int | None = None
    browse_articles: Choices | None = None
    if article is not None and library:
        tab, view, number = "browse", article_view_html(engine, article), article
        loaded = library[0].article(article)
        if loaded is not None and loaded.chapter is not None:
            browse_chapter = loaded.chapter
            browse_articles = Choices(articles_in(engine, 0, loaded.chapter), loaded.number_en)
    answer: Answer | None = None
    if question:
        answer = engine.search(question, k=5, chapter=chapter or None)
        history, tab = [user_message(question), *answer_messages(answer)], "ask"
    return PageStart(tab, history, view, number, chapter or None, browse_chapter, browse_articles, answer)
