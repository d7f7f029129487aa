"""Import a published regulation into a corpus folder, keeping its text exactly as published.

Reads plain text (copied from an official web page or exported from a DOCX), the Markdown of the
shared law library (``# title`` … ``<!-- INFO END -->`` … ``## 第X章``), saved HTML pages, DOCX
files and PDFs (their text layer and layout, :mod:`qa.importer.pdf`). Every format is first reduced to numbered source lines; one parser then finds the structure
(编 / 章 / 节 / 条) and checks it, so an error always names the line of the file the user gave us.

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

import hashlib
import json
import os
import re
import unicodedata
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence

from qa import config
from qa.corpus.model import (
    REGULATION_FILE,
    Article,
    Chapter,
    FRONT_KINDS,
    CorpusError,
    FrontMatter,
    Paragraph,
    Regulation,
    Section,
    Source,
    article_number_en,
    save_corpus,
)
from qa.lang.numerals import article_label, from_chinese, parse_number, to_chinese

__all__ = [
    "ImportSummary",
    "parse_document",
    "parse_with_warnings",
    "import_document",
    "restore_fullwidth",
    "is_folded",
    "load_catalogue",
    "slugify",
]


Progress = Callable[[str], None]

# ---------------------------------------------------------------- patterns

_NUM = r"[零一二三四五六七八九十百千〇两0-9０-９]+"
_SPACE = " \t\u3000\xa0"
_STRIP = " \t\r\n\u3000\xa0\u200b\u200c\u200d\ufeff\u2028\u2029"
# 1: 第 (or the look-alike typo 笫), 2: number, 3: a stray space before 条, 4: 之Y of an inserted
# article, 5: the space after the label, 6: the article's text.
_ARTICLE = re.compile(rf"^([第笫])({_NUM})([{_SPACE}]*)条(?:之([一二三四五六七八九十]+))?([{_SPACE}]*)(.*)$")
_HEADING = re.compile(rf"^第({_NUM})(分编|编|章|节)(?:[{_SPACE}]*(.*))?$")
_TOC = re.compile(rf"^目[{_SPACE}]*录$")
_ITEM = re.compile(r"^(?:[（(][一二三四五六七八九十0-9]+[）)]|[一二三四五六七八九十]+、|\d+[.．、])")
_TERMINAL = tuple("。；：！？…;:!?")
_CLOSERS = "”’」』）)》"
_CJK = "\u3400-\u9fff\uf900-\ufaff"
_CJK_CHAR = re.compile(f"[{_CJK}]")
_CJK_CONTEXT = re.compile(f"[{_CJK}\u3000-\u303f\uff00-\uffef\u2018\u2019\u201c\u201d\u2014\u2026]")
_SPACE_BETWEEN_CJK = re.compile(rf"(?<=[{_CJK}])\s+(?=[{_CJK}])")  # \s: any Unicode space, U+3000 and U+2002 too
_EDGE_SPACE = re.compile(r"^[\s\u200b-\u200d\ufeff]+|[\s\u200b-\u200d\ufeff]+$")
_COMMENT = re.compile(r"^<!--.*-->$")
_DATE = r"(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日"
_TITLE_END = re.compile(
    r"(条例|法|规定|办法|决定|解释|细则|规则|章程|准则|纲要|意见|通知|批复|答复|标准|规程|决议|修正案)"
    r"(（[^）]*）)?》?$"
)
_ORGAN_END = re.compile(r"(委员会|人民政府|人民法院|人民检察院|国务院|办公厅|办公室)$")
_ANNOUNCEMENT = re.compile(r"^[（(]([^）)]*届)[）)]\s*第(\S+?)号$")

_FULLWIDTH = {",": "，", ";": "；", ":": "：", "?": "？", "!": "！", "(": "（", ")": "）"}
_FOLDED_PUNCT = re.compile(r"[,;:?!]")
_RESTORE_NOTE = (
    "Full-width punctuation restored mechanically: the copy had it folded to ASCII, so ASCII , ; : ? ! "
    "next to Chinese text and ( ) around or next to Chinese text were turned back into ，；：？！（）; "
    "digits, dates and Latin text were left alone and nothing else was changed."
)


# ---------------------------------------------------------------- full-width punctuation


def _is_cjk(char: str) -> bool:
    return bool(char) and _CJK_CONTEXT.match(char) is not None


def _paren_pairs(line: str) -> dict[int, int]:
    """Positions of matched ASCII parentheses, opening → closing."""
    pairs: dict[int, int] = {}
    stack: list[int] = []
    for i, char in enumerate(line):
        if char == "(":
            stack.append(i)
        elif char == ")" and stack:
            pairs[stack.pop()] = i
    return pairs


def _restore_line(line: str) -> str:
    chars = list(line)

    def near_cjk(i: int) -> bool:
        return (i > 0 and _is_cjk(line[i - 1])) or (i + 1 < len(line) and _is_cjk(line[i + 1]))

    paired: set[int] = set()
    for open_, close in _paren_pairs(line).items():
        paired.update((open_, close))
        if _CJK_CHAR.search(line[open_ + 1 : close]) or near_cjk(open_) or near_cjk(close):
            chars[open_], chars[close] = "（", "）"
    for i, char in enumerate(line):
        if char in _FULLWIDTH and i not in paired and near_cjk(i):
            chars[i] = _FULLWIDTH[char]
    return "".join(chars)


def restore_fullwidth(text: str) -> str:
    """Undo ASCII folding of Chinese punctuation, line by line, touching nothing but , ; : ? ! ( ).

    A comma, semicolon, colon, question or exclamation mark becomes full-width when a Chinese
    character (or Chinese punctuation) stands right before or after it; a pair of parentheses when it
    encloses Chinese text or touches it. ``1,000``, ``10:30``, ``(1)`` between Latin words and every
    digit and letter stay as they are.
    """
    return "\n".join(_restore_line(line) for line in text.split("\n"))


def is_folded(text: str) -> bool:
    """True for Chinese text whose punctuation was folded to ASCII: ASCII marks beside Chinese, no full-width ones."""
    if any(mark in text for mark in "，；：（）"):
        return False
    for match in _FOLDED_PUNCT.finditer(text):
        i = match.start()
        if (i > 0 and _CJK_CHAR.match(text[i - 1])) or (i + 1 < len(text) and _CJK_CHAR.match(text[i + 1])):
            return True
    return False


# ---------------------------------------------------------------- reading formats


@dataclass(frozen=True)
class Line:
    """One source line: ``number`` is its line in the file (its paragraph number for DOCX, its page for PDF)."""

    number: int
    text: str
    kind: str = "text"  # text | heading (Markdown #) | title (Markdown # before INFO END) | meta
    after_blank: bool = False


@dataclass(frozen=True)
class _Input:
    format: str
    lines: tuple[Line, ...]
    sha256: str


def _clean(text: str) -> str:
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
        cleaned = _clean(raw)
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
            lines.append(replace(line, text=_clean(heading.group(2)) if heading else line.text, kind=kind))
        elif heading:
            lines.append(replace(line, text=_clean(heading.group(2)), kind="heading"))
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

    markup = UnicodeDammit(raw, ["utf-8", "gb18030"], is_html=True).unicode_markup
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
            if _clean(piece):
                lines.append(Line(start[0], _clean(piece)))

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
    text = re.sub(rf"(?<=[{_CJK}，。；：、（）《》“”])\s*\n\s*(?=[{_CJK}，。；：、（）《》“”])", "", text)
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
            if _clean(piece):
                lines.append(Line(number, _clean(piece)))
    return lines


def _read(path: Path) -> _Input:
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
    return _Input(fmt, tuple(lines), hashlib.sha256(raw).hexdigest())


# ---------------------------------------------------------------- tokens


@dataclass(frozen=True)
class _Token:
    """A classified line: an article start, a structural heading, a break, the TOC marker or text."""

    kind: str  # article | part | subpart | chapter | section | break | toc | text | title | meta
    line: Line
    number: int | None = None
    text: str = ""
    spaced: bool = True  # article label followed by a space
    suffix: int = 0  # 1 for 之一 of an inserted article
    typo: str = ""  # a defect of the article label that was read through (笫 for 第, a space before 条)

    @property
    def key(self) -> tuple[int, int]:
        return (self.number or 0, self.suffix)


def clean_title(text: str) -> str:
    """Headings print spaces inside short titles (``总　　则``) and around them; those are layout, not text.

    Any Unicode white space counts (U+3000 ideographic space, U+2002 en space as in the 民法典's
    ``第二节  监  护``, no-break space …), as do zero-width marks at the ends.
    """
    return _SPACE_BETWEEN_CJK.sub("", _EDGE_SPACE.sub("", text))


def _heading_token(line: Line) -> _Token | None:
    match = _HEADING.match(line.text)
    if not match:
        return None
    title = match.group(3) or ""
    if len(title) > 60 or title.endswith(("。", "；", "，", ",", ";")):
        return None
    try:
        number = parse_number(match.group(1))
    except ValueError:
        return None
    kind = {"编": "part", "分编": "subpart", "章": "chapter", "节": "section"}[match.group(2)]
    return _Token(kind, line, number, clean_title(title))


def _classify(line: Line, markdown: bool) -> _Token:
    if line.kind in ("title", "meta"):
        return _Token(line.kind, line, text=line.text)
    if line.kind == "heading":
        return _heading_token(line) or _Token("break", line, text=line.text)
    if _TOC.match(line.text):
        return _Token("toc", line)
    match = _ARTICLE.match(line.text)
    if match:
        try:
            number = parse_number(match.group(2))
            suffix = from_chinese(match.group(4)) if match.group(4) else 0
        except ValueError:
            number = None
        if number is not None:
            typos = (["笫 (U+7B2B) for 第"] if match.group(1) == "笫" else []) + (["a space before 条"] if match.group(3) else [])
            typo = f"{line.text[: match.end(4) if match.group(4) else match.start(5)]!r} has {' and '.join(typos)}" if typos else ""
            return _Token("article", line, number, match.group(6), bool(match.group(5)), suffix, typo)
    if not markdown:
        heading = _heading_token(line)
        if heading:
            return heading
    return _Token("text", line, text=line.text)


# ---------------------------------------------------------------- structure


@dataclass
class _ArticleDraft:
    number: int
    line: int
    chapter: int | None
    section: int | None
    paragraphs: list[str] = field(default_factory=list)
    suffix: int = 0

    @property
    def label(self) -> str:
        return article_label(self.number, self.suffix)


@dataclass
class _Structure:
    """What the parser found, before the declared article count is checked."""

    path: Path
    format: str
    sha256: str
    title: str
    subtitles: tuple[str, ...]
    preamble: tuple[str, ...]
    articles: list[_ArticleDraft]
    chapters: list[Chapter]
    sections: list[Section]
    excerpt: bool  # its own 目录 lists chapters the body never reaches
    restored: bool
    warnings: list[str]
    structure_warnings: tuple[str, ...] = ()  # the heading defects left out (not strict), as file:line: [rule] message


class _Builder:
    """Walks the body tokens, checking order as it goes and collecting articles and headings."""

    def __init__(self, path: Path, first_article: int | None, has_chapters: bool, wrap: bool, strict_headings: bool):
        self.path = path
        self.strict_headings = strict_headings
        self.defects: list[CorpusError] = []  # a broken heading order: the headings are left out
        self.lost: list[CorpusError] = []  # bare heading titles taken out of the article above them (not strict)
        self.first_article = first_article
        self.has_chapters = has_chapters
        self.wrap = wrap
        self.articles: list[_ArticleDraft] = []
        self.chapters: list[Chapter] = []
        self.sections: list[Section] = []
        self.part: int | None = None
        self.subpart = 0
        self.part_of_last_chapter: int | None = None
        self.section = 0
        self.open: _ArticleDraft | None = None
        self.after_heading: _Token | None = None
        self.bare_tail: _Token | None = None  # the open article's last paragraph, when it reads like a heading title
        self.dropped = 0
        self.warnings: list[str] = []

    def error(self, token: _Token, rule: str, message: str) -> CorpusError:
        return CorpusError(self.path, token.line.number, rule, message)

    def heading_defect(self, token: _Token, rule: str, message: str) -> None:
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

    def feed(self, token: _Token) -> None:
        handler = getattr(self, f"_on_{token.kind}", None)
        if handler is not None:
            handler(token)

    def _on_part(self, token: _Token) -> None:
        expected = (self.part or 0) + 1
        if token.number != expected:
            self.heading_defect(token, "part-order", f"part {token.number} (第{to_chinese(token.number or 1)}编) where part {expected} was expected")
        self.part, self.subpart = token.number, 0
        self._close(token)

    def _on_subpart(self, token: _Token) -> None:
        expected = self.subpart + 1
        if token.number != expected:
            self.heading_defect(token, "part-order", f"sub-part {token.number} (第{to_chinese(token.number or 1)}分编) where sub-part {expected} was expected")
        self.subpart = token.number or 0
        self._close(token)

    def _on_chapter(self, token: _Token) -> None:
        last = self.chapters[-1].number if self.chapters else 0
        restart = self.part is not None and self.part != self.part_of_last_chapter and token.number == 1
        if token.number != last + 1 and not restart:
            self.heading_defect(token, "chapter-order", f"chapter {token.number} (第{to_chinese(token.number or 1)}章) follows chapter {last}")
        self.chapters.append(Chapter(token.number or 0, token.text, None, self.part))
        self.part_of_last_chapter, self.section = self.part, 0
        self._close(token)

    def _on_section(self, token: _Token) -> None:
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

    def _on_break(self, token: _Token) -> None:
        self.open, self.after_heading, self.bare_tail = None, None, None

    def _close(self, token: _Token) -> None:
        self.open, self.after_heading, self.bare_tail = None, token, None

    def is_article(self, token: _Token) -> bool:
        """A label without a following space, or with a typo, starts an article only where it is the next one due."""
        if token.kind != "article":
            return False
        if token.spaced and not token.typo:
            return True
        return token.key in (self.expected_keys() or ((1, 0),))

    def _on_article(self, token: _Token) -> None:
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
        self.open = _ArticleDraft(token.number or 0, token.line.number, chapter, self.section or None, [token.text] if token.text else [], token.suffix)
        self.articles.append(self.open)
        self.after_heading = None

    def _on_text(self, token: _Token) -> None:
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
    return len(text) <= 30 and not text.rstrip(_CLOSERS).endswith(_TERMINAL + ("。", "，", ",")) and not _ITEM.match(text)


def _continues_heading(heading: _Token, token: _Token) -> bool:
    """A long heading wrapped onto a second line: the title breaks off after a connector or near the line width."""
    if heading.kind not in ("chapter", "section", "part", "subpart") or not _bare_heading(token.text):
        return False
    return heading.text.endswith(("、", "，", "和", "及", "与", "或", "的")) or len(heading.text) >= 12


def _is_wrapped(previous: str, token: _Token) -> bool:
    """A line continues the previous one when nothing ends there and nothing new begins."""
    if token.line.after_blank or _ITEM.match(token.text) or token.text.startswith("|"):
        return False
    end = previous.rstrip(_CLOSERS) or previous
    return not end.endswith(_TERMINAL) and bool(_CJK_CHAR.search(previous[-1:] + token.text[:1]))


def _looks_wrapped(body: Sequence[_Token]) -> bool:
    """A copy whose lines were broken at a width: many body lines stop mid-sentence.

    Official texts put each 款 and 项 on a line ending in 。；： — an unterminated line there is a
    rare heading inside an attachment, which must stay its own paragraph; so lines are joined only
    when at least a fifth of the body lines end unterminated.
    """
    lines = [t.text or t.line.text for t in body if t.kind in ("text", "article") and not _ITEM.match(t.text or "")]
    open_ends = sum(1 for text in lines if not text.rstrip(_CLOSERS).endswith(_TERMINAL))
    return bool(lines) and open_ends >= max(1, len(lines) / 5)


def _find_toc(tokens: Sequence[_Token]) -> tuple[int, int]:
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


def _chapters_beyond(chapters: Sequence[Chapter], toc: Sequence[_Token]) -> list[Chapter]:
    """Chapters an excerpt's own 目录 lists after the last one its body reaches (they hold no articles here)."""
    last = chapters[-1].number if chapters else 0
    later = [t for t in toc if (t.number or 0) > last]
    if [t.number for t in later] != list(range(last + 1, last + 1 + len(later))):
        return []
    return [Chapter(t.number or 0, t.text) for t in later]


