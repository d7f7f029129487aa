"""The corpus folder format that stores a regulation, read with every rule checked.

A corpus folder holds one regulation:

- ``regulation.jsonl`` — the official text: line 1 the metadata, then one line per chapter (and 节
  section) and one line per article, each article naming the source its text came from. An
  inserted article (第十七条之一) has ``"suffix": 1`` after its ``"number": 17`` (the key is left
  out for ordinary articles); it follows 第十七条 (or 之(Y-1)) and precedes 第十八条.
- ``translation.en.jsonl`` (optional) — our unofficial English translations, kept apart so that
  re-importing the official text never touches them. Each record carries the SHA-256 of the Chinese
  text it translates; a translation whose Chinese changed is dropped as stale on load.

JSON Lines keeps one article per line: diffs are readable and every defect has a line number.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any, Iterable

from qa.corpus.model import (
    FRONT_KINDS,
    Article,
    Chapter,
    CorpusError,
    FrontMatter,
    Paragraph,
    Regulation,
    Section,
    Source,
    article_number_en,
)
from qa.files import atomic_write

__all__ = [
    "REGULATION_FILE",
    "TRANSLATION_FILE",
    "FORMAT_VERSION",
    "load_corpus",
    "save_corpus",
    "save_translation",
    "regulation_records",
    "text_sha",
]

REGULATION_FILE = "regulation.jsonl"
TRANSLATION_FILE = "translation.en.jsonl"
FORMAT_VERSION = 1


def text_sha(text: str) -> str:
    """The hash a translation record keeps of the Chinese it translates (stale when it no longer matches)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def _records(path: Path) -> Iterable[tuple[int, dict[str, Any]]]:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise CorpusError(path, None, "unreadable", f"cannot read the file: {exc.strerror or exc}") from exc
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        bad_line = raw[: exc.start].count(b"\n") + 1
        raise CorpusError(path, bad_line, "encoding", "the file is not valid UTF-8") from exc
    for lineno, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            raise CorpusError(path, lineno, "json", f"not a JSON object ({exc.msg})") from exc
        if not isinstance(record, dict) or "type" not in record:
            raise CorpusError(path, lineno, "record", 'each line must be a JSON object with a "type"')
        yield lineno, record


def _need(record: dict[str, Any], key: str, kind: type | tuple[type, ...], path: Path, lineno: int) -> Any:
    value = record.get(key)
    if not isinstance(value, kind) or isinstance(value, bool) and kind is not bool:
        raise CorpusError(path, lineno, "field", f'{record["type"]} record needs "{key}" of type {getattr(kind, "__name__", kind)}')
    return value


def _suffix(record: dict[str, Any], path: Path, lineno: int) -> int:
    """The ``suffix`` of an inserted article (written only when it is one), else 0."""
    if "suffix" not in record:
        return 0
    value = record["suffix"]
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise CorpusError(path, lineno, "field", f'{record["type"]} record has "suffix" {value!r}; it must be a positive int (omit it for an ordinary article)')
    return value


def _front(rec: dict[str, Any], meta: dict[str, Any], path: Path, lineno: int, after_body: object) -> FrontMatter:
    kind = _need(rec, "kind", str, path, lineno)
    if kind not in FRONT_KINDS:
        raise CorpusError(path, lineno, "field", f"front record has kind {kind!r}; known kinds: {', '.join(FRONT_KINDS)}")
    if after_body:
        raise CorpusError(path, lineno, "order", "front records come before the chapters and articles")
    paras = _need(rec, "paragraphs", list, path, lineno)
    if not paras or not all(isinstance(p, str) and p.strip() for p in paras):
        raise CorpusError(path, lineno, "paragraphs", f"the {kind} needs a non-empty list of non-empty paragraphs")
    source = rec.get("source")
    if source is not None and source not in {s.get("id") for s in meta.get("sources", [])}:
        raise CorpusError(path, lineno, "source-ref", f"the {kind} names source {source!r}, which the metadata does not list")
    return FrontMatter(kind, tuple(paras), source)


def _next_keys(previous: tuple[int, int] | None) -> tuple[tuple[int, int], ...]:
    """What may follow an article: 第X+1条, or the next inserted article 第X条之Y+1."""
    if previous is None:
        return ((1, 0),)
    number, suffix = previous
    return ((number + 1, 0), (number, suffix + 1))


def _structure_warnings(meta: dict[str, Any], path: Path, lineno: int) -> tuple[str, ...]:
    """The heading defects a lenient import recorded (absent: none)."""
    value = meta.get("structure_warnings", [])
    if not isinstance(value, list) or not all(isinstance(w, str) for w in value):
        raise CorpusError(path, lineno, "field", 'regulation record has "structure_warnings" that is not a list of strings')
    return tuple(value)


