"""Which PDF library reads Chinese regulations best: pypdf, pdfminer.six or pdfplumber.

Typesets a deterministic sample of law-library documents as PDFs (tests/pdfgen.py: title, 目录,
centred headings, indented paragraphs broken at the page width, running title, ``－N－`` footer),
in two fonts — reportlab's built-in CID font STSong-Light (not embedded, no ToUnicode map: the
reader must know Adobe-GB1) and WenQuanYi Micro Hei (embedded TrueType subset with a ToUnicode
map, as a word processor writes) — then reads each PDF's printed lines with each library, turns
them into paragraphs with the same qa.importer.pdf code, imports them, and compares with importing the
source Markdown: documents whose article count equals the source's, documents whose every
article text is identical, character accuracy of the article text (2·matched / (source +
extracted) characters, difflib), chapters equal, and the reading time per page.

    .venv/bin/python bench/pdf_survey.py [--every 100] [--markdown]
"""

from __future__ import annotations

import argparse
import difflib
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from qa.importer import pdf as qa_pdf  # noqa: E402
from qa.corpus import CorpusError, Regulation  # noqa: E402
from qa.importer import parse_with_warnings  # noqa: E402
from qa.importer.pdf import Row  # noqa: E402
from qa.importer.pdf import read_rows as original_read_rows  # noqa: E402
from tests.pdfgen import LIBRARY, STSONG, WQY_FILE, markdown_to_pdf, sample  # noqa: E402

Reader = Callable[[Path], tuple[list[Row], int]]


def pypdf_rows(path: Path) -> tuple[list[Row], int]:
    """What qa.importer.pdf reads with: pypdf's text visitor, pieces joined per baseline, right edges estimated."""
    return original_read_rows(path)


def pdfminer_rows(path: Path) -> tuple[list[Row], int]:
    from pdfminer.high_level import extract_pages
    from pdfminer.layout import LTChar, LTTextContainer, LTTextLineHorizontal

    rows: list[Row] = []
    pages = 0
    for number, layout in enumerate(extract_pages(str(path)), 1):
        pages = number
        found: list[Row] = []
        for box in layout:
            if isinstance(box, LTTextContainer):
                for line in box:
                    if isinstance(line, LTTextLineHorizontal):
                        size = max((c.size for c in line if isinstance(c, LTChar)), default=0.0)
                        found.append(Row(number, line.x0, line.x1, layout.height - line.y1, size, line.get_text().rstrip("\n")))
        rows += sorted(found, key=lambda r: (r.top, r.x0))
    return rows, pages


def pdfplumber_rows(path: Path) -> tuple[list[Row], int]:
    import pdfplumber

    rows: list[Row] = []
    with pdfplumber.open(path) as document:
        for number, page in enumerate(document.pages, 1):
            for line in page.extract_text_lines(return_chars=True, strip=True, keep_blank_chars=True):
                size = max((c["size"] for c in line["chars"]), default=0.0)
                rows.append(Row(number, line["x0"], line["x1"], line["top"], size, line["text"]))
        return rows, len(document.pages)


def pypdf_text(path: Path) -> str:
    import pypdf

    return "\n".join(page.extract_text() for page in pypdf.PdfReader(path).pages)


def pdfminer_text(path: Path) -> str:
    from pdfminer.high_level import extract_text

    return extract_text(str(path))


def pdfplumber_text(path: Path) -> str:
    import pdfplumber

    with pdfplumber.open(path) as document:
        return "\n".join(page.extract_text() for page in document.pages)


PLAIN: dict[str, Callable[[Path], str]] = {"pypdf": pypdf_text, "pdfminer.six": pdfminer_text, "pdfplumber": pdfplumber_text}
READERS: dict[str, Reader] = {"pypdf": pypdf_rows, "pdfminer.six": pdfminer_rows, "pdfplumber": pdfplumber_rows}


@dataclass
class Score:
    docs: int = 0
    pages: int = 0
    count_equal: int = 0
    text_equal: int = 0
    chapters_equal: int = 0
    matched: int = 0
    chars: int = 0
    seconds: float = 0.0
    refused: list[str] = field(default_factory=list)
    differences: list[str] = field(default_factory=list)

    def row(self, name: str, font: str) -> str:
        accuracy = 2 * self.matched / self.chars if self.chars else 0.0
        return (
            f"| {name} | {font} | {self.count_equal}/{self.docs} | {self.text_equal}/{self.docs} | {accuracy:.5f} | "
            f"{self.chapters_equal}/{self.docs} | {1000 * self.seconds / max(self.pages, 1):.0f} |"
        )


