"""What a document states about itself: its title, issuing body, adoption and effective dates, announcement
number, and the front matter (promulgation announcement, adoption note) before its articles."""

from __future__ import annotations

import re
from typing import Iterable, Sequence

from qa.corpus.model import FrontMatter
from qa.importer.builder import ArticleDraft
from qa.importer.formats import clean_line
from qa.importer.tokens import TOC, Token, clean_title
from qa.lang.text import CJK_CHARS, is_cjk

__all__ = ["read_title", "stated_metadata", "front_matter"]

_DATE = r"(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日"
_TITLE_END = re.compile(
    r"(条例|法|规定|办法|决定|解释|细则|规则|章程|准则|纲要|意见|通知|批复|答复|标准|规程|决议|修正案)"
    r"(（[^）]*）)?》?$"
)
_ORGAN_END = re.compile(r"(委员会|人民政府|人民法院|人民检察院|国务院|办公厅|办公室)$")
_ANNOUNCEMENT = re.compile(r"^[（(]([^）)]*届)[）)]\s*第(\S+?)号$")
_ADOPTION_NOTE = re.compile(r"^[（(].*(通过|修正|修订|批准|公布|施行).*[）)]$")


def read_title(tokens: Sequence[Token], stop: int) -> tuple[str | None, tuple[str, ...]]:
    """Markdown: the first ``#`` line. Text: the last run of title-like lines before the structure."""
    titles = [t.text for t in tokens if t.kind == "title"]
    if titles:
        return clean_title(titles[0]) if is_cjk(titles[0]) else titles[0], tuple(titles[1:])
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
    return bool(re.fullmatch(f"[《{CJK_CHARS}]{{6,}}", first)) and not _TITLE_END.search(first) and bool(_TITLE_END.search(first + second))


def _title_like(text: str) -> bool:
    return not (
        "。" in text
        or text.startswith(("(", "（"))
        or re.fullmatch(_DATE, text)
        or (re.search(_DATE, text) and re.search("通过|施行|公布|修正|修订|批准", text))
        or text.endswith("公告")
        or _ANNOUNCEMENT.match(text)
        or TOC.match(text)
        or (_ORGAN_END.search(text) and len(text) <= 30)
        or len(text) > 80
    )


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
            body = clean_line(body.lstrip("已经在于"))
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


def stated_metadata(preamble: Sequence[str], articles: Sequence[ArticleDraft]) -> dict[str, str | None]:
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


def front_matter(preamble_lines: Sequence[str], title: str, source: str | None) -> tuple[FrontMatter, ...]:
    """The promulgation announcement (from its '…公告' line to the line before the title) and the
    adoption note (the bracketed line under the title), where the document's preamble has them."""
    preamble = list(preamble_lines)
    titles = {title, f"《{title}》"}
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
