"""Recognise direct citations in a question: 第十二条, 第12条, 12条, 第十二条第二款, Article 12, Art. 12(2).

Inserted articles are recognised too: 第十七条之一 (刑法第十七条之一第二款) and, in the English form
``citation_en`` writes, Article 17-1 / Art. 17-1(2).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from qa.lang.numerals import NUMERAL_CHARS, SMALL_NUMERAL, parse_number

__all__ = ["Citation", "cited_articles", "find_citation"]

_NUM = rf"[{NUMERAL_CHARS}\d]+"
_ZH = re.compile(
    rf"(?:第\s*)?(?P<article>-?{_NUM})\s*条(?:之(?P<suffix>{SMALL_NUMERAL}|\d+))?"
    rf"(?:\s*第\s*(?P<paragraph>{_NUM})\s*款)?"
)
_EN = re.compile(
    r"\b(?:article|art)\b\.?\s*(?:no\.?\s*)?(?P<article>-?\d+)(?:-(?P<suffix>\d+)\b)?"
    r"(?:\s*\(\s*(?P<paragraph>\d+)\s*\)|[\s,]*(?:paragraph|para|par)\b\.?\s*(?P<paragraph2>\d+))?",
    re.IGNORECASE,
)
# What may surround a bare citation: the regulation's name, a question mark, "what does … say".
_FILLER = re.compile(
    r"[\s\W_]|what|does|do|say|says|is|show|me|the|of|please|text|about|内容|是什么|说了什么|讲了什么|规定了什么|怎么规定|请|查看|显示|看看|规定|什么|条例|法",
    re.IGNORECASE,
)


# An article citing others of its own regulation by number: 违反本条例第三十六条规定, 本法第十四条第（一）项、第十五条.
_SELF_CITED = re.compile(r"本(?:条例|法|办法|规定|细则)(?:第[零〇一二三四五六七八九十百千\d]+条(?:第[（(][一二三四五六七八九十]+[）)]项)?[、和及或]?)+")
_CITED_NUMBER = re.compile(r"第([零〇一二三四五六七八九十百千\d]+)条")


@dataclass(frozen=True)
class Citation:
    """A citation found in a question; ``only`` when the question is nothing but the citation.

    ``suffix`` is 1 for 第十七条之一 (Article 17-1), 2 for 之二 …, 0 for an ordinary article.
    """

    article: int
    paragraph: int | None
    start: int
    end: int
    only: bool
    suffix: int = 0


def find_citation(question: str, titles: tuple[str, ...] = ()) -> Citation | None:
    """The first article citation in ``question`` (already normalised), or None.

    Numbers that are not valid (Article 0, Article -1) are returned as they are, so the caller can say
    that such an article does not exist instead of guessing.
    """
    for pattern in (_ZH, _EN):
        match = pattern.search(question)
        if not match:
            continue
        groups = match.groupdict()
        try:
            article = parse_number(groups["article"].lstrip("-"))
            suffix = parse_number(groups["suffix"]) if groups["suffix"] else 0
        except ValueError:
            continue
        if groups["article"].startswith("-"):
            article = -article
        para_text = groups["paragraph"] or groups.get("paragraph2")
        try:
            paragraph = parse_number(para_text) if para_text else None
        except ValueError:
            paragraph = None
        rest = question[: match.start()] + " " + question[match.end() :]
        for title in titles:
            rest = rest.replace(title, " ")
        only = not _FILLER.sub("", rest)
        if not only and pattern is _ZH and "第" not in match.group(0):
            continue  # "2条路" is a count, not a citation; a bare "12条" counts only on its own
        return Citation(article, paragraph, match.start(), match.end(), only, suffix)
    return None


def cited_articles(text: str) -> set[int]:
    """The numbers of the articles of its own regulation that an article's ``text`` cites (本法第十四条); a number no
    article could have (第零条 in a damaged text) is left out."""
    numbers: set[int] = set()
    for match in _SELF_CITED.finditer(text):
        for number in _CITED_NUMBER.findall(match.group(0)):
            try:
                numbers.add(parse_number(number))
            except ValueError:
                continue
    return numbers
