"""Import a published regulation into a corpus folder, keeping its text exactly as published.

Reads plain text (copied from an official web page or exported from a DOCX), the Markdown of the
shared law library (``# title`` … ``<!-- INFO END -->`` … ``## 第X章``), saved HTML pages, DOCX
files and PDFs (their text layer and layout, :mod:`qa.importer.pdf`). Every format is first reduced to
numbered source lines (:mod:`qa.importer.formats`); one parser then finds the structure (编 / 章 / 节 / 条,
:mod:`qa.importer.structure`) and checks it, so an error always names the line of the file the user gave us.
What the text states about itself is :mod:`qa.importer.metadata`; what the catalogue adds, :mod:`qa.importer.catalogue`.

Rules (each raises :class:`~qa.corpus.model.CorpusError` with the rule name shown):

- ``no-articles``: a document without any ``第X条`` is refused.
- ``article-order``: articles run on by one. The first must be 第一条, unless ``first_article`` says
  otherwise, or the file is library Markdown (where a part of a code, such as a 民法典 编 or a
  constitutional amendment, continues the numbering of the files before it). Inserted articles
  (``第十七条之一``, ``之二`` …, added by amendments without renumbering) may follow 第X条 or
  第X条之(Y-1); then comes 第X+1条. A line that starts with ``第X条`` followed by a space always
  starts an article; without a space (``第一条为了…``, as in published drafts) only when it is the
  next article due, so sentences like ``第三十一条的决定》`` stay text.
- Two label typos found in published texts are read only where the article is the next one due,
  and each is reported in the warnings with its line: ``笫`` (U+7B2B) for ``第`` (``笫五十四条``) and
  a space before 条 (``第一百二十八 条侦查人员…``). The label is never part of the stored text, so
  the article text stays exactly as published.
- ``part-order`` / ``chapter-order`` / ``section-order``: 编 run on by one; 章 run on by one through
  the document or restart at 第一章 in each new 编; 节 run on by one within their 章.
- ``article-outside-chapter``: when the document has chapters, every article sits in one.
- ``orphan-text``: text directly under a 章/节 heading that belongs to no article (lost labels).
- Heading rules are strict by default; ``strict_headings=False`` (``qa import --lenient``) keeps the
  checked articles, leaves a broken 编/章/节 structure out and reports each defect, and takes a bare
  heading title (``监督管理``, a 第X章 whose label was lost) out of the article it would end
  (``lost-heading``). Article rules are never relaxed.
- ``empty-article``: a ``第X条`` with no text.
- ``article-count``: more articles than declared is an error; fewer is an error unless the document
  is evidently an excerpt (its own 目录 lists chapters its body never reaches) or ``partial=True``.

A table of contents (``目录``, or any run of headings repeated before the first article) never
becomes chapters. Lines are kept one per paragraph (款 and 项 alike); in plain text and HTML a
line is joined to the previous one only when it is evidently wrapped: it follows without a blank
line, the previous line does not end a sentence or clause (``。；：！？`` …), and it is not an item
such as ``（一）``. Library Markdown and DOCX keep every paragraph as given.
"""

from __future__ import annotations

import json
import os
import re
import unicodedata
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any, Callable, Sequence

from qa.corpus.model import Article, CorpusError, Paragraph, Regulation, Source
from qa.corpus.store import REGULATION_FILE, save_corpus
from qa.importer.catalogue import catalogue_sources, cite_file, file_source, load_catalogue, merge_catalogue, supplement
from qa.importer.metadata import front_matter, stated_metadata
from qa.importer.structure import Structure, read_structure

__all__ = ["ImportSummary", "parse_document", "parse_with_warnings", "import_document", "slugify"]

Progress = Callable[[str], None]


def slugify(title: str) -> str:
    """A folder name from a title: file-system-unsafe characters and spaces become '-'."""
    slug = unicodedata.normalize("NFKC", title)
    slug = re.sub(r'[\\/:*?"<>|\s]+', "-", slug).strip("-.")
    return slug.lower() or "regulation"


def _check_count(structure: Structure, declared: int | None, partial: bool) -> bool:
    """Compare with the declared count; return whether the regulation is knowingly partial."""
    articles = [a for a in structure.articles if not a.suffix]  # a declared count leaves out 第X条之一
    if declared is None or len(articles) == declared:
        return False
    if len(articles) > declared:
        raise CorpusError(structure.path, articles[declared].line, "article-count", f"{len(articles)} articles, but the regulation declares {declared}")
    if not (structure.excerpt or partial):
        raise CorpusError(
            structure.path,
            structure.articles[-1].line,
            "article-count",
            f"only {len(articles)} of the {declared} declared articles; pass partial=True to import an excerpt",
        )
    return True


def _regulation(structure: Structure, regulation_id: str | None, declared: int | None, source: Source) -> Regulation:
    meta = stated_metadata(structure.preamble, structure.articles)
    articles = tuple(
        Article(d.number, tuple(Paragraph(i, text) for i, text in enumerate(d.paragraphs, 1)), d.chapter, d.section, source.id, d.suffix)
        for d in structure.articles
    )
    return Regulation(
        id=regulation_id or slugify(structure.title),
        title=structure.title,
        articles=articles,
        chapters=tuple(structure.chapters),
        sections=tuple(structure.sections),
        declared_articles=declared,
        sources=(source,),
        notes=tuple(f"本文件为：{s}" for s in structure.subtitles),
        front=front_matter(structure.preamble, structure.title, source.id),
        structure_warnings=structure.structure_warnings,
        **meta,
    )