def _title(tokens: Sequence[_Token], stop: int) -> tuple[str | None, tuple[str, ...]]:
    """Markdown: the first ``#`` line. Text: the last run of title-like lines before the structure."""
    titles = [t.text for t in tokens if t.kind == "title"]
    if titles:
        return clean_title(titles[0]) if _CJK_CHAR.search(titles[0]) else titles[0], tuple(titles[1:])
    joined: list[str] = []
    previous = -2
    for i, token in enumerate(tokens[:stop]):
        if token.kind != "text" or not _title_like(token.text):
            continue
        if i == previous + 1 and _title_continues(joined[-1], token.text):
            joined[-1] += token.text
        else:
            joined.append(token.text)
        previous = i
    best = next((t for t in reversed(joined) if _TITLE_END.search(t)), joined[-1] if joined else None)
    return (clean_title(best.strip("《》")) if best else None), ()


def _title_continues(first: str, second: str) -> bool:
    """A title broken over two lines: an unclosed 《, or a first line that only the second makes a title."""
    if first.count("《") > first.count("》"):
        return True
    return bool(re.fullmatch(f"[《{_CJK}]{{6,}}", first)) and not _TITLE_END.search(first) and bool(_TITLE_END.search(first + second))


def _title_like(text: str) -> bool:
    return not (
        "。" in text
        or text.startswith(("(", "（"))
        or re.fullmatch(_DATE, text)
        or (re.search(_DATE, text) and re.search("通过|施行|公布|修正|修订|批准", text))
        or text.endswith("公告")
        or _ANNOUNCEMENT.match(text)
        or _TOC.match(text)
        or (_ORGAN_END.search(text) and len(text) <= 30)
        or len(text) > 80
    )


