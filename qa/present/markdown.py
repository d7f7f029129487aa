"""An answer as a Markdown document a person can save, paste or send: the question, each article's
citation and official text, our translation marked as unofficial, where the text comes from, and a link
that opens the same answer again.

Only the law's own words and fixed labels are written; the official text is escaped so that no
character of it is read as Markdown, and matched sentences are marked in bold without changing a word.
"""

from __future__ import annotations

import re
from typing import Mapping
from urllib.parse import urlencode

from qa.corpus.model import Regulation, Source
from qa.search.searcher import Answer, FrontHit, Hit

__all__ = ["answer_markdown", "deep_link", "md_escape", "markdown_filename"]

_SPECIAL = re.compile(r"([\\`*_{}\[\]<>#|~!])")
_LIST_START = re.compile(r"^(\s*)(\d+)([.)])", re.M)
_LEAD = re.compile(r"^(\s*)([-+=])", re.M)
DISCLAIMER = (
    "本文件只摘录法规原文，不构成法律意见；英文为非官方译文。"
    " / Verbatim official text only, not legal advice; the English is an unofficial translation."
)


def md_escape(text: str) -> str:
    """Text shown literally by any CommonMark renderer (no emphasis, links, HTML, lists or headings)."""
    text = _SPECIAL.sub(r"\\\1", text)
    text = _LIST_START.sub(r"\1\2\\\3", text)
    return _LEAD.sub(r"\1\\\2", text)


def deep_link(base_url: str, question: str) -> str:
    """A link that asks ``question`` again in the app (``?q=``, read by the app on load)."""
    return base_url.split("?", 1)[0].rstrip("/") + "/?" + urlencode({"q": question})


def markdown_filename(answer: Answer) -> str:
    first = answer.hits[0] if answer.hits else None
    return f"answer-article-{first.article}.md" if first else "answer.md"


def _marked(hit: Hit, index: int, paragraph: str) -> str:
    """The paragraph with its matched sentences in bold, everything else literal."""
    spans = sorted((h.start, h.end) for h in hit.highlights if h.paragraph == index)
    out, cursor = [], 0
    for start, end in spans:
        if start < cursor:
            continue
        out.append(md_escape(paragraph[cursor:start]))
        out.append(f"**{md_escape(paragraph[start:end])}**")
        cursor = end
    out.append(md_escape(paragraph[cursor:]))
    return "".join(out)


def _quote(lines: list[str]) -> list[str]:
    out: list[str] = []
    for i, line in enumerate(lines):
        if i:
            out.append(">")
        out.append(f"> {line}")
    return out


def _translation(paragraphs: tuple[str, ...] | None) -> list[str]:
    if not paragraphs:
        return []
    return ["", "*Unofficial English translation, not the official text / 非官方英文译文：*", "", *_quote([md_escape(p) for p in paragraphs])]


def _hit(rank: int, hit: Hit, translation: bool) -> list[str]:
    where = f"{hit.chapter_title} · " if hit.chapter_title else ""
    lines = [f"## {rank}. {md_escape(hit.citation)}", "", f"{md_escape(where)}{md_escape(hit.citation_en)}", ""]
    lines += _quote([_marked(hit, i, p) for i, p in enumerate(hit.paragraphs, 1)])
    lines += _translation(hit.paragraphs_en) if translation else []
    for cited in hit.cites:
        lines += ["", f"*本条引用的条文 / Cited in this article:* {md_escape(cited.citation)} · {md_escape(cited.citation_en)}", ""]
        lines += _quote([md_escape(p) for p in cited.paragraphs])
        lines += _translation(cited.paragraphs_en) if translation else []
    return lines


def _front(front: FrontHit, translation: bool) -> list[str]:
    lines = [f"## {md_escape(front.citation)}", "", md_escape(front.citation_en), ""]
    lines += _quote([md_escape(p) for p in front.paragraphs])
    return lines + (_translation(front.paragraphs_en) if translation else [])


def _source(regulation: Regulation) -> str:
    facts = [f"《{regulation.title}》"]
    if regulation.issuing_body:
        facts.append(regulation.issuing_body)
    if regulation.adopted:
        facts.append(f"通过 adopted {regulation.adopted}")
    if regulation.effective:
        facts.append(f"施行 in force {regulation.effective}")
    source: Source | None = next((s for s in regulation.sources if s.url), None)
    if source is not None and source.url:
        facts.append(f"<{source.url}>")
    return " · ".join(md_escape(f) if not f.startswith("<") else f for f in facts)


def answer_markdown(
    answer: Answer,
    regulations: Mapping[str, Regulation],
    *,
    link: str | None = None,
    translation: bool = True,
) -> str:
    """The whole answer as Markdown; ``regulations`` (by id) gives each cited regulation's source and dates."""
    lines = ["# 法规检索结果 / Search result", "", f"**问题 / Question:** {md_escape(answer.question)}", ""]
    if answer.abstained or not (answer.hits or answer.front):
        for message in (answer.message, answer.message_en):
            if message:
                lines += [md_escape(message), ""]
    for front in answer.front:
        lines += [*_front(front, translation), ""]
    for rank, hit in enumerate(answer.hits, 1):
        lines += [*_hit(rank, hit, translation), ""]
    cited = dict.fromkeys([*(f.regulation_id for f in answer.front), *(h.regulation_id for h in answer.hits)])
    if cited:
        lines += ["---", "", "**来源 / Source**", ""]
        lines += [f"- {_source(regulations[rid])}" for rid in cited if rid in regulations]
        lines.append("")
    if link:
        lines += [f"**链接 / Link:** <{link}>", ""]
    lines += [f"*{md_escape(DISCLAIMER)}*", ""]
    return "\n".join(lines)
