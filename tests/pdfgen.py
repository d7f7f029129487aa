"""Typeset a library Markdown document as an official-looking PDF, for the PDF import tests and bench.

The layout is the one the national database's PDFs use: a centred title, the adoption note, a
目录 of the chapters, centred 章/节 headings, paragraphs with a two-character first-line indent,
lines broken at the page width wherever a character falls (closing punctuation hangs at the end
of the line instead of starting the next; Latin words and numbers are kept whole and the space
at a break is dropped, as a word processor does), a running header and a page number footer.
Nothing is committed as a binary: tests build their PDFs with this module (reportlab).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Sequence

from qa.corpus import CorpusError
from qa.importer import parse_with_warnings
from qa.importer.tokens import HEADING
from qa.lang.numerals import NUMERAL, SMALL_NUMERAL

#: The shared law library, beside the project (as in CI).
LIBRARY = Path(__file__).resolve().parents[2] / "shared" / "regulations" / "library"


def sample(every: int) -> list[Path]:
    """Every Nth sorted library file that imports cleanly as Markdown (no warning) and begins at 第一条."""
    chosen = []
    for path in sorted(LIBRARY.rglob("*.md"))[::every]:
        try:
            regulation, warnings = parse_with_warnings(path)
        except CorpusError:
            continue
        if not warnings and regulation.articles[0].key == (1, 0):
            chosen.append(path)
    return chosen

STSONG = "STSong-Light"  # reportlab's built-in Adobe-GB1 CID font: no font file needed
WQY_FILE = Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")  # Debian fonts-wqy-microhei (embedded TrueType)

_NO_LINE_START = set("，。、；：？！）》」』”’…%")
_UNIT = re.compile(r"[A-Za-z0-9]+|.", re.S)
_LABEL_SPACE = re.compile(rf"^(第{NUMERAL}条(?:之{SMALL_NUMERAL})?) ")


def _official_heading(text: str) -> str:
    """``第一章 总则`` as official texts print it: ``第一章　总　　则`` (ideographic spaces)."""
    match = HEADING.match(text)
    if not match or not match.group(3):
        return text
    title = match.group(3)
    if len(title) == 2:
        title = title[0] + "\u3000\u3000" + title[1]
    return f"第{match.group(1)}{match.group(2)}\u3000{title}"


@dataclass(frozen=True)
class Block:
    """One thing to print: title | meta | toc | toc-entry | heading | paragraph."""

    kind: str
    text: str


@dataclass
class Rendered:
    """What was printed, so a test can check that the layout really exercised each case."""

    path: Path
    pages: int = 0
    wrapped: int = 0  # paragraphs printed over more than one line
    across_pages: int = 0  # paragraphs that continue on the next page
    breaks_after_stop: int = 0  # line breaks inside a paragraph right after 。；：
    body_lines: list[tuple[int, str]] = field(default_factory=list)  # (page, text) of every printed body line


def markdown_blocks(path: Path, *, toc: bool = True) -> list[Block]:
    """The library file as blocks: ``#`` title, header lines, a 目录 built from its chapters, then the body."""
    text = path.read_text(encoding="utf-8")
    head, _, body = text.partition("<!-- INFO END -->")
    if not body:
        head, body = "", text
    blocks: list[Block] = []
    for line in head.splitlines():
        line = line.strip()
        if line.startswith("# "):
            blocks.append(Block("title", line[2:].strip()))
        elif line and not line.startswith("<!--"):
            blocks.append(Block("meta", line.lstrip("#").strip()))
    rest: list[Block] = []
    for line in body.splitlines():
        line = line.strip()
        if not line or line.startswith("<!--"):
            continue
        if line.startswith("#"):
            rest.append(Block("heading", _official_heading(line.lstrip("#").strip())))
        else:
            rest.append(Block("paragraph", _LABEL_SPACE.sub("\\1\u3000", line, count=1)))
    chapters = [b.text for b in rest if b.kind == "heading" and (m := HEADING.match(b.text)) and m.group(2) in ("编", "章")]
    if toc and len(chapters) > 1:
        blocks += [Block("toc", "目\u3000\u3000录"), *(Block("toc-entry", c) for c in chapters)]
    return blocks + rest


def register_font(font: str) -> str:
    """Register ``font`` (STSONG, or a .ttf/.ttc path) with reportlab; return its name."""
    from reportlab.pdfbase import pdfmetrics

    if font == STSONG:
        from reportlab.pdfbase.cidfonts import UnicodeCIDFont

        if STSONG not in pdfmetrics.getRegisteredFontNames():
            pdfmetrics.registerFont(UnicodeCIDFont(STSONG))
        return STSONG
    from reportlab.pdfbase.ttfonts import TTFont

    name = Path(font).stem
    if name not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont(name, font, subfontIndex=0))
    return name