def compare(source: Regulation, got: Regulation, score: Score) -> None:
    score.count_equal += len(got.articles) == len(source.articles)
    theirs = {a.key: a.text for a in got.articles}
    score.text_equal += all(theirs.get(a.key) == a.text for a in source.articles) and len(theirs) == len(source.articles)
    score.chapters_equal += [(c.number, c.title) for c in got.chapters] == [(c.number, c.title) for c in source.chapters]
    for article in source.articles:
        other = theirs.pop(article.key, "")
        if other != article.text and len(score.differences) < 40:
            score.differences.append(f"{source.title} {article.label_zh}: {article.text[:300]!r}\n   → {other[:300]!r}")
        matcher = difflib.SequenceMatcher(None, article.text, other, autojunk=False)
        score.matched += sum(block.size for block in matcher.get_matching_blocks())
        score.chars += len(article.text) + len(other)
    score.chars += sum(len(text) for text in theirs.values())  # extra articles count as wrong characters


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--every", type=int, default=100, help="take every Nth sorted library file (default 100)")
    parser.add_argument("--fonts", default="cid,ttf", help="cid (STSong-Light), ttf (WenQuanYi), or both (default)")
    parser.add_argument("--show", action="store_true", help="print the articles that differ")
    parser.add_argument("--readers", default=",".join(READERS), help="comma-separated subset of " + ", ".join(READERS))
    args = parser.parse_args(argv)
    if not LIBRARY.is_dir():
        print(f"the law library is not at {LIBRARY}", file=sys.stderr)
        return 2
    files = sample(args.every)
    fonts = {"STSong-Light (CID)": STSONG} if "cid" in args.fonts else {}
    if WQY_FILE.is_file() and "ttf" in args.fonts:
        fonts["WenQuanYi (TrueType)"] = str(WQY_FILE)
    print(f"{len(files)} documents (every {args.every}th library file that imports cleanly)", file=sys.stderr)
    lines = ["| library | font | article count = source | all article texts = source | character accuracy | chapters = source | ms / page |", "|---|---|---|---|---|---|---|"]
    plain_lines: list[str] = []
    original = qa_pdf.read_rows
    with tempfile.TemporaryDirectory() as tmp:
        for font_name, font in fonts.items():
            pdfs = []
            for i, path in enumerate(files):
                out = Path(tmp) / f"{i}-{font_name[:3]}.pdf"
                rendered = markdown_to_pdf(path, out, font=font)
                pdfs.append((path, out, rendered.pages))
            for name in args.readers.split(","):
                reader, score = READERS[name], Score()

                def timed(pdf_path: Path, reader: Reader = reader, score: Score = score) -> tuple[list[Row], int]:
                    start = time.perf_counter()
                    result = reader(pdf_path)
                    score.seconds += time.perf_counter() - start
                    return result

                qa_pdf.read_rows = timed  # type: ignore[assignment]
                for path, out, pages in pdfs:
                    score.docs += 1
                    score.pages += pages
                    source = parse_with_warnings(path)[0]
                    try:
                        got = parse_with_warnings(out)[0]
                    except CorpusError as exc:
                        score.refused.append(f"{path.name}: {exc}")
                        score.chars += sum(len(a.text) for a in source.articles)
                        continue
                    compare(source, got, score)
                qa_pdf.read_rows = original  # type: ignore[assignment]
                lines.append(score.row(name, font_name))
                plain = Score()
                for path, out, pages in pdfs:
                    plain.docs += 1
                    plain.pages += pages
                    start = time.perf_counter()
                    text = PLAIN[name](out)
                    plain.seconds += time.perf_counter() - start
                    txt = out.with_suffix(".txt")
                    txt.write_text(text, encoding="utf-8")
                    source = parse_with_warnings(path)[0]
                    try:
                        compare(source, parse_with_warnings(txt)[0], plain)
                    except CorpusError as exc:
                        plain.refused.append(f"{path.name}: {exc}")
                        plain.chars += sum(len(a.text) for a in source.articles)
                plain_lines.append(plain.row(f"{name} `extract_text()` → text import", font_name))
                for reason in score.refused[:5]:
                    print(f"  {name} / {font_name} refused {reason}", file=sys.stderr)
                for difference in score.differences if args.show else []:
                    print(f"  {name} / {font_name} differs: {difference}", file=sys.stderr)
                print(lines[-1], file=sys.stderr)
    print("\n".join(lines + plain_lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
