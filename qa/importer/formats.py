"""Every input format reduced to numbered source lines: plain text, library Markdown, HTML, DOCX (and PDF,
:mod:`qa.importer.pdf`), so that the one parser behind them names the line of the file the user gave us."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from qa.corpus.model import CorpusError
from qa.lang.text import CJK_CHARS

__all__ = ["Line", "SourceFile", "read_source", "clean_line"]

_STRIP = " \t\r\n\u3000\xa0\u200b\u200c\u200d\ufeff\u2028\u2029"
_COMMENT = re.compile(r"^<!--.*-->$")


@dataclass(frozen=True)
class Line:
    """One source line: ``number`` is its line in the file (its paragraph number for DOCX, its page for PDF)."""

    number: int
    text: str
    kind: str = "text"  # text | heading (Markdown #) | title (Markdown # before INFO END) | meta
    after_blank: bool = False


@dataclass(frozen=True)
class SourceFile:
    """A file read as lines, with its format and the SHA-256 of its bytes (the source record cites it)."""

    format: str
    lines: tuple[Line, ...]
    sha256: str


def clean_line(text: str) -> str:
    """A line without the spaces, zero-width marks and line separators around it."""
    return text.strip(_STRIP)


def _decode(raw: bytes, path: Path) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise CorpusError(path, None, "encoding", "the file is neither UTF-8 nor GB18030 text")


def _sniff(path: Path, raw: bytes) -> str:
    """Format from the extension, else from the content."""
    suffix = path.suffix.lower()
    known = {".md": "markdown", ".markdown": "markdown", ".html": "html", ".htm": "html", ".docx": "docx", ".pdf": "pdf"}
    if suffix in known:
        return known[suffix]
    if b"%PDF-" in raw[:1024]:
        return "pdf"
    if raw.startswith(b"PK\x03\x04"):
        return "docx"
    head = raw[:4096].lower()
    if b"<html" in head or b"<body" in head or b"<!doctype html" in head:
        return "html"
    if b"<!-- INFO END -->" in raw or raw.lstrip().startswith(b"# "):
        return "markdown"
    return "text"


def _text_lines(text: str) -> list[Line]:
    """Plain lines, remembering which followed a blank line."""
    lines: list[Line] = []
    blank = False
    for number, raw in enumerate(text.splitlines(), start=1):
        cleaned = clean_line(raw)
        if cleaned:
            lines.append(Line(number, cleaned, after_blank=blank))
        blank = not cleaned
    return lines


def _markdown_lines(text: str) -> list[Line]:
    """Library Markdown: ``#`` titles and header lines until ``<!-- INFO END -->``, then the body."""
    in_header = "<!-- INFO END -->" in text
    lines: list[Line] = []
    for line in _text_lines(text):
        if line.text == "<!-- INFO END -->":
            in_header = False
            continue
        if _COMMENT.match(line.text):
            continue
        heading = re.match(r"^(#+)\s*(.*)$", line.text)
        if in_header:
            kind = "title" if heading and len(heading.group(1)) == 1 else "meta"
            lines.append(replace(line, text=clean_line(heading.group(2)) if heading else line.text, kind=kind))
        elif heading:
            lines.append(replace(line, text=clean_line(heading.group(2)), kind="heading"))
        else:
            lines.append(line)
    if lines and lines[0].kind == "text" and text.lstrip().startswith("# "):
        lines[0] = replace(lines[0], kind="title")
    return lines


_BLOCK_TAGS = frozenset(
    "address article aside blockquote body br center dd div dl dt figcaption figure footer form h1 h2 h3 h4 h5 h6 "
    "header hr li main nav ol p pre section table tbody td th thead tr ul".split()
)
_SKIP_TAGS = frozenset("head script style noscript template iframe svg".split())


def _html_lines(raw: bytes) -> list[Line]:
    """Block-level text of a saved web page, each block on its own line numbered by its source line.

    BeautifulSoup's UnicodeDammit finds the encoding (meta charset, else UTF-8 or GB18030); lxml parses
    and, unlike bs4's lxml builder, keeps each element's source line for error messages.
    """
    import lxml.html
    from bs4.dammit import UnicodeDammit

    markup = UnicodeDammit(raw, ["utf-8", "gb18030"], is_html=True).unicode_markup or ""
    markup = re.sub(r"^\s*<\?xml[^>]*>", "", markup)
    root = lxml.html.document_fromstring(markup)
    lines: list[Line] = []
    buffer: list[str] = []
    start = [1]
    keep_newlines = [False]

    def add(text: str | None, lineno: int, pre: bool) -> None:
        if text:
            if not buffer:
                start[0] = lineno
            buffer.append(text)
            keep_newlines[0] = keep_newlines[0] or pre

    def flush() -> None:
        text = "".join(buffer) if keep_newlines[0] else _collapse_source_newlines("".join(buffer))
        buffer.clear()
        keep_newlines[0] = False
        for piece in text.split("\n"):
            if clean_line(piece):
                lines.append(Line(start[0], clean_line(piece)))

    def walk(element: Any, pre: bool) -> None:
        tag = element.tag if isinstance(element.tag, str) else ""
        if tag in _SKIP_TAGS or not tag:
            return
        pre = pre or tag == "pre"
        block = tag in _BLOCK_TAGS
        if block:
            flush()
        add(element.text, element.sourceline or start[0], pre)
        for child in element:
            walk(child, pre)
            add(child.tail, child.sourceline or start[0], pre)
        if block:
            flush()

    walk(root, False)
    flush()
    return lines


def _collapse_source_newlines(text: str) -> str:
    """HTML source line breaks are spaces when rendered; between Chinese characters they vanish."""
    text = re.sub(rf"(?<=[{CJK_CHARS}，。；：、（）《》“”])\s*\n\s*(?=[{CJK_CHARS}，。；：、（）《》“”])", "", text)
    return re.sub(r"\s*\n\s*", " ", text)


def _docx_lines(path: Path) -> list[Line]:
    """DOCX paragraphs (soft line breaks split them); the 'line' number is the paragraph number."""
    import docx

    try:
        document = docx.Document(str(path))
    except Exception as exc:  # python-docx raises several unrelated types for broken packages
        raise CorpusError(path, None, "unreadable", f"not a readable DOCX file ({exc})") from exc
    lines: list[Line] = []
    for number, paragraph in enumerate(document.paragraphs, start=1):
        for piece in paragraph.text.split("\n"):
            if clean_line(piece):
                lines.append(Line(number, clean_line(piece)))
    return lines


def read_source(path: Path) -> SourceFile:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise CorpusError(path, None, "unreadable", f"cannot read the file: {exc.strerror or exc}") from exc
    fmt = _sniff(path, raw)
    if fmt == "docx":
        lines = _docx_lines(path)
    elif fmt == "pdf":
        from qa.importer.pdf import pdf_lines

        lines = pdf_lines(path)
    elif fmt == "html":
        lines = _html_lines(raw)
    elif fmt == "markdown":
        lines = _markdown_lines(_decode(raw, path))
    else:
        lines = _text_lines(_decode(raw, path))
    return SourceFile(fmt, tuple(lines), hashlib.sha256(raw).hexdigest())
