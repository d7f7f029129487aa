"""The walk over a document's body tokens: articles in order, 编/章/节 headings checked, wrapped lines joined.

Article rules are always enforced; heading defects raise, or with ``strict_headings=False`` (``qa import
--lenient``) are remembered so the heading structure is left out and every article kept.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Sequence

from qa.corpus.model import Chapter, CorpusError, Section, article_number_en
from qa.importer.tokens import ITEM, Token, clean_title
from qa.lang.numerals import article_label, to_chinese
from qa.lang.text import is_cjk

__all__ = ["ArticleDraft", "Builder", "looks_wrapped"]

_TERMINAL = tuple("。；：！？…;:!?")
_CLOSERS = "”’」』）)》"


@dataclass
class ArticleDraft:
    """An article as the builder collects it: its paragraphs grow line by line."""

    number: int
    line: int
    chapter: int | None
    section: int | None
    paragraphs: list[str] = field(default_factory=list)
    suffix: int = 0

    @property
    def label(self) -> str:
        return article_label(self.number, self.suffix)


class Builder:
    """Walks the body tokens, checking order as it goes and collecting articles and headings."""

    def __init__(self, path: Path, first_article: int | None, has_chapters: bool, wrap: bool, strict_headings: bool):
        self.path = path
        self.strict_headings = strict_headings
        self.defects: list[CorpusError] = []  # a broken heading order: the headings are left out
        self.lost: list[CorpusError] = []  # bare heading titles taken out of the article above them (not strict)
        self.first_article = first_article
        self.has_chapters = has_chapters
        self.wrap = wrap
        self.articles: list[ArticleDraft] = []
        self.chapters: list[Chapter] = []
        self.sections: list[Section] = []
        self.part: int | None = None
        self.subpart = 0
        self.part_of_last_chapter: int | None = None
        self.section = 0
        self.open: ArticleDraft | None = None
        self.after_heading: Token | None = None
        self.bare_tail: Token | None = None  # the open article's last paragraph, when it reads like a heading title
        self.dropped = 0
        self.warnings: list[str] = []

    def error(self, token: Token, rule: str, message: str) -> CorpusError:
        return CorpusError(self.path, token.line.number, rule, message)

    def heading_defect(self, token: Token, rule: str, message: str) -> None:
        """A broken heading structure: an error naming the way out, or (not strict) remembered so the headings are left out."""
        if self.strict_headings:
            raise self.error(token, rule, message + _LENIENT_HINT)
        if rule == "article-outside-chapter" and any(d.rule == rule for d in self.defects):
            return  # every article before the first chapter heading: one defect, reported at the first
        self.defects.append(self.error(token, rule, message))

    def expected_keys(self) -> tuple[tuple[int, int], ...] | None:
        """The (number, suffix) of the articles that may come next: 第X+1条 or 第X条之(Y+1); None: any."""
        if self.articles:
            last = self.articles[-1]
            return ((last.number + 1, 0), (last.number, last.suffix + 1))
        return ((self.first_article, 0),) if self.first_article is not None else None

    def feed(self, token: Token) -> None:
        handler = getattr(self, f"_on_{token.kind}", None)
        if handler is not None:
            handler(token)

    def _on_part(self, token: Token) -> None:
        expected = (self.part or 0) + 1
        if token.number != expected:
            self.heading_defect(token, "part-order", f"part {token.number} (第{to_chinese(token.number or 1)}编) where part {expected} was expected")
        self.part, self.subpart = token.number, 0
        self._close(token)

    def _on_subpart(self, token: Token) -> None:
        expected = self.subpart + 1
        if token.number != expected:
            self.heading_defect(token, "part-order", f"sub-part {token.number} (第{to_chinese(token.number or 1)}分编) where sub-part {expected} was expected")
        self.subpart = token.number or 0
        self._close(token)

    def _on_chapter(self, token: Token) -> None:
        last = self.chapters[-1].number if self.chapters else 0
        restart = self.part is not None and self.part != self.part_of_last_chapter and token.number == 1
        if token.number != last + 1 and not restart:
            self.heading_defect(token, "chapter-order", f"chapter {token.number} (第{to_chinese(token.number or 1)}章) follows chapter {last}")
        self.chapters.append(Chapter(token.number or 0, token.text, None, self.part))
        self.part_of_last_chapter, self.section = self.part, 0
        self._close(token)

    def _on_section(self, token: Token) -> None:
        if not self.chapters:
            self.heading_defect(token, "section-outside-chapter", f"section {token.number} (第{to_chinese(token.number or 1)}节) stands before the first chapter")
            return
        if token.number != self.section + 1:
            self.heading_defect(token, "section-order", f"section {token.number} (第{to_chinese(token.number or 1)}节) follows section {self.section} of chapter {self.chapters[-1].number}")
        self.section = token.number or 0
        self.sections.append(Section(self.chapters[-1].number, self.section, token.text))
        self._close(token)

    def _extend_heading(self, text: str) -> None:
        """Join a heading's wrapped second line to its title (and to the token, for a third line)."""
        heading = self.after_heading
        assert heading is not None
        self.after_heading = replace(heading, text=heading.text + clean_title(text))
        if heading.kind == "chapter" and self.chapters:
            self.chapters[-1] = replace(self.chapters[-1], title=self.after_heading.text)
        elif heading.kind == "section" and self.sections:
            self.sections[-1] = replace(self.sections[-1], title=self.after_heading.text)

    def _on_break(self, token: Token) -> None:
        self.open, self.after_heading, self.bare_tail = None, None, None

    def _close(self, token: Token) -> None:
        self.open, self.after_heading, self.bare_tail = None, token, None

    def is_article(self, token: Token) -> bool:
        """A label without a following space, or with a typo, starts an article only where it is the next one due."""
        if token.kind != "article":
            return False
        if token.spaced and not token.typo:
            return True
        return token.key in (self.expected_keys() or ((1, 0),))

    def _on_article(self, token: Token) -> None:
        if not self.is_article(token):
            self._on_text(replace(token, kind="text", text=token.line.text))
            return
        number = token.number or 1
        label = article_label(number, token.suffix)
        name = article_number_en(number, token.suffix)
        expected = self.expected_keys()
        if expected is not None and token.key not in expected:
            if not self.articles:
                where = "a document must begin with 第一条 (pass first_article for a part of a larger code)"
            else:
                (after, _), (last, inserted) = expected
                where = f"article {after} ({article_label(after)}) was expected"
                if number == last:
                    where = f"article {after} ({article_label(after)}) or {article_number_en(last, inserted)} ({article_label(last, inserted)}) was expected"
            raise self.error(token, "article-order", f"article {name} ({label}) where {where}")
        if token.typo:
            self.warnings.append(f"line {token.line.number}: the article label {token.typo}; read as {label}")
        if self.has_chapters and not self.chapters:
            self.heading_defect(token, "article-outside-chapter", f"{label} stands before the first chapter (章) heading")
        if self.bare_tail is not None and self.open is not None and self.has_chapters and not self.strict_headings:
            previous = self.open.label  # a chapter title that lost its 第X章 label is no part of the article above it
            message = f"{self.bare_tail.text!r} between {previous} and {label} looks like a chapter or section title without its 第X章/第X节 label; left out of {previous}"
            self.lost.append(self.error(self.bare_tail, "lost-heading", message))
            self.open.paragraphs.pop()
        self.bare_tail = None
        chapter = self.chapters[-1].number if self.chapters else None
        self.open = ArticleDraft(token.number or 0, token.line.number, chapter, self.section or None, [token.text] if token.text else [], token.suffix)
        self.articles.append(self.open)
        self.after_heading = None

    def _on_text(self, token: Token) -> None:
        if self.open is None:
            if self.after_heading is not None and _continues_heading(self.after_heading, token):
                self._extend_heading(token.text)
                return
            if self.after_heading is not None and not self.strict_headings and _bare_heading(token.text):
                self.heading_defect(token, "orphan-text", f"{token.text!r} under {self.after_heading.line.text!r} looks like a heading without its 第X章/第X节 label")
                return
            if self.after_heading is not None:
                hint = _LENIENT_HINT if _bare_heading(token.text) else ""
                raise self.error(token, "orphan-text", f"text under {self.after_heading.line.text!r} belongs to no article (is a 第X条 label missing?){hint}")
            if self.articles:
                self.dropped += 1
            return
        paragraphs = self.open.paragraphs
        self.bare_tail = None
        if not paragraphs:
            paragraphs.append(token.text)
        elif self.wrap and _is_wrapped(paragraphs[-1], token):
            paragraphs[-1] += token.text
        else:
            paragraphs.append(token.text)
            self.bare_tail = token if _bare_heading(token.text) else None


