"""Every sentence the search stage shows, in Chinese and English, in one place.

They only say what was or was not found, never anything about what the law says. Plain text: callers
that render HTML escape it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from qa.corpus.model import Article, Regulation
from qa.lang.numerals import to_chinese

__all__ = [
    "Message",
    "NO_EMBEDDER",
    "empty_question",
    "no_chapter",
    "article_numbers_start_at_one",
    "name_the_regulation",
    "nothing_loaded",
    "article_not_loaded",
    "no_such_article",
    "paragraph_out_of_range",
    "model_loading",
    "semantic_unavailable",
    "dense_unavailable",
    "no_answer",
    "no_figure",
    "near_miss",
    "busy",
]

#: Why there is no dense search when the searcher was built without a model.
NO_EMBEDDER = "no embedding model configured"


@dataclass(frozen=True)
class Message:
    """One sentence in both languages."""

    zh: str
    en: str


def empty_question() -> Message:
    return Message("请输入问题。", "Please type a question.")


def no_chapter(chapter: int) -> Message:
    return Message(f"没有第{chapter}章。", f"There is no chapter {chapter} in the loaded regulations.")


def article_numbers_start_at_one(number: int) -> Message:
    return Message("条文序号从第一条开始。", f"Article numbers start at 1; there is no Article {number}.")


def name_the_regulation(regulations: int, label_en: str) -> Message:
    """A bare citation that several loaded regulations have."""
    return Message("请在条文前写明法规名称，例如《…》第十二条。", f"{regulations} regulations have an {label_en}; name the regulation as well.")


def nothing_loaded() -> Message:
    return Message("未载入任何法规。", "No regulation is loaded.")


def article_not_loaded(regulation: Regulation, label_zh: str, label_en: str) -> Message:
    """A cited article the regulation has but this partial copy does not hold."""
    return Message(
        f"{label_zh}尚未载入：本库只有{regulation.coverage_zh()}。请用 qa import 载入官方全文。",
        f"{label_en} is not among the loaded articles ({regulation.coverage_en()}); load the official text with `qa import`.",
    )


def no_such_article(regulation: Regulation, label_zh: str, label_en: str) -> Message:
    """A cited article beyond the regulation's last (``label_en`` is "Article 99")."""
    return Message(
        f"《{regulation.title}》共{to_chinese(regulation.total_articles)}条，没有{label_zh}。",
        f"The regulation has {regulation.total_articles} articles; there is no {label_en}.",
    )


def paragraph_out_of_range(article: Article) -> Message:
    return Message(
        f"{article.label_zh}只有{to_chinese(len(article.paragraphs))}款。",
        f"Article {article.number_en} has {len(article.paragraphs)} paragraph(s); showing the whole article.",
    )


def model_loading() -> Message:
    return Message("语义模型仍在加载，以下结果仅来自关键词检索。", "The semantic model is still loading; these results are from keyword search only.")


def semantic_unavailable(reason: object) -> str:
    """Why dense search failed to load (logged, and shown in :func:`dense_unavailable`)."""
    return f"semantic search unavailable: {reason}"


def dense_unavailable(error: str | None) -> Message:
    return Message(f"语义检索不可用，以下结果仅来自关键词检索（{error}）。", f"{error}; these results are from keyword search only.")


def no_answer(library: Sequence[Regulation], chapter: int | None) -> Message:
    """The abstention: no loaded article (of the chapter, if one was chosen) answers the question."""
    if len(library) == 1:
        reg = library[0]
        scope_zh = f"《{reg.title}》" + ("" if reg.complete else f"已载入的{reg.coverage_zh()}")
        scope_en = "the Regulations" if reg.complete else f"the articles loaded ({reg.coverage_en()})"
    else:
        scope_zh, scope_en = f"已载入的{len(library)}部法规", f"the {len(library)} regulations loaded"
    if chapter is not None:
        scope_zh += f"第{to_chinese(chapter)}章"
        scope_en += f", chapter {chapter}"
    return Message(f"{scope_zh}中没有条文回答这个问题。", f"No article in {scope_en} covers this question.")


def no_figure() -> Message:
    """After :func:`no_answer`, when the quantity veto abstained (:func:`qa.search.fusion.unanswered_quantity`)."""
    return Message(
        "你问的是数额、期限、年龄或比例，而最相关的几条都没有规定这类具体数字。",
        "You asked for an amount, a period, an age or a rate; none of the most relevant articles states a figure of that kind.",
    )


def near_miss(regulation: Regulation, article: Article, several: bool) -> Message:
    """After :func:`no_answer`: the nearest article, named as a place to look, not as an answer."""
    chapter = regulation.chapter(article.chapter)
    where_zh = f"{chapter.label_zh} {chapter.title} " if chapter else ""
    where_en = f"Chapter {chapter.number}{f' {chapter.title_en}' if chapter.title_en else ''}, " if chapter else ""
    title_zh = f"《{regulation.title}》" if several else ""
    title_en = f"{regulation.short_title_en or regulation.title}, " if several else ""
    return Message(
        f"最接近的是{title_zh}{where_zh}{article.label_zh}，但它没有直接回答这个问题。",
        f"The nearest is {title_en}{where_en}Article {article.number_en}; it does not answer the question directly.",
    )


def busy() -> Message:
    """Too many questions are waiting for the semantic model: this one was not searched (nothing about the law is implied)."""
    return Message("当前提问人数过多，请稍后再试。", "The app is busy answering other questions; please try again in a moment.")
