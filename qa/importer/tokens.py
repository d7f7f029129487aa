"""One classified line (token) per source line: an article label, a 编/章/节 heading, the 目录 marker or text."""

from __future__ import annotations

import re
from dataclasses import dataclass

from qa.importer.formats import Line
from qa.lang.numerals import NUMERAL_CHARS, SMALL_NUMERAL, SMALL_NUMERAL_CHARS, from_chinese, parse_number
from qa.lang.text import CJK_CHARS

__all__ = ["Token", "classify", "clean_title", "ARTICLE", "HEADING", "TOC", "ITEM"]

_NUM = f"[{NUMERAL_CHARS}0-9０-９]+"
_SPACE = " \t\u3000\xa0"
# 1: 第 (or the look-alike typo 笫), 2: number, 3: a stray space before 条, 4: 之Y of an inserted
# article, 5: the space after the label, 6: the article's text.
ARTICLE = re.compile(rf"^([第笫])({_NUM})([{_SPACE}]*)条(?:之({SMALL_NUMERAL}))?([{_SPACE}]*)(.*)$")
HEADING = re.compile(rf"^第({_NUM})(分编|编|章|节)(?:[{_SPACE}]*(.*))?$")
TOC = re.compile(rf"^目[{_SPACE}]*录$")
ITEM = re.compile(rf"^(?:[（(][{SMALL_NUMERAL_CHARS}0-9]+[）)]|{SMALL_NUMERAL}、|\d+[.．、])")
_SPACE_BETWEEN_CJK = re.compile(rf"(?<=[{CJK_CHARS}])\s+(?=[{CJK_CHARS}])")  # \s: any Unicode space, U+3000 and U+2002 too
_EDGE_SPACE = re.compile(r"^[\s\u200b-\u200d\ufeff]+|[\s\u200b-\u200d\ufeff]+$")


@dataclass(frozen=True)
class Token:
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


def _heading_token(line: Line) -> Token | None:
    match = HEADING.match(line.text)
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
    return Token(kind, line, number, clean_title(title))


def classify(line: Line, markdown: bool) -> Token:
    if line.kind in ("title", "meta"):
        return Token(line.kind, line, text=line.text)
    if line.kind == "heading":
        return _heading_token(line) or Token("break", line, text=line.text)
    if TOC.match(line.text):
        return Token("toc", line)
    match = ARTICLE.match(line.text)
    if match:
        try:
            number = parse_number(match.group(2))
            suffix = from_chinese(match.group(4)) if match.group(4) else 0
        except ValueError:
            number = None
        if number is not None:
            typos = (["笫 (U+7B2B) for 第"] if match.group(1) == "笫" else []) + (["a space before 条"] if match.group(3) else [])
            typo = f"{line.text[: match.end(4) if match.group(4) else match.start(5)]!r} has {' and '.join(typos)}" if typos else ""
            return Token("article", line, number, match.group(6), bool(match.group(5)), suffix, typo)
    if not markdown:
        heading = _heading_token(line)
        if heading:
            return heading
    return Token("text", line, text=line.text)