_LENIENT_HINT = (
    "; if the copy lost a heading, `qa import --lenient` (strict_headings=False) keeps every article"
    " and leaves the chapter and section headings out, with a warning"
)


def _bare_heading(text: str) -> bool:
    """A short line that ends no sentence: a heading title whose label was lost."""
    return len(text) <= 30 and not text.rstrip(_CLOSERS).endswith(_TERMINAL + ("。", "，", ",")) and not ITEM.match(text)


def _continues_heading(heading: Token, token: Token) -> bool:
    """A long heading wrapped onto a second line: the title breaks off after a connector or near the line width."""
    if heading.kind not in ("chapter", "section", "part", "subpart") or not _bare_heading(token.text):
        return False
    return heading.text.endswith(("、", "，", "和", "及", "与", "或", "的")) or len(heading.text) >= 12


def _is_wrapped(previous: str, token: Token) -> bool:
    """A line continues the previous one when nothing ends there and nothing new begins."""
    if token.line.after_blank or ITEM.match(token.text) or token.text.startswith("|"):
        return False
    end = previous.rstrip(_CLOSERS) or previous
    return not end.endswith(_TERMINAL) and is_cjk(previous[-1:] + token.text[:1])


def looks_wrapped(body: Sequence[Token]) -> bool:
    """A copy whose lines were broken at a width: many body lines stop mid-sentence.

    Official texts put each 款 and 项 on a line ending in 。；： — an unterminated line there is a
    rare heading inside an attachment, which must stay its own paragraph; so lines are joined only
    when at least a fifth of the body lines end unterminated.
    """
    lines = [t.text or t.line.text for t in body if t.kind in ("text", "article") and not ITEM.match(t.text or "")]
    open_ends = sum(1 for text in lines if not text.rstrip(_CLOSERS).endswith(_TERMINAL))
    return bool(lines) and open_ends >= max(1, len(lines) / 5)
