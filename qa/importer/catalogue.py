"""What the project knows about a regulation beyond its text: the catalogue's facts and sources, the source
record of the imported file, and supplementary documents of the same regulation."""

from __future__ import annotations

import json
import os
from dataclasses import replace
from pathlib import Path
from typing import Any

from qa import config
from qa.corpus.model import FRONT_KINDS, CorpusError, Regulation, Source
from qa.importer.metadata import front_matter
from qa.importer.punctuation import RESTORE_NOTE
from qa.importer.structure import Structure, read_structure

__all__ = ["load_catalogue", "catalogue_sources", "file_source", "cite_file", "merge_catalogue", "supplement"]


def load_catalogue(path: str | os.PathLike[str] | None = None) -> dict[str, dict[str, Any]]:
    """Known facts about regulations, keyed by Chinese title (empty when there is no catalogue)."""
    path = config.catalogue_file() if path is None else path
    path = Path(path)
    if not path.is_file():
        return {}
    data = json.loads(path.read_text(encoding="utf-8"))
    return {entry["title"]: entry for entry in data.get("regulations", [])}


def catalogue_sources(entry: dict[str, Any]) -> tuple[Source, ...]:
    return tuple(Source(**{k: v for k, v in s.items() if k in Source.__dataclass_fields__}) for s in entry.get("sources", []))


def file_source(structure: Structure, source_id: str | None = None, url: str | None = None, note: str | None = None) -> Source:
    """The source record for the imported file itself (its name and SHA-256, and what was done to it)."""
    done = f"Imported by qa.importer from {structure.path.name} ({structure.format})."
    if structure.restored:
        done += " " + RESTORE_NOTE
    return Source(
        id=source_id or f"file-{structure.sha256[:8]}",
        url=url,
        file=structure.path.name,
        sha256=structure.sha256,
        note=f"{note} {done}" if note else done,
    )


def cite_file(sources: tuple[Source, ...], structure: Structure) -> tuple[tuple[Source, ...], Source]:
    """``sources`` with the imported file cited: a known source whose sha256 matches the file is that file."""
    match = next((s for s in sources if s.sha256 == structure.sha256), None)
    if match is not None:
        plain = file_source(structure, match.id, match.url, match.note)
        cited = replace(match, file=plain.file, sha256=plain.sha256, note=plain.note)
        return tuple(cited if s is match else s for s in sources), cited
    cited = file_source(structure)
    return (*sources, cited), cited


def supplement(regulation: Regulation, path: Path) -> Regulation:
    """Add the front matter (the announcement, say) that another document of the same regulation has
    and the main one lacks, after checking that every article it also has reads the same."""
    structure = read_structure(path, first_article=None)
    if structure.title != regulation.title:
        raise CorpusError(path, None, "supplement-title", f"this document is 《{structure.title}》, not 《{regulation.title}》")
    for draft in structure.articles:
        article = regulation.article(draft.number, draft.suffix)
        if article is None:
            raise CorpusError(path, draft.line, "supplement-extra", f"{draft.label} is not in the main document")
        if tuple(draft.paragraphs) != tuple(p.text for p in article.paragraphs):
            raise CorpusError(path, draft.line, "supplement-disagrees", f"{draft.label} differs from the main document's text")
    sources, cited = cite_file(regulation.sources, structure)
    have = {f.kind for f in regulation.front}
    added = [replace(f, source=cited.id) for f in front_matter(structure.preamble, structure.title, cited.id) if f.kind not in have]
    if not added:
        return replace(regulation, sources=sources)
    front = sorted((*regulation.front, *added), key=lambda f: list(FRONT_KINDS).index(f.kind))
    return replace(regulation, sources=sources, front=tuple(front))


def merge_catalogue(regulation: Regulation, entry: dict[str, Any], warnings: list[str]) -> Regulation:
    """Fill metadata the document does not state from the catalogue; report disagreements."""
    updates: dict[str, Any] = {}
    for key in ("issuing_body", "adopted", "effective", "announcement"):
        ours, known = getattr(regulation, key), entry.get(key)
        if ours is None and known is not None:
            updates[key] = known
        elif known is not None and ours != known:
            warnings.append(f"{key}: the document says {ours!r}, the catalogue {known!r}; kept the document's")
    notes = list(regulation.notes) + list(entry.get("notes", []))
    if not regulation.complete:
        notes += entry.get("partial_notes", [])
    return replace(regulation, notes=tuple(notes), **updates)
