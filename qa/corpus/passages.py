"""The passages both indexes index: each article placed by its regulation and chapter titles, and the
units (article, paragraph, English translation) that the dense index embeds.

One definition for both sides, so BM25 and the embedder see an article in the same words.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator, Sequence

from qa.corpus.library import short_title
from qa.corpus.model import Article, Regulation

__all__ = ["Unit", "UNITS_VERSION", "PARAGRAPH_UNITS_MAX_ARTICLES", "article_context", "units_of"]

#: Bump when ``units_of`` changes what is embedded: the corpus is the same but the index is stale.
UNITS_VERSION = 2
# Paragraphs get their own vectors only in collections up to this many articles. At library scale
# (58k articles) they would add ~100k vectors: an hour more of embedding on 2 cores and a slower search.
PARAGRAPH_UNITS_MAX_ARTICLES = 20_000


@dataclass(frozen=True)
class Unit:
    """What one vector stands for: a whole article, one of its paragraphs, or our English translation."""

    regulation: int
    article: int
    paragraph: int | None
    lang: str
    suffix: int = 0


def article_context(library: Sequence[Regulation], regulation: int, article: Article) -> str:
    """Words that place an article: in a collection, the regulation's title (it names the topic that
    a citizen's question shares and the article's own text omits); then the chapter's title."""
    reg = library[regulation]
    chapter = reg.chapter(article.chapter)
    words = [short_title(reg.title)] if len(library) > 1 else []
    if chapter is not None:
        words.append(chapter.title.strip())
    return " ".join(w for w in words if w)


def units_of(library: Sequence[Regulation]) -> Iterator[tuple[Unit, str]]:
    """Every passage we embed: each article with its context and, in collections small enough (see
    ``PARAGRAPH_UNITS_MAX_ARTICLES``), each paragraph of a multi-paragraph article."""
    paragraphs = sum(len(r.articles) for r in library) <= PARAGRAPH_UNITS_MAX_ARTICLES
    for r, regulation in enumerate(library):
        for article in regulation.articles:
            n, suffix = article.key
            head = article_context(library, r, article)
            yield Unit(r, n, None, "zh", suffix), f"{head} {article.label_zh} {article.text}" if head else f"{article.label_zh} {article.text}"
            if paragraphs and len(article.paragraphs) > 1:
                for paragraph in article.paragraphs:
                    yield Unit(r, n, paragraph.number, "zh", suffix), paragraph.text
            if article.text_en:
                yield Unit(r, n, None, "en", suffix), article.text_en
