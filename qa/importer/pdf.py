"""Read the text layer of a PDF into the importer's lines, using the page layout to rebuild paragraphs.

A PDF holds printed lines, not paragraphs. What the layout tells, and text alone cannot:

- page furniture: a line repeated on most pages at the same height (the running title, a footer
  ``－3－``), a page number at the top or bottom of a page (``－1－``, ``- 1 -``, ``1``, ``第1页``,
  ``第 1 页 共 5 页``), and the title repeated on top of later pages, are left out;
- paragraphs: official texts indent the first line of each paragraph by two characters. A line
  that starts at the left margin after a line that ran to the right margin continues it (also over
  a page break), whatever character ends it; an indented line, a line after a short one, after a
  wider gap or in another size starts a paragraph. Where the layout has no indents, the importer's
  text rules decide (``_is_wrapped`` in :mod:`qa.importer.builder`: a line that ends no sentence continues);
- headings: a centred line among the articles is a heading (a ``#`` line in Markdown terms), so an
  unnumbered one such as ``一、一般规定`` ends the article above it instead of joining it.

Error lines name the page. The text layer is read with pypdf (chosen by measurement, docs/pdf.md).
"""

from __future__ import annotations

import math
import re
import statistics
import unicodedata
from collections import Counter
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Sequence

from qa.corpus.model import CorpusError
from qa.importer.formats import Line, clean_line
from qa.importer.tokens import ARTICLE, ITEM

__all__ = ["Row", "pdf_lines", "lines_from_rows", "read_rows"]

_PAGE_NUMBER = re.compile(
    r"^(?:[－—–\-]\s*\d+\s*[－—–\-]|\d+|第\s*\d+\s*页(?:\s*[，,/]?\s*共\s*\d+\s*页)?|共\s*\d+\s*页\s*第\s*\d+\s*页|\d+\s*/\s*\d+)$"
)
_LATIN_END = re.compile(r"[A-Za-z0-9]$")
_LATIN_START = re.compile(r"^[A-Za-z0-9]")


@dataclass(frozen=True)
class Row:
    """One printed line: its page (from 1), left and right edge and top (growing downwards), font size."""

    page: int
    x0: float
    x1: float
    top: float
    size: float
    text: str
    page_width: float = 0.0  # 0: unknown


def _width(text: str, size: float) -> float:
    """pypdf tells where a piece of text starts, not where it ends: full-width characters are 1 em, others ½."""
    return sum(size if unicodedata.east_asian_width(c) in "WFA" else 0.5 * size for c in text)


def read_rows(path: Path) -> tuple[list[Row], int]:
    """The printed lines of every page (pieces of text on one baseline joined) and the number of pages."""
    import pypdf

    try:
        reader = pypdf.PdfReader(path)
        if reader.is_encrypted and not reader.decrypt(""):
            raise CorpusError(path, None, "unreadable", "the PDF is encrypted with a password; save an unprotected copy")
        rows: list[Row] = []
        for number, page in enumerate(reader.pages, 1):
            height = float(page.mediabox.height)
            pieces: list[tuple[float, float, float, str]] = []

            def visit(text: str, cm: list[float], tm: list[float], font: object, size: float) -> None:
                if text:
                    x, y = tm[4] * cm[0] + tm[5] * cm[2] + cm[4], tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
                    pieces.append((x, y, size * math.hypot(tm[0], tm[1]) * (math.hypot(cm[0], cm[1]) or 1), text))

            page.extract_text(visitor_text=visit)
            line: list[tuple[float, float, float, str]] = []
            for piece in pieces + [(0.0, -1e9, 0.0, "")]:
                if line and abs(line[-1][1] - piece[1]) > 0.3 * max(piece[2], line[-1][2], 1):
                    text = "".join(t for *_, t in line).replace("\n", "")
                    x0, y0, size = line[0][0], line[0][1], max(p[2] for p in line)
                    x1 = max(x0 + _width(text, size), *(p[0] + _width(p[3].strip(), size) for p in line))
                    rows.append(Row(number, x0, x1, height - y0 - size, size, text, float(page.mediabox.width)))
                    line = []
                line.append(piece)
        return rows, len(reader.pages)
    except CorpusError:
        raise
    except (pypdf.errors.PyPdfError, ValueError, KeyError, TypeError, OSError) as exc:
        raise CorpusError(path, None, "unreadable", f"not a readable PDF file ({exc})") from exc


def pdf_lines(path: Path) -> list[Line]:
    """The importer's lines of a PDF; a PDF without a text layer is refused with the fix."""
    rows, pages = read_rows(path)
    lines = lines_from_rows(rows, pages)
    if sum(len(line.text) for line in lines) < 10:
        raise CorpusError(path, None, "no-text-layer", "no text layer: this PDF is a scan; OCR it first")
    return lines