def load_corpus(folder: str | os.PathLike[str]) -> Regulation:
    """Read and validate a corpus folder; raise CorpusError naming file, line and rule on any defect."""
    folder = Path(folder)
    path = folder / REGULATION_FILE
    if not path.is_file():
        raise CorpusError(path, None, "missing", f"no {REGULATION_FILE} in {folder} (build one with `qa import`)")
    meta: dict[str, Any] | None = None
    meta_line = 1
    chapters: list[Chapter] = []
    sections: list[Section] = []
    front: list[FrontMatter] = []
    articles: list[Article] = []
    article_lines: dict[tuple[int, int], int] = {}
    for lineno, rec in _records(path):
        kind = rec["type"]
        if meta is None:
            if kind != "regulation":
                raise CorpusError(path, lineno, "order", "the first record must be the regulation's metadata")
            if rec.get("format") != FORMAT_VERSION:
                raise CorpusError(path, lineno, "format", f"unknown format version {rec.get('format')!r} (expected {FORMAT_VERSION})")
            _need(rec, "id", str, path, lineno)
            _need(rec, "title", str, path, lineno)
            meta, meta_line = rec, lineno
        elif kind == "front":
            front.append(_front(rec, meta, path, lineno, chapters or articles))
        elif kind == "chapter":
            number = _need(rec, "number", int, path, lineno)
            if number != len(chapters) + 1:
                raise CorpusError(path, lineno, "chapter-order", f"chapter {number} follows chapter {len(chapters)}")
            chapters.append(Chapter(number, _need(rec, "title", str, path, lineno), None, rec.get("part")))
        elif kind == "section":
            sections.append(Section(_need(rec, "chapter", int, path, lineno), _need(rec, "number", int, path, lineno), _need(rec, "title", str, path, lineno)))
        elif kind == "article":
            number = _need(rec, "number", int, path, lineno)
            suffix = _suffix(rec, path, lineno)
            name = article_number_en(number, suffix)
            allowed = _next_keys(articles[-1].key if articles else None)
            if (number, suffix) not in allowed:
                expected = " or ".join(article_number_en(*key) for key in allowed)
                raise CorpusError(path, lineno, "article-order", f"article {name} where article {expected} was expected")
            paras = _need(rec, "paragraphs", list, path, lineno)
            if not paras or not all(isinstance(p, str) and p.strip() for p in paras):
                raise CorpusError(path, lineno, "paragraphs", f"article {name} needs a non-empty list of non-empty paragraphs")
            chapter = rec.get("chapter")
            if chapters and chapter not in {c.number for c in chapters}:
                raise CorpusError(path, lineno, "chapter-ref", f"article {name} names chapter {chapter!r}, which is not defined above it")
            if chapter is not None and articles and articles[-1].chapter is not None and chapter < articles[-1].chapter:
                raise CorpusError(path, lineno, "chapter-ref", f"article {name} goes back to chapter {chapter}")
            source = rec.get("source")
            if source is not None and source not in {s.get("id") for s in meta.get("sources", [])}:
                raise CorpusError(path, lineno, "source-ref", f"article {name} names source {source!r}, which the metadata does not list")
            articles.append(Article(number, tuple(Paragraph(i, p) for i, p in enumerate(paras, 1)), chapter, rec.get("section"), source, suffix))
            article_lines[(number, suffix)] = lineno
        else:
            raise CorpusError(path, lineno, "record", f"unknown record type {kind!r}")
    if meta is None:
        raise CorpusError(path, None, "empty", "the file holds no records")
    declared = meta.get("declared_articles")
    numbered = sum(1 for a in articles if not a.suffix)
    if declared is not None and numbered > declared:
        raise CorpusError(path, article_lines.get((declared + 1, 0)), "article-count", f"{numbered} articles, but the regulation declares {declared}")
    loaded = meta.get("articles_loaded")
    if isinstance(loaded, int) and not isinstance(loaded, bool) and loaded != len(articles):
        # A file cut at a line boundary still parses: the count written at import catches it.
        raise CorpusError(
            path,
            max(article_lines.values(), default=None),
            "article-count",
            f'the metadata says "articles_loaded": {loaded}, but the file holds {len(articles)} articles; it was '
            "truncated or edited by hand. Restore it (e.g. `git checkout` or a backup) or import the regulation "
            "again with `qa import`",
        )
    regulation = Regulation(
        id=meta["id"],
        title=meta["title"],
        articles=tuple(articles),
        chapters=tuple(chapters),
        sections=tuple(sections),
        issuing_body=meta.get("issuing_body"),
        adopted=meta.get("adopted"),
        effective=meta.get("effective"),
        announcement=meta.get("announcement"),
        declared_articles=declared,
        sources=tuple(Source(**s) for s in meta.get("sources", [])),
        notes=tuple(meta.get("notes", [])),
        front=tuple(front),
        structure_warnings=_structure_warnings(meta, path, meta_line),
    )
    translation = folder / TRANSLATION_FILE
    return _apply_translation(regulation, translation) if translation.is_file() else regulation


