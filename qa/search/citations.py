"""Direct citations (第十二条, Art. 12(2), 《…》第三条) resolved to articles, and front-matter hits.

A citation names an article of one of the loaded regulations: the regulation the question names (in
full or without 中华人民共和国), or the only one that has such an article. When it cannot be
resolved the reason is given (:mod:`qa.search.messages`), never a guess. Front matter (the
announcement, the adoption note, the table of contents) is shown when the question asks what only
it says.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from qa.corpus.library import short_title
from qa.corpus.model import Article, FrontMatter, Regulation, article_number_en, front_citation_en, front_citation_zh
from qa.index.lexical import LexicalIndex, Terms, coverage
from qa.lang.cite import Citation, find_citation
from qa.lang.numerals import article_label
from qa.lang.roles import FRONT_ROLES
from qa.search import messages
from qa.search.messages import Message
from qa.search.types import FrontHit

__all__ = ["Resolved", "Citations", "front_hit", "contents_hit", "title_forms"]


@dataclass(frozen=True)
class Resolved:
    """A citation's article (``doc``, an index into the library's articles) and the paragraph to
    mark, or the ``problem`` that stops it; a paragraph beyond the article's last gives both the
    article (shown whole) and the problem."""

    doc: int | None
    paragraph: int | None = None
    problem: Message | None = None


class Citations:
    """The loaded regulations' titles and article keys, to find and resolve citations in questions.

    ``articles`` are the library's articles in the lexical index's order."""

    def __init__(self, library: Sequence[Regulation], articles: Sequence[Article], lexical: LexicalIndex):
        self.library = tuple(library)
        self.articles = articles
        self.lexical = lexical
        self.doc_of = {key: i for i, key in enumerate(lexical.keys)}
        forms = {f for reg in self.library for t in title_forms(reg.title) for f in (f"《{t}》", t)}
        self.titles = tuple(sorted(forms, key=len, reverse=True))

    def find(self, text: str) -> Citation | None:
        return find_citation(text, self.titles)

    def named_regulations(self, text: str) -> list[int]:
        """Regulations whose title the question names, with or without 中华人民共和国; when several
        match, those with the longest title (a judicial interpretation of the Civil Code names both)."""
        lengths = {r: max((len(t) for t in title_forms(reg.title) if t in text), default=0) for r, reg in enumerate(self.library)}
        longest = max(lengths.values(), default=0)
        return [r for r, n in lengths.items() if n and n == longest]

    def resolve(self, citation: Citation, text: str) -> Resolved:
        """The cited article in the regulation(s) it can refer to, or why there is none."""
        candidates = self.named_regulations(text) or list(range(len(self.library)))
        n = citation.article
        if n < 1:
            return Resolved(None, problem=messages.article_numbers_start_at_one(n))
        key = (n, citation.suffix)
        label_zh = article_label(*key)
        label_en = f"Article {article_number_en(*key)}"
        found = [self.doc_of[(r, *key)] for r in candidates if (r, *key) in self.doc_of]
        if len(candidates) > 1 and len(found) > 1:
            return Resolved(None, problem=messages.name_the_regulation(len(found), label_en))
        if not found:
            if not candidates:
                return Resolved(None, problem=messages.nothing_loaded())
            reg = self.library[candidates[0]]
            if n <= reg.total_articles and not reg.complete:
                return Resolved(None, problem=messages.article_not_loaded(reg, label_zh, label_en))
            return Resolved(None, problem=messages.no_such_article(reg, label_zh, label_en))
        doc = found[0]
        article = self.articles[doc]
        paragraph = citation.paragraph
        if paragraph is not None and not 1 <= paragraph <= len(article.paragraphs):
            return Resolved(doc, problem=messages.paragraph_out_of_range(article))
        return Resolved(doc, paragraph=paragraph or None)

    def front_hits(self, text: str, roles: frozenset[str], rest: Terms, enough: float) -> tuple[FrontHit, ...]:
        """Front matter (and the table of contents) when the question asks what only it says: who
        adopted the regulation, when it applies, its announcement, its chapters — and nothing else
        it lacks (at least ``enough`` of ``rest``). In a collection, only for the regulations the
        question names."""
        scope = set(self.named_regulations(text)) if len(self.library) > 1 else {0}
        found: list[FrontHit] = []
        for (r, n), words in zip(self.lexical.front_keys, self.lexical.front_words):
            front = self.library[r].front[n]
            if r in scope and FRONT_ROLES[front.kind] & roles and (not rest or coverage(rest, words) >= enough):
                found.append(front_hit(self.library[r], front))
        if "contents" in roles and not rest:
            found += [contents_hit(self.library[r]) for r in sorted(scope) if self.library[r].chapters]
        return tuple(found)

    def browse(self, regulation: int = 0) -> tuple[FrontHit, ...]:
        """A regulation's front matter and table of contents, for browsing."""
        reg = self.library[regulation]
        return tuple(front_hit(reg, f) for f in reg.front) + ((contents_hit(reg),) if reg.chapters else ())


def front_hit(regulation: Regulation, front: FrontMatter) -> FrontHit:
    return FrontHit(
        regulation_id=regulation.id,
        regulation_title=regulation.title,
        kind=front.kind,
        name=front.name_zh,
        name_en=front.name_en,
        paragraphs=front.paragraphs,
        paragraphs_en=front.paragraphs_en,
        citation=front_citation_zh(regulation, front),
        citation_en=front_citation_en(regulation, front),
    )


def contents_hit(regulation: Regulation) -> FrontHit:
    """The table of contents: the official chapter headings, in order."""
    english = all(c.title_en for c in regulation.chapters)
    name = regulation.short_title_en or regulation.title_en or regulation.title
    return FrontHit(
        regulation_id=regulation.id,
        regulation_title=regulation.title,
        kind="contents",
        name="目录",
        name_en="table of contents",
        paragraphs=tuple(f"{c.label_zh}　{c.title}" for c in regulation.chapters),
        paragraphs_en=tuple(f"Chapter {c.number} {c.title_en}" for c in regulation.chapters) if english else None,
        citation=f"《{regulation.title}》目录",
        citation_en=f"{name}, table of contents",
    )


def title_forms(title: str) -> tuple[str, ...]:
    """How people write a title: in full, or without the 中华人民共和国 of national laws."""
    short = short_title(title)
    return (title, short) if short != title and len(short) >= 2 else (title,)
