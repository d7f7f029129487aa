"""A document's structure: its lines read and classified, the table of contents set apart, the body built
(:class:`~qa.importer.builder.Builder`), and what was done on the way reported."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Sequence

from qa.corpus.model import Chapter, CorpusError, Section
from qa.importer.builder import ArticleDraft, Builder, looks_wrapped
from qa.importer.formats import read_source
from qa.importer.metadata import read_title
from qa.importer.punctuation import RESTORE_NOTE, is_folded, restore_line
from qa.importer.tokens import Token, classify

__all__ = ["Structure", "read_structure"]


@dataclass
class Structure:
    """What the parser found, before the declared article count is checked."""

    path: Path
    format: str
    sha256: str
    title: str
    subtitles: tuple[str, ...]
    preamble: tuple[str, ...]
    articles: list[ArticleDraft]
    chapters: list[Chapter]
    sections: list[Section]
    excerpt: bool  # its own 目录 lists chapters the body never reaches
    restored: bool
    warnings: list[str]
    structure_warnings: tuple[str, ...] = ()  # the heading defects left out (not strict), as file:line: [rule] message


def _find_toc(tokens: Sequence[Token]) -> tuple[int, int]:
    """Index range of the table of contents: headings before the first article that the body repeats."""
    first_article = next((i for i, t in enumerate(tokens) if t.kind == "article"), len(tokens))
    headings = [i for i in range(first_article) if tokens[i].kind in ("part", "subpart", "chapter", "section")]
    if not headings:
        return 0, 0
    first = tokens[headings[0]]
    for i in headings[1:]:
        if (tokens[i].kind, tokens[i].number) == (first.kind, first.number):
            toc_start = headings[0]
            marker = next((j for j in range(toc_start) if tokens[j].kind == "toc"), toc_start)
            return min(marker, toc_start), i
    return 0, 0


def _chapters_beyond(chapters: Sequence[Chapter], toc: Sequence[Token]) -> list[Chapter]:
    """Chapters an excerpt's own 目录 lists after the last one its body reaches (they hold no articles here)."""
    last = chapters[-1].number if chapters else 0
    later = [t for t in toc if (t.number or 0) > last]
    if [t.number for t in later] != list(range(last + 1, last + 1 + len(later))):
        return []
    return [Chapter(t.number or 0, t.text) for t in later]


def read_structure(path: Path, *, first_article: int | None, strict_headings: bool = True) -> Structure:
    """Read ``path`` and find its structure, checking the rules :mod:`qa.importer.document` lists."""
    source = read_source(path)
    lines = source.lines
    restored = is_folded("\n".join(line.text for line in lines))
    if restored:
        lines = tuple(replace(line, text=restore_line(line.text)) for line in lines)
    markdown = source.format == "markdown"
    tokens = [classify(line, markdown) for line in lines]
    if not any(t.kind == "article" for t in tokens):
        raise CorpusError(path, None, "no-articles", "no articles found (no line starts with 第X条)")
    toc_start, toc_end = _find_toc(tokens)
    toc = tokens[toc_start:toc_end]
    body_start = toc_end if toc_end else next((i for i, t in enumerate(tokens) if t.kind not in ("text", "toc", "title", "meta")), len(tokens))
    title, subtitles = read_title(tokens, toc_start if toc_end else body_start)
    body = [t for t in tokens[body_start:] if t.kind != "toc"]
    wrap = source.format in ("text", "html", "pdf") and looks_wrapped(body)
    builder = Builder(path, first_article or (None if markdown else 1), any(t.kind == "chapter" for t in body), wrap, strict_headings)
    for token in body:
        builder.feed(token)
    if not builder.articles:
        raise CorpusError(path, None, "no-articles", "no articles found (no line starts with 第X条)")
    for draft in builder.articles:
        if not draft.paragraphs:
            raise CorpusError(path, draft.line, "empty-article", f"{draft.label} has no text")
    warnings = ([RESTORE_NOTE] if restored else []) + builder.warnings
    toc_chapters = {t.number for t in toc if t.kind == "chapter"}
    excerpt = bool(toc_chapters - {c.number for c in builder.chapters})
    found = sorted(builder.defects + builder.lost, key=lambda d: d.line or 0)
    structure_warnings = [f"{path.name}:{d.line}: [{d.rule}] {d.message}" for d in found]
    for defect in found:
        done = "headings left out, their structure is broken" if builder.defects else "a heading title without its label left out"
        warnings.append(f"{done}: {defect}")
    if builder.defects:
        builder.chapters, builder.sections = [], []
        for draft in builder.articles:
            draft.chapter = draft.section = None
    if builder.dropped:
        warnings.append(f"{builder.dropped} line(s) after unnumbered headings (such as 附件) belong to no article and were left out")
    preamble = tuple(t.text for t in tokens[: toc_start if toc_end else body_start] if t.kind in ("text", "meta"))
    if not builder.defects:
        builder.chapters += _chapters_beyond(builder.chapters, [t for t in toc if t.kind == "chapter"])
    return Structure(
        path=path,
        format=source.format,
        sha256=source.sha256,
        title=title or path.stem,
        subtitles=subtitles,
        preamble=preamble,
        articles=builder.articles,
        chapters=builder.chapters,
        sections=builder.sections,
        excerpt=excerpt,
        restored=restored,
        warnings=warnings,
        structure_warnings=tuple(structure_warnings),
    )