def _apply_translation(regulation: Regulation, path: Path) -> Regulation:
    """Attach our English where it still matches the official Chinese; stale entries are skipped."""
    updates: dict[str, Any] = {}
    chapter_en: dict[int, str] = {}
    article_en: dict[tuple[int, int], list[str]] = {}
    front_en: dict[str, tuple[str, ...]] = {}
    for lineno, rec in _records(path):
        if rec.get("unofficial") is not True:
            raise CorpusError(path, lineno, "unofficial", 'every translation record must say "unofficial": true')
        kind = rec["type"]
        if kind == "title":
            updates["title_en"] = _need(rec, "en", str, path, lineno)
            updates["short_title_en"] = rec.get("short_en")
        elif kind == "chapter":
            chapter = regulation.chapter(_need(rec, "number", int, path, lineno))
            if chapter is not None and rec.get("zh") == chapter.title:
                chapter_en[chapter.number] = _need(rec, "en", str, path, lineno)
        elif kind == "article":
            article = regulation.article(_need(rec, "number", int, path, lineno), _suffix(rec, path, lineno))
            paras = _need(rec, "paragraphs", list, path, lineno)
            if article is not None and rec.get("zh_sha256") == text_sha(article.text) and len(paras) == len(article.paragraphs):
                article_en[article.key] = paras
        elif kind == "front":
            front = regulation.front_matter(_need(rec, "kind", str, path, lineno))
            paras = _need(rec, "paragraphs", list, path, lineno)
            if front is not None and rec.get("zh_sha256") == text_sha(front.text) and len(paras) == len(front.paragraphs):
                front_en[front.kind] = tuple(paras)
        else:
            raise CorpusError(path, lineno, "record", f"unknown translation record type {kind!r}")
    chapters = tuple(replace(c, title_en=chapter_en.get(c.number)) for c in regulation.chapters)
    articles = tuple(
        replace(a, paragraphs=tuple(replace(p, text_en=en) for p, en in zip(a.paragraphs, article_en[a.key])))
        if a.key in article_en
        else a
        for a in regulation.articles
    )
    fronts = tuple(replace(f, paragraphs_en=front_en.get(f.kind)) for f in regulation.front)
    return replace(regulation, chapters=chapters, articles=articles, front=fronts, **updates)


def _write_atomic(path: Path, lines: Iterable[dict[str, Any]]) -> None:
    def write(tmp: str) -> None:
        with open(tmp, "w", encoding="utf-8", newline="\n") as out:
            out.writelines(json.dumps(line, ensure_ascii=False) + "\n" for line in lines)

    atomic_write(path, write)


def regulation_records(regulation: Regulation) -> list[dict[str, Any]]:
    """The official-text records of ``regulation.jsonl`` (translations are not included)."""
    meta: dict[str, Any] = {
        "type": "regulation",
        "format": FORMAT_VERSION,
        "id": regulation.id,
        "title": regulation.title,
        "issuing_body": regulation.issuing_body,
        "adopted": regulation.adopted,
        "effective": regulation.effective,
        "announcement": regulation.announcement,
        "declared_articles": regulation.declared_articles,
        "complete": regulation.complete,
        "articles_loaded": len(regulation.articles),
        "sources": [{k: v for k, v in asdict(s).items() if v is not None} for s in regulation.sources],
        "notes": list(regulation.notes),
    }
    if regulation.structure_warnings:  # only for lenient imports: other files stay byte-identical
        meta["structure_warnings"] = list(regulation.structure_warnings)
    records = [meta]
    for front in regulation.front:  # written only when present: corpora without front matter stay byte-identical
        records.append({"type": "front", "kind": front.kind, "paragraphs": list(front.paragraphs), **({"source": front.source} if front.source else {})})
    for chapter in regulation.chapters:
        rec: dict[str, Any] = {"type": "chapter", "number": chapter.number, "title": chapter.title}
        if chapter.part is not None:
            rec["part"] = chapter.part
        records.append(rec)
    for section in regulation.sections:
        records.append({"type": "section", "chapter": section.chapter, "number": section.number, "title": section.title})
    for article in regulation.articles:
        rec = {"type": "article", "number": article.number}
        if article.suffix:
            rec["suffix"] = article.suffix  # only for inserted articles: older files stay byte-identical
        rec["chapter"] = article.chapter
        if article.section is not None:
            rec["section"] = article.section
        rec["paragraphs"] = [p.text for p in article.paragraphs]
        if article.source is not None:
            rec["source"] = article.source
        records.append(rec)
    return records


def save_corpus(regulation: Regulation, folder: str | os.PathLike[str]) -> Path:
    """Write ``regulation.jsonl`` atomically; an existing translation file is left as it is."""
    path = Path(folder) / REGULATION_FILE
    _write_atomic(path, regulation_records(regulation))
    return path


def save_translation(records: list[dict[str, Any]], folder: str | os.PathLike[str]) -> Path:
    path = Path(folder) / TRANSLATION_FILE
    _write_atomic(path, ({**r, "unofficial": True} for r in records))
    return path