def parse_document(
    path: str | os.PathLike[str],
    *,
    declared_articles: int | None = None,
    partial: bool = False,
    first_article: int | None = None,
    regulation_id: str | None = None,
    strict_headings: bool = True,
) -> Regulation:
    """Read a regulation from text, Markdown, HTML or DOCX and check it; raise CorpusError with the source line.

    ``strict_headings=False`` is for collections with damaged headings (a lost ``第二章`` label): the
    articles are still checked and kept, but a broken 编/章/节 structure is left out instead of refused.
    """
    return parse_with_warnings(
        path,
        declared_articles=declared_articles,
        partial=partial,
        first_article=first_article,
        regulation_id=regulation_id,
        strict_headings=strict_headings,
    )[0]


def parse_with_warnings(
    path: str | os.PathLike[str],
    *,
    declared_articles: int | None = None,
    partial: bool = False,
    first_article: int | None = None,
    regulation_id: str | None = None,
    strict_headings: bool = True,
) -> tuple[Regulation, tuple[str, ...]]:
    """``parse_document`` that also returns what was done on the way (restored punctuation, headings left out)."""
    structure = read_structure(Path(path), first_article=first_article, strict_headings=strict_headings)
    _check_count(structure, declared_articles, partial)
    return _regulation(structure, regulation_id, declared_articles, file_source(structure)), tuple(structure.warnings)


@dataclass(frozen=True)
class ImportSummary:
    """What ``import_document`` wrote, for the CLI to show."""

    id: str
    title: str
    articles: int
    chapters: int
    complete: bool
    path: Path
    warnings: tuple[str, ...] = ()
    structure_warnings: tuple[str, ...] = ()  # heading defects left out by a lenient import, as stored in the corpus

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "path": str(self.path), "warnings": list(self.warnings), "structure_warnings": list(self.structure_warnings)}


def _existing_id(out_dir: Path, title: str) -> str | None:
    """The folder of a corpus in ``out_dir`` with the same title, so a new import replaces it."""
    if not out_dir.is_dir():
        return None
    for path in sorted(out_dir.glob(f"*/{REGULATION_FILE}")):
        try:
            first = path.read_text(encoding="utf-8").split("\n", 1)[0]
            if json.loads(first).get("title") == title:
                return path.parent.name
        except (OSError, ValueError, AttributeError):
            continue
    return None


def _check_storable(regulation: Regulation, structure: Structure) -> None:
    """The corpus format numbers articles from 1 and chapters straight through the regulation."""
    if regulation.articles[0].key != (1, 0):
        raise CorpusError(structure.path, structure.articles[0].line, "article-order", "a corpus must begin with 第一条; this file continues a larger code")
    for index, chapter in enumerate(regulation.chapters, 1):
        if chapter.number != index:
            raise CorpusError(structure.path, None, "chapter-order", f"chapters restart in part {chapter.part}; the corpus format numbers chapters through the whole regulation")


def import_document(
    path: str | os.PathLike[str],
    out_dir: str | os.PathLike[str],
    *,
    regulation_id: str | None = None,
    declared_articles: int | None = None,
    partial: bool = False,
    progress: Progress | None = None,
    catalogue: str | os.PathLike[str] | None = None,
    supplements: Sequence[str | os.PathLike[str]] = (),
    lenient: bool = False,
) -> ImportSummary:
    """Parse ``path``, add what the catalogue knows, and write ``out_dir/<id>/regulation.jsonl``.

    ``supplements`` are other documents of the same regulation (an excerpt that reproduces the
    promulgation announcement, say): their articles must read exactly as ``path``'s, and the front
    matter ``path`` lacks is taken from them, citing them as its source.

    Nothing is written unless the whole document passes. A corpus in ``out_dir`` with the same
    title keeps its id (so the complete official text replaces a bundled excerpt) and its
    translation file is left untouched; translations of changed text are dropped on load.
    ``lenient`` accepts damaged 编/章/节 headings: every article is still checked and kept with its
    number, the broken heading structure is left out, and each defect is a warning that the corpus
    keeps (``structure_warnings``), so a reader can tell its chapters are missing.
    """
    report = progress or (lambda message: None)
    structure = read_structure(Path(path), first_article=None, strict_headings=not lenient)
    report(f"read {len(structure.articles)} articles from {Path(path).name}")
    entry = load_catalogue(catalogue).get(structure.title, {})
    declared = declared_articles if declared_articles is not None else entry.get("declared_articles")
    _check_count(structure, declared, partial)
    sources, cited = cite_file(catalogue_sources(entry), structure)
    identifier = regulation_id or _existing_id(Path(out_dir), structure.title) or entry.get("id") or slugify(structure.title)
    warnings = list(structure.warnings)
    regulation = replace(_regulation(structure, identifier, declared, cited), sources=sources)
    regulation = merge_catalogue(regulation, entry, warnings)
    for extra in supplements:
        regulation = supplement(regulation, Path(extra))
        report(f"checked {Path(extra).name} against it and took its front matter")
    _check_storable(regulation, structure)
    if not regulation.complete:
        warnings.append(f"partial: {regulation.coverage_en()}")
    written = save_corpus(regulation, Path(out_dir) / identifier)
    report(f"wrote {written}")
    return ImportSummary(
        identifier, regulation.title, len(regulation.articles), len(regulation.chapters), regulation.complete, written, tuple(warnings), regulation.structure_warnings
    )