def _structure(path: Path, *, first_article: int | None, strict_headings: bool = True) -> _Structure:
    source = _read(path)
    lines = source.lines
    restored = is_folded("\n".join(line.text for line in lines))
    if restored:
        lines = tuple(replace(line, text=_restore_line(line.text)) for line in lines)
    markdown = source.format == "markdown"
    tokens = [_classify(line, markdown) for line in lines]
    if not any(t.kind == "article" for t in tokens):
        raise CorpusError(path, None, "no-articles", "no articles found (no line starts with 第X条)")
    toc_start, toc_end = _find_toc(tokens)
    toc = tokens[toc_start:toc_end]
    body_start = toc_end if toc_end else next((i for i, t in enumerate(tokens) if t.kind not in ("text", "toc", "title", "meta")), len(tokens))
    title, subtitles = _title(tokens, toc_start if toc_end else body_start)
    body = [t for t in tokens[body_start:] if t.kind != "toc"]
    wrap = source.format in ("text", "html", "pdf") and _looks_wrapped(body)
    builder = _Builder(path, first_article or (None if markdown else 1), any(t.kind == "chapter" for t in body), wrap, strict_headings)
    for token in body:
        builder.feed(token)
    if not builder.articles:
        raise CorpusError(path, None, "no-articles", "no articles found (no line starts with 第X条)")
    for draft in builder.articles:
        if not draft.paragraphs:
            raise CorpusError(path, draft.line, "empty-article", f"{draft.label} has no text")
    warnings = ([_RESTORE_NOTE] if restored else []) + builder.warnings
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
    return _Structure(
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


# ---------------------------------------------------------------- metadata


def _iso(match: re.Match[str]) -> str:
    year, month, day = (int(g) for g in match.groups()[:3])
    return f"{year:04d}-{month:02d}-{day:02d}"


def _adoption(lines: Iterable[str]) -> tuple[str | None, str | None]:
    """(adopted date, adopting body) from the first '…年…月…日 …第X次会议通过' line."""
    for line in lines:
        match = re.search(_DATE + r"\s*([^，。,；]*?第[^，。次]{1,8}次[^，。]*?会议)[^，。]*?通过", line)
        if match:
            body = re.sub(r"第[^届次，。]{1,6}届", "", match.group(4))
            body = re.sub(r"第[^次]{1,8}次.*$", "", body)
            body = _clean(body.lstrip("已经在于"))
            return _iso(match), body or None
        match = re.search(_DATE + r"[^，。]*?通过", line)
        if match:
            return _iso(match), None
    return None, None


def _effective(lines: Iterable[str]) -> str | None:
    for line in lines:
        match = re.search(r"自\s*" + _DATE + r"\s*起(?:施行|生效)", line) or re.search(_DATE + r"\s*(?:起)?施行", line)
        if match:
            return _iso(match)
    return None


def _metadata(preamble: Sequence[str], articles: Sequence[_ArticleDraft]) -> dict[str, str | None]:
    """Issuing body, adoption and effective dates and announcement number, where the text states them."""
    adopted, body = _adoption(preamble)
    announcement = next(
        (f"（{m.group(1)}）第{m.group(2)}号" for line in preamble if (m := _ANNOUNCEMENT.match(line))), None
    )
    issuer = next((line[: -len("公告")] for line in preamble if line.endswith("公告") and len(line) <= 30), None)
    tail = [p for a in articles[-3:] for p in a.paragraphs]
    return {
        "issuing_body": issuer or body,
        "adopted": adopted,
        "effective": _effective(preamble) or _effective(tail),
        "announcement": announcement,
    }


_ADOPTION_NOTE = re.compile(r"^[（(].*(通过|修正|修订|批准|公布|施行).*[）)]$")


def _front_matter(structure: _Structure, source: str | None) -> tuple[FrontMatter, ...]:
    """The promulgation announcement (from its '…公告' line to the line before the title) and the
    adoption note (the bracketed line under the title), where the document has them."""
    preamble = list(structure.preamble)
    titles = {structure.title, f"《{structure.title}》"}
    title_at = next((i for i, line in enumerate(preamble) if clean_title(line) in titles), None)
    front: list[FrontMatter] = []
    start = next((i for i, line in enumerate(preamble) if line.endswith("公告") and len(line) <= 30), None)
    if start is not None and title_at is not None and start < title_at:
        front.append(FrontMatter("announcement", tuple(preamble[start:title_at]), source))
    after = preamble[title_at + 1 :] if title_at is not None else preamble
    note = next((line for line in after if _ADOPTION_NOTE.match(line)), None)
    if note is not None:
        front.append(FrontMatter("adoption", (note,), source))
    return tuple(front)


# ---------------------------------------------------------------- regulation


def slugify(title: str) -> str:
    """A folder name from a title: file-system-unsafe characters and spaces become '-'."""
    slug = unicodedata.normalize("NFKC", title)
    slug = re.sub(r'[\\/:*?"<>|\s]+', "-", slug).strip("-.")
    return slug.lower() or "regulation"


def _check_count(structure: _Structure, declared: int | None, partial: bool) -> bool:
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


def _regulation(structure: _Structure, regulation_id: str | None, declared: int | None, source: Source) -> Regulation:
    meta = _metadata(structure.preamble, structure.articles)
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
        front=_front_matter(structure, source.id),
        structure_warnings=structure.structure_warnings,
        **meta,
    )