def wrap(text: str, width: float, first: float, measure: Callable[[str], float]) -> list[str]:
    """Break a paragraph into lines: ``first`` is the first line's width, ``width`` the others'."""
    lines: list[str] = []
    current, available = "", first
    for unit in _UNIT.findall(text):
        if not current or measure(current + unit) <= available:
            current += unit
        elif unit in _NO_LINE_START:  # hanging punctuation: it never starts a line
            lines.append(current + unit)
            current, available = "", width
        else:
            lines.append(current.rstrip(" "))
            current, available = unit.lstrip(" "), width
    if current or not lines:
        lines.append(current)
    return lines


def render(
    blocks: Sequence[Block],
    out: Path,
    *,
    font: str = STSONG,
    size: float = 12,
    header: str | None = "title",
    header_on_first: bool = False,
    footer: str = "－{n}－",
    page_size: tuple[float, float] = (595.27, 841.89),
    margins: tuple[float, float] = (79, 72),
    indent: float = 2,
) -> Rendered:
    """Print ``blocks`` to ``out``. ``header`` "title" repeats the title on top of each page (None: no
    header); ``footer`` is a format with ``{n}`` (page) and ``{total}``, empty for none; ``indent``
    is the paragraphs' first-line indent in characters (0: flush left)."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfgen import canvas

    name = register_font(font)
    width, height = page_size
    left, top_margin = margins
    text_width = width - 2 * left
    leading = size * 1.75
    title = next((b.text for b in blocks if b.kind == "title"), "")
    running = title if header == "title" else header
    laid: list[list[tuple[float, float, float, str]]] = [[]]  # per page: (x, y, size, text)
    y = height - top_margin
    info = Rendered(out)
    last_paragraph_page = [0]

    def measure(s: str, pt: float = size) -> float:
        return pdfmetrics.stringWidth(s, name, pt)

    def put(x: float, text: str, pt: float = size, gap: float = 0) -> int:
        nonlocal y
        y -= gap
        if y - pt < top_margin:
            laid.append([])
            y = height - top_margin
        laid[-1].append((x, y, pt, text))
        y -= pt * 1.75
        return len(laid)

    def centred(text: str, pt: float, gap: float) -> None:
        for i, line in enumerate(wrap(text, text_width - 4 * pt, text_width - 4 * pt, lambda s: measure(s, pt))):
            put((width - measure(line, pt)) / 2, line, pt, gap if i == 0 else 0)

    for block in blocks:
        if block.kind == "title":
            centred(block.text, size * 1.5, 0)
        elif block.kind == "toc":
            centred(block.text, size, size)
        elif block.kind == "heading":
            centred(block.text, size, size * 0.8)
        elif block.kind in ("paragraph", "meta", "toc-entry"):
            lines = wrap(block.text, text_width, text_width - indent * size, measure)
            info.wrapped += len(lines) > 1 and block.kind == "paragraph"
            pages = set()
            for i, line in enumerate(lines):
                page = put(left + (indent * size if i == 0 else 0), line, gap=size * 0.6 if block.kind == "meta" and i == 0 else 0)
                pages.add(page)
                if block.kind == "paragraph":
                    info.body_lines.append((page, line))
                    if i + 1 < len(lines) and line.endswith(("。", "；", "：")):
                        info.breaks_after_stop += 1
            info.across_pages += len(pages) > 1
            last_paragraph_page[0] = max(pages)
    info.pages = len(laid)
    pdf = canvas.Canvas(str(out), pagesize=page_size, pageCompression=1, invariant=1)
    pdf.setTitle(title)
    for number, page in enumerate(laid, 1):
        if running and (number > 1 or header_on_first):
            pdf.setFont(name, 9)
            pdf.drawCentredString(width / 2, height - 40, running)
        if footer:
            pdf.setFont(name, 10.5)
            pdf.drawCentredString(width / 2, 40, footer.format(n=number, total=info.pages))
        for x, baseline, pt, text in page:
            pdf.setFont(name, pt)
            pdf.drawString(x, baseline - pt, text)
        pdf.showPage()
    pdf.save()
    return info


def markdown_to_pdf(path: Path, out: Path, **options: object) -> Rendered:
    """A library Markdown file as a PDF (see :func:`render` for the options)."""
    toc = bool(options.pop("toc", True))
    return render(markdown_blocks(path, toc=toc), out, **options)  # type: ignore[arg-type]
