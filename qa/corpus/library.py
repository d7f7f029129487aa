"""Turn a ``--corpus`` argument into regulations: a corpus folder, a folder of them, or documents.

Documents (.md, .txt, .docx, .html, .pdf) are imported on the fly with the same importer as ``qa import``,
so a deployment can point at the official text without a separate step.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Callable, Iterable, Sequence

from qa import config
from qa.config import index_dir_for
from qa.corpus.model import Article, Chapter, CorpusError, Regulation, Section, Source
from qa.corpus.store import REGULATION_FILE, load_corpus

__all__ = ["default_corpus", "load_library", "Library", "Skipped", "collect", "index_dir_for", "short_title", "title_key", "DOCUMENT_SUFFIXES"]

DOCUMENT_SUFFIXES = (".md", ".txt", ".docx", ".html", ".htm", ".pdf")


def default_corpus() -> Path:
    return config.corpus_dir()


@dataclass(frozen=True)
class Skipped:
    """A document of a library folder left out because it could not be imported: the importer's
    ``rule`` and its error as logged (``file:line: [rule] message``)."""

    path: Path
    rule: str
    reason: str


class Library(list[Regulation]):
    """What :func:`load_library` returns: the regulations, a list as callers have always used it, and
    the documents it ``skipped`` — so that a caller can count them without reading the log."""

    def __init__(self, regulations: Iterable[Regulation] = (), skipped: Iterable[Skipped] = ()) -> None:
        super().__init__(regulations)
        self.skipped: tuple[Skipped, ...] = tuple(skipped)

    def skipped_note(self) -> str | None:
        """The one line a summary adds when documents were skipped (their reasons are in the log)."""
        n = len(self.skipped)
        return f"{n} document{'' if n == 1 else 's'} skipped (see log)" if n else None


def load_library(
    path: str | os.PathLike[str],
    *,
    log: Callable[[str], None] = print,
    progress: bool = False,
    exclude: Sequence[str] = (),
) -> Library:
    """Regulations at ``path``.

    A single document or corpus folder must be valid (defects raise). In a folder of documents — a
    whole library — each document that cannot be imported is skipped (logged, and listed in
    :attr:`Library.skipped`), and damaged
    chapter headings are dropped with a warning instead of refusing the document, so one bad file
    does not take the library down. A library is then made one regulation per title (see
    :func:`collect`); ``exclude`` names sub-folders to leave out (e.g. ``DLC``).
    """
    path = Path(path)
    if not path.exists():
        raise CorpusError(path, None, "missing", "no such file or folder")
    if path.is_dir() and (path / REGULATION_FILE).is_file():
        return Library([load_corpus(path)])
    if path.is_file():
        from qa.importer import parse_document

        return Library([parse_document(path)])
    folders = sorted(p.parent for p in path.rglob(REGULATION_FILE))
    if folders:
        return Library(load_corpus(f) for f in folders)
    from qa.importer import parse_document

    documents = sorted(
        p for p in path.rglob("*") if p.suffix.lower() in DOCUMENT_SUFFIXES and p.is_file() and not set(exclude) & set(p.relative_to(path).parts[:-1])
    )
    if not documents:
        raise CorpusError(path, None, "empty", f"no {REGULATION_FILE} and no documents ({', '.join(DOCUMENT_SUFFIXES)}) here")
    regulations: list[Regulation] = []
    refused: list[Skipped] = []
    iterator = documents
    if progress:
        from tqdm import tqdm

        iterator = tqdm(documents, desc="loading documents", unit="doc")
    for document in iterator:
        try:
            regulations.append(parse_document(document, strict_headings=False))
        except CorpusError as exc:
            refused.append(Skipped(document, exc.rule, str(exc)))
    no_articles = sum(s.rule == "no-articles" for s in refused)
    if no_articles:
        log(f"note: skipped {no_articles} document(s) with no numbered articles (第X条)")
    for skipped in (s for s in refused if s.rule != "no-articles"):
        log(f"warning: skipped {skipped.reason}")
    return Library(collect(regulations, log=log), refused)


def short_title(title: str) -> str:
    """The title as people write it: without the 中华人民共和国 prefix."""
    return title.removeprefix("中华人民共和国")


def title_key(title: str) -> str:
    """A title to match on: no 中华人民共和国 (also inside, as in 《中华人民共和国民法典》), spaces or
    、, one width of brackets — so 《民法典》 in a citation matches the library's full title."""
    title = re.sub(r"[\s、]+", "", title).replace("中华人民共和国", "")
    return title.replace("(", "（").replace(")", "）")


def _date(regulation: Regulation) -> tuple[str, str]:
    """When a version was made, as (latest date the text states, date in its file name), YYYY-MM-DD:
    two revisions can share an entry-into-force date, and then the file date orders them."""
    named = max((d for s in regulation.sources for d in re.findall(r"\d{4}-\d{2}-\d{2}", s.file or "")), default="")
    return max(regulation.effective or "", regulation.adopted or "", named), named


def collect(regulations: Sequence[Regulation], *, log: Callable[[str], None] = print) -> list[Regulation]:
    """One regulation per title, in first-seen order.

    Documents sharing a title are either the parts of one code split over several files (the Civil
    Code's 编: their article numbers run on) — merged into one regulation — or versions of one text
    (each starts at 第一条) — of which only the latest is kept, since people ask about the law in force.
    """
    by_title: dict[str, list[Regulation]] = {}
    for regulation in regulations:
        by_title.setdefault(title_key(regulation.title), []).append(regulation)
    out: list[Regulation] = []
    dropped = 0
    for group in by_title.values():
        starts = sorted(group, key=lambda r: r.articles[0].number)
        if len(group) > 1 and starts[0].articles[0].number == 1 and all(
            b.articles[0].number == a.articles[-1].number + 1 for a, b in zip(starts, starts[1:])
        ):
            out.append(_merge_parts(starts))
            continue
        versions = [r for r in group if r.articles[0].number == 1] or group
        out.append(max(versions, key=_date))
        dropped += len(group) - 1
    if dropped:
        log(f"note: kept the latest version of each title; left out {dropped} older or duplicate document(s)")
    return out


def _merge_parts(parts: Sequence[Regulation]) -> Regulation:
    """One regulation from consecutive parts: chapters renumbered throughout, each part (编) numbered
    in order."""
    chapters: list[Chapter] = []
    articles: list[Article] = []
    sections: list[Section] = []
    sources: list[Source] = []
    for number, part in enumerate(parts, 1):
        offset = len(chapters)
        chapters += [replace(c, number=c.number + offset, part=c.part or number) for c in part.chapters]
        sections += [replace(s, chapter=s.chapter + offset) for s in part.sections]
        articles += [replace(a, chapter=a.chapter + offset if a.chapter is not None else None) for a in part.articles]
        sources += part.sources
    first = parts[0]
    return replace(
        first,
        articles=tuple(articles),
        chapters=tuple(chapters),
        sections=tuple(sections),
        sources=tuple(sources),
        declared_articles=None,
        notes=(f"Merged from {len(parts)} documents: " + ", ".join(s.file or s.id for s in sources) + ".",),
    )


