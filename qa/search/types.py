"""What a search returns: an :class:`Answer` holding article :class:`Hit` s and :class:`FrontHit` s.

Plain frozen dataclasses, so every caller (UI, CLI, evaluation, JSON) reads the same fields.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Literal

__all__ = ["Highlight", "CitedArticle", "Hit", "FrontHit", "Answer", "Relevance", "RELEVANCE_LEVELS"]

#: How well a hit answers, from the calibrated evidence (:func:`qa.search.fusion.relevance`).
Relevance = Literal["high", "medium", "low"]
RELEVANCE_LEVELS: tuple[Relevance, ...] = ("high", "medium", "low")


@dataclass(frozen=True)
class Highlight:
    """A matched sentence: ``paragraph`` (1-based) and the [start, end) span within that paragraph's text."""

    paragraph: int
    start: int
    end: int
    text: str


class _Shown:
    """What hits and front matter share: official paragraphs, our English kept apart as unofficial."""

    paragraphs: tuple[str, ...]
    paragraphs_en: tuple[str, ...] | None

    @property
    def text(self) -> str:
        return "\n".join(self.paragraphs)

    def to_dict(self) -> dict:
        data = asdict(self)  # type: ignore[call-overload]
        data["text"] = self.text
        data["paragraphs_en_unofficial"] = data.pop("paragraphs_en")
        return data


@dataclass(frozen=True)
class CitedArticle(_Shown):
    """An article of the same regulation that a hit cites by number (违反本条例第二十六条规定的……): shown under
    the hit, verbatim, because a penalty that names the duty only by its number cannot be read without it."""

    regulation_id: str
    article: int
    chapter_title: str | None
    paragraphs: tuple[str, ...]
    paragraphs_en: tuple[str, ...] | None
    citation: str
    citation_en: str


@dataclass(frozen=True)
class Hit(_Shown):
    """One article in an answer, with everything needed to show and cite it.

    ``relevance`` is "high", "medium" or "low" from the article's calibrated evidence (see
    :func:`qa.search.fusion.relevance`); a cited article is "high". ``score`` only orders hits.
    ``cites``: the articles of its regulation it cites by number (:data:`qa.search.highlight.MAX_CITED` at most).
    """

    regulation_id: str
    regulation_title: str
    article: int
    chapter: int | None
    chapter_title: str | None
    chapter_title_en: str | None
    paragraphs: tuple[str, ...]
    paragraphs_en: tuple[str, ...] | None
    score: float
    matched_paragraphs: tuple[int, ...]
    highlights: tuple[Highlight, ...]
    citation: str
    citation_en: str
    via: str
    suffix: int = 0
    relevance: Relevance = "low"
    cites: tuple[CitedArticle, ...] = ()

    def to_dict(self) -> dict:
        data = super().to_dict()
        data["cites"] = [c.to_dict() for c in self.cites]
        return data


@dataclass(frozen=True)
class FrontHit(_Shown):
    """Official text that is not an article, shown apart from the articles: the promulgation
    announcement, the adoption note, or the table of contents (the chapter headings)."""

    regulation_id: str
    regulation_title: str
    kind: str
    name: str
    name_en: str
    paragraphs: tuple[str, ...]
    paragraphs_en: tuple[str, ...] | None
    citation: str
    citation_en: str


@dataclass(frozen=True)
class Answer:
    """The result of one question: hits best first, or an abstention with the reason.

    ``related`` (only with an abstention) cites the nearest article, named in the message as a place to
    look, never as an answer. ``busy``: the question was turned away unsearched (the app was over
    capacity); asking again later may answer it."""

    question: str
    lang: str
    retriever: str
    hits: tuple[Hit, ...]
    abstained: bool
    message: str | None = None
    message_en: str | None = None
    truncated: bool = False
    notice: str | None = None
    notice_zh: str | None = None
    confidence: float = 0.0
    signals: dict[str, float] = field(default_factory=dict)
    elapsed_ms: float = 0.0
    front: tuple[FrontHit, ...] = ()
    related: tuple[str, ...] = ()
    busy: bool = False

    def to_dict(self) -> dict:
        data = asdict(self)
        data["hits"] = [h.to_dict() for h in self.hits]
        data["front"] = [f.to_dict() for f in self.front]
        return data