def _file_source(structure: _Structure, source_id: str | None = None, url: str | None = None, note: str | None = None) -> Source:
    """The source record for the imported file itself (its name and SHA-256, and what was done to it)."""
    done = f"Imported by qa.importer from {structure.path.name} ({structure.format})."
    if structure.restored:
        done += " " + _RESTORE_NOTE
    return Source(
        id=source_id or f"file-{structure.sha256[:8]}",
        url=url,
        file=structure.path.name,
        sha256=structure.sha256,
        note=f"{note} {done}" if note else done,
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
    structure = _structure(Path(path), first_article=first_article, strict_headings=strict_headings)
    _check_count(structure, declared_articles, partial)
    return _regulation(structure, regulation_id, declared_articles, _file_source(structure)), tuple(structure.warnings)


# ---------------------------------------------------------------- import


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


def load_catalogue(path: str | os.PathLike[str] | None = None) -> dict[str, dict[str, Any]]:
    """Known facts about regulations, keyed by Chinese title (empty when there is no catalogue)."""
    path = config.catalogue_file() if path is None else path
    path = Path(path)
    if not path.is_file():
        return {}
    data = json.loads(path.read_text(encoding="utf-8"))
    return {entry["title"]: entry for entry in data.get("regulations", [])}


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


def _catalogue_sources(entry: dict[str, Any]) -> tuple[Source, ...]:
    return tuple(Source(**{k: v for k, v in s.items() if k in Source.__dataclass_fields__}) for s in entry.get("sources", []))


def _cite(sources: tuple[Source, ...], structure: _Structure) -> tuple[tuple[Source, ...], Source]:
    """``sources`` with the imported file cited: a known source whose sha256 matches the file is that file."""
    match = next((s for s in sources if s.sha256 == structure.sha256), None)
    if match is not None:
        plain = _file_source(structure, match.id, match.url, match.note)
        cited = replace(match, file=plain.file, sha256=plain.sha256, note=plain.note)
        return tuple(cited if s is match else s for s in sources), cited
    cited = _file_source(structure)
    return (*sources, cited), cited


def _supplement(regulation: Regulation, path: Path) -> Regulation:
    """Add the front matter (the announcement, say) that another document of the same regulation has
    and the main one lacks, after checking that every article it also has reads the same."""
    structure = _structure(path, first_article=None)
    if structure.title != regulation.title:
        raise CorpusError(path, None, "supplement-title", f"this document is 《{structure.title}》, not 《{regulation.title}》")
    for draft in structure.articles:
        article = regulation.article(draft.number, draft.suffix)
        if article is None:
            raise CorpusError(path, draft.line, "supplement-extra", f"{draft.label} is not in the main document")
        if tuple(draft.paragraphs) != tuple(p.text for p in article.paragraphs):
            raise CorpusError(path, draft.line, "supplement-disagrees", f"{draft.label} differs from the main document's text")
    sources, cited = _cite(regulation.sources, structure)
    have = {f.kind for f in regulation.front}
    added = [replace(f, source=cited.id) for f in _front_matter(structure, cited.id) if f.kind not in have]
    if not added:
        return replace(regulation, sources=sources)
    front = sorted((*regulation.front, *added), key=lambda f: list(FRONT_KINDS).index(f.kind))
    return replace(regulation, sources=sources, front=tuple(front))


def _merge(regulation: Regulation, entry: dict[str, Any], warnings: list[str]) -> Regulation:
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


def _check_storable(regulation: Regulation, structure: _Structure) -> None:
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
    structure = _structure(Path(path), first_article=None, strict_headings=not lenient)
    report(f"read {len(structure.articles)} articles from {Path(path).name}")
    entry = load_catalogue(catalogue).get(structure.title, {})
    declared = declared_articles if declared_articles is not None else entry.get("declared_articles")
    _check_count(structure, declared, partial)
    sources, cited = _cite(_catalogue_sources(entry), structure)
    identifier = regulation_id or _existing_id(Path(out_dir), structure.title) or entry.get("id") or slugify(structure.title)
    warnings = list(structure.warnings)
    regulation = replace(_regulation(structure, identifier, declared, cited), sources=sources)
    regulation = _merge(regulation, entry, warnings)
    for extra in supplements:
        regulation = _supplement(regulation, Path(extra))
        report(f"checked {Path(extra).name} against it and took its front matter")
    _check_storable(regulation, structure)
    if not regulation.complete:
        warnings.append(f"partial: {regulation.coverage_en()}")
    written = save_corpus(regulation, Path(out_dir) / identifier)
    report(f"wrote {written}")
    return ImportSummary(
        identifier, regulation.title, len(regulation.articles), len(regulation.chapters), regulation.complete, written, tuple(warnings), regulation.structure_warnings
    )
