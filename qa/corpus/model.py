"""The Regulations as plain data — articles, chapters, sections, front matter, sources — and their citations.

An article is identified by (number, suffix): 第十七条之一 is (17, 1), written ``17-1`` in English.
How a regulation is stored on disk is :mod:`qa.corpus.store`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from qa.lang.numerals import article_label, to_chinese

__all__ = [
    "Paragraph",
    "Article",
    "Chapter",
    "Section",
    "Source",
    "FrontMatter",
    "FRONT_KINDS",
    "Regulation",
    "CorpusError",
    "citation_zh",
    "citation_en",
    "front_citation_zh",
    "front_citation_en",
    "article_number_en",
]


class CorpusError(ValueError):
    """A corpus file (or imported document) breaks a rule; names the file, line and rule."""

    def __init__(self, path: str | os.PathLike[str] | None, line: int | None, rule: str, message: str):
        self.path = str(path) if path is not None else None
        self.line = line
        self.rule = rule
        self.message = message
        where = self.path or "<input>"
        if line is not None:
            where += f":{line}"
        super().__init__(f"{where}: [{rule}] {message}")


@dataclass(frozen=True)
class Paragraph:
    """One 款 of an article. ``text_en`` is our unofficial translation, if any."""

    number: int
    text: str
    text_en: str | None = None


def article_number_en(number: int, suffix: int = 0) -> str:
    """An article number in English: ``17``, or ``17-1`` for the inserted article 第十七条之一.

    Inserted articles (条之一, 条之二 …, added by amendments without renumbering) are written with a
    hyphen, as English translations of the Criminal Law commonly do: 第二百五十三条之一 is Article 253-1.
    """
    return f"{number}-{suffix}" if suffix else str(number)


@dataclass(frozen=True)
class Article:
    """One 第X条, with its paragraphs in order and the id of the source its text came from.

    ``suffix`` numbers an inserted article: 0 for 第十七条 itself, 1 for 第十七条之一, 2 for 之二 …
    An article is identified by ``key`` = (number, suffix), never by its number alone.
    """

    number: int
    paragraphs: tuple[Paragraph, ...]
    chapter: int | None = None
    section: int | None = None
    source: str | None = None
    suffix: int = 0

    @property
    def key(self) -> tuple[int, int]:
        return (self.number, self.suffix)

    @property
    def text(self) -> str:
        return "\n".join(p.text for p in self.paragraphs)

    @property
    def text_en(self) -> str | None:
        if any(p.text_en is None for p in self.paragraphs):
            return None
        return "\n".join(p.text_en or "" for p in self.paragraphs)

    @property
    def label_zh(self) -> str:
        """第十七条, or 第十七条之一 for an inserted article."""
        return article_label(self.number, self.suffix)

    @property
    def number_en(self) -> str:
        """17, or 17-1 for an inserted article (see :func:`article_number_en`)."""
        return article_number_en(self.number, self.suffix)


@dataclass(frozen=True)
class Chapter:
    """A 章 (``part`` is the 编 it sits in, for codes that have them)."""

    number: int
    title: str
    title_en: str | None = None
    part: int | None = None

    @property
    def label_zh(self) -> str:
        return f"第{to_chinese(self.number)}章"


@dataclass(frozen=True)
class Section:
    """A 节 within a chapter."""

    chapter: int
    number: int
    title: str


@dataclass(frozen=True)
class Source:
    """Where text came from: a URL or file, and what was checked or changed on the way in.

    ``download_url`` is the publisher's file (a DOCX, say) when ``url`` is its page; the ``mirror_*``
    fields name the public copy the text was actually read from, so it can be checked again.
    """

    id: str
    url: str | None = None
    file: str | None = None
    sha256: str | None = None
    note: str | None = None
    download_url: str | None = None
    mirror_repository: str | None = None
    mirror_commit: str | None = None
    mirror_path: str | None = None


#: Official text that precedes the articles, by kind: (Chinese name, English name).
FRONT_KINDS: dict[str, tuple[str, str]] = {
    "announcement": ("公布公告", "promulgation announcement"),
    "adoption": ("题注", "adoption note"),
}


@dataclass(frozen=True)
class FrontMatter:
    """Official text before the articles: the promulgation announcement (公告) or the adoption note (题注).

    It is cited and shown apart from the articles: it has no article number, and it is the only
    official statement of who adopted the regulation, when, and under which announcement number.
    """

    kind: str
    paragraphs: tuple[str, ...]
    source: str | None = None
    paragraphs_en: tuple[str, ...] | None = None

    @property
    def text(self) -> str:
        return "\n".join(self.paragraphs)

    @property
    def name_zh(self) -> str:
        return FRONT_KINDS[self.kind][0]

    @property
    def name_en(self) -> str:
        return FRONT_KINDS[self.kind][1]


@dataclass(frozen=True)
class Regulation:
    """A regulation with its metadata; ``complete`` is derived from the declared article count."""

    id: str
    title: str
    articles: tuple[Article, ...]
    chapters: tuple[Chapter, ...] = ()
    sections: tuple[Section, ...] = ()
    title_en: str | None = None
    issuing_body: str | None = None
    adopted: str | None = None
    effective: str | None = None
    announcement: str | None = None
    declared_articles: int | None = None
    sources: tuple[Source, ...] = ()
    short_title_en: str | None = None
    notes: tuple[str, ...] = ()
    front: tuple[FrontMatter, ...] = ()
    structure_warnings: tuple[str, ...] = ()  # heading defects a lenient import left out: its chapters are not the official ones

    @property
    def numbered_articles(self) -> int:
        """How many ordinary articles are loaded: inserted ones (第十七条之一) are not counted.

        A declared count (刑法 全文共四百五十二条) counts numbered articles only, so ``complete`` and
        ``total_articles`` compare against this, not against ``len(articles)``.
        """
        return sum(1 for a in self.articles if not a.suffix)

    @property
    def complete(self) -> bool:
        return self.declared_articles is None or self.numbered_articles == self.declared_articles

    @property
    def total_articles(self) -> int:
        """The declared number of (ordinary) articles, else how many ordinary articles are loaded."""
        return self.declared_articles or self.numbered_articles or len(self.articles)

    def article(self, number: int, suffix: int = 0) -> Article | None:
        """第``number``条 (or, with ``suffix``, the inserted 第``number``条之``suffix``), if loaded."""
        return self._by_key.get((number, suffix))

    def chapter(self, number: int | None) -> Chapter | None:
        return next((c for c in self.chapters if c.number == number), None)

    def front_matter(self, kind: str) -> FrontMatter | None:
        return next((f for f in self.front if f.kind == kind), None)

    def chapter_articles(self, number: int) -> tuple[Article, ...]:
        return tuple(a for a in self.articles if a.chapter == number)

    @property
    def _by_key(self) -> dict[tuple[int, int], Article]:
        cache = self.__dict__.get("_article_cache")
        if cache is None:
            cache = {a.key: a for a in self.articles}
            object.__setattr__(self, "_article_cache", cache)
        return cache

    def coverage_zh(self) -> str:
        """'第一条至第四条（全文共四十三条）': which articles are loaded, out of how many."""
        if not self.articles:
            return "未载入任何条文"
        first, last = min(self.articles, key=_key), max(self.articles, key=_key)
        return f"{first.label_zh}至{last.label_zh}（全文共{to_chinese(self.total_articles)}条）"

    def coverage_en(self) -> str:
        if not self.articles:
            return "no articles loaded"
        first, last = min(self.articles, key=_key), max(self.articles, key=_key)
        return f"Articles {first.number_en}–{last.number_en} of {self.total_articles}"


def _key(article: Article) -> tuple[int, int]:
    return article.key


def citation_zh(regulation: Regulation, article: int, paragraph: int | None = None, *, suffix: int = 0) -> str:
    """《安徽省新能源汽车产业集群发展条例》第三条第二款; with ``suffix=1``: 《中华人民共和国刑法》第十七条之一"""
    cite = f"《{regulation.title}》{article_label(article, suffix)}"
    if paragraph is not None:
        cite += f"第{to_chinese(paragraph)}款"
    return cite


def citation_en(regulation: Regulation, article: int, paragraph: int | None = None, *, suffix: int = 0) -> str:
    """Anhui NEV Industry Cluster Regulations, Art. 3(2).

    An inserted article is written with a hyphen (:func:`article_number_en`): 第十七条之一第二款 is
    ``Art. 17-1(2)``.
    """
    name = regulation.short_title_en or regulation.title_en or regulation.title
    cite = f"{name}, Art. {article_number_en(article, suffix)}"
    if paragraph is not None:
        cite += f"({paragraph})"
    return cite


def front_citation_zh(regulation: Regulation, front: FrontMatter) -> str:
    """An announcement by its own name, 安徽省人民代表大会常务委员会公告（十四届）第十六号, where its
    heading and number are known; else 《title》公布公告 (or 《title》题注)."""
    if front.kind == "announcement" and regulation.announcement and front.paragraphs[0].endswith("公告"):
        return f"{front.paragraphs[0]}{regulation.announcement}"
    return f"《{regulation.title}》{front.name_zh}"


def front_citation_en(regulation: Regulation, front: FrontMatter) -> str:
    name = regulation.short_title_en or regulation.title_en or regulation.title
    number = f" {regulation.announcement}" if front.kind == "announcement" and regulation.announcement else ""
    return f"{name}, {front.name_en}{number}"