def _merge_baselines(rows: Sequence[Row]) -> list[Row]:
    """Rows in reading order (top to bottom, left to right: content streams need not be); pieces of one
    printed line (a backend may split it at a wide gap) become one row; invisible ones (U+200B) go."""
    out: list[Row] = []
    for row in sorted(rows, key=lambda r: (r.page, round(r.top / max(r.size, 1) * 4), r.x0)):
        row = replace(row, text=clean_line(row.text))
        last = out[-1] if out else None
        if last and last.page == row.page and abs(last.top - row.top) < 0.3 * row.size and row.x0 >= last.x1 - 0.5:
            gap = " " if row.x0 - last.x1 > 0.4 * row.size else ""
            out[-1] = replace(last, x1=row.x1, text=last.text + gap + row.text, size=max(last.size, row.size))
        elif row.text:
            out.append(row)
    return out


def _furniture(rows: Sequence[Row], pages: int) -> set[int]:
    """Indices of running headers and footers, page numbers, and the title repeated atop later pages."""
    by_page: dict[int, list[int]] = {}
    for i, row in enumerate(rows):
        by_page.setdefault(row.page, []).append(i)
    edges = {i for ids in by_page.values() for i in ids[:2] + ids[-2:]}
    key = {i: (round(rows[i].top / max(rows[i].size, 1)), re.sub(r"\d+", "#", rows[i].text.strip())) for i in edges}
    seen = Counter(k for k in set((rows[i].page, key[i]) for i in edges))
    on_pages = Counter(k for _, k in seen)
    repeated = {i for i in edges if pages > 1 and on_pages[key[i]] >= max(2, (pages + 1) // 2)}
    numbers = {i for ids in by_page.values() for i in (ids[0], ids[-1]) if _PAGE_NUMBER.match(rows[i].text.strip())}
    first = [rows[i] for i in by_page.get(1, [])[:3]]
    title = "".join(r.text for r in first if r.size == first[0].size) if first else ""
    titles = {ids[0] for page, ids in by_page.items() if page > 1 and rows[ids[0]].text in (title, first[0].text if first else "")}
    return repeated | numbers | titles


def _join(first: str, second: str) -> str:
    """Two halves of a wrapped line; a word processor drops the space where it breaks Latin words."""
    space = " " if _LATIN_END.search(first) and _LATIN_START.search(second) else ""
    return first + space + second


def lines_from_rows(rows: Sequence[Row], pages: int) -> list[Line]:
    """Paragraph lines from printed lines: see the module docstring for the rules."""
    rows = _merge_baselines(rows)
    furniture = _furniture(rows, pages)
    body = [row for i, row in enumerate(rows) if i not in furniture]
    if not body:
        return []
    em = statistics.median(row.size for row in body)
    sized = [row for row in body if abs(row.size - em) < 0.5] or body
    left = min(row.x0 for row in sized)
    long_ends = [round(row.x1) for row in sized if row.x1 - row.x0 > 0.6 * (max(r.x1 for r in sized) - left)]
    right = Counter(long_ends).most_common(1)[0][0] if long_ends else max(row.x1 for row in sized)
    indents = Counter(round(row.x0 - left) for row in sized if 1.5 * em <= row.x0 - left <= 2.6 * em)
    indent, count = indents.most_common(1)[0] if indents else (0, 0)
    indented = count >= max(2, len(sized) // 20)
    pitches = [b.top - a.top for a, b in zip(body, body[1:]) if a.page == b.page and 0 < b.top - a.top < 4 * em]
    pitch = statistics.median(pitches) if pitches else 1.75 * em

    # The middle of the text block; without full lines to measure it by, the middle of the page.
    middle = (left + right) / 2 if long_ends or not body[0].page_width else body[0].page_width / 2

    def centred(row: Row) -> bool:
        """In the middle, and not a paragraph's indented first line that happens to end as far from the margin."""
        offset = row.x0 - left
        paragraph = indented and abs(offset - indent) < 0.25 * em
        return offset > 0.5 * row.size and abs((row.x0 + row.x1) / 2 - middle) < 0.4 * row.size and not paragraph

    lines: list[Line] = []
    previous: Row | None = None
    in_articles = False
    for row in body:
        text = row.text.strip()
        in_articles = in_articles or bool(ARTICLE.match(text))
        if previous is None:
            lines.append(Line(row.page, text))
            previous = row
            continue
        same_size = abs(previous.size - row.size) < 0.5
        wide_gap = row.page == previous.page and row.top - previous.top > 1.4 * pitch
        full = previous.x1 >= right - 1.5 * row.size
        at_margin = row.x0 - left < 0.5 * row.size
        if same_size and not wide_gap and centred(previous) and centred(row) and previous.x1 - previous.x0 > 0.7 * (right - left):
            continues = True  # a centred title or heading wrapped onto a second line
        else:
            continues = same_size and not wide_gap and full and at_margin and indented and not centred(previous)
        if continues:
            lines[-1] = replace(lines[-1], text=_join(lines[-1].text, text))
        else:
            starts = not (same_size and not wide_gap and full and at_margin)
            # Before the articles a centred line is the title, the adoption note or 目录, unless numbered (一、一般规定).
            heading = centred(row) and not ARTICLE.match(text) and (in_articles or bool(ITEM.match(text)))
            kind = "heading" if heading else "text"
            lines.append(Line(row.page, text, kind=kind, after_blank=starts))
        previous = row
    return lines
