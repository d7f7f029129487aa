"""Small hand-made hits, answers and a partial regulation for the presentation and app tests, and a
stand-in for ``Searcher`` that answers from them (no index, no model)."""

from __future__ import annotations

import re
from dataclasses import replace

from qa.corpus.model import Article, Chapter, Paragraph, Regulation
from qa.search.searcher import Answer, FrontHit, Highlight, Hit
from qa.search import CitedArticle

ATTACKS = [
    "<script>alert(1)</script>",
    '<img src=x onerror="alert(1)">',
    "[click](javascript:alert(1))",
    "![x](https://evil.example/x.png)",
    "https://evil.example/ www.evil.example",
    '"><svg onload=alert(1)>',
    "$$\\href{javascript:alert(1)}{x}$$",
]


def live_markup(fragment: str) -> list[str]:
    """Anything in ``fragment`` a browser or Markdown renderer could turn into a live element or link."""
    problems = []
    if re.search(r"<\s*(script|img|svg|a|iframe|object|embed|style|link)\b", fragment, re.I):
        problems.append("tag")
    if re.search(r"<[^>]*\son\w+\s*=", fragment, re.I):
        problems.append("event handler")
    if re.search(r"\]\s*\(|javascript:|https?://|www\.", fragment, re.I):
        problems.append("link")
    if "$$" in fragment:
        problems.append("latex")
    return problems


def make_hit(text: str = "第一句。第二句有答案。", **changes: object) -> Hit:
    hit = Hit(
        regulation_id="r",
        regulation_title="安徽省新能源汽车产业集群发展条例",
        article=12,
        chapter=3,
        chapter_title="产业链提升",
        chapter_title_en="Industrial Chain Upgrading",
        paragraphs=(text, "第二款的文字。"),
        paragraphs_en=("Our English.", "Para two."),
        score=0.8,
        relevance="high",
        matched_paragraphs=(1,),
        highlights=(Highlight(1, 4, len(text), text[4:]),),
        citation="《安徽省新能源汽车产业集群发展条例》第十二条第一款",
        citation_en="Anhui NEV Industry Cluster Regulations, Art. 12(1)",
        via="hybrid",
    )
    return replace(hit, **changes)  # type: ignore[arg-type]


def make_cited(text: str = "任何单位不得设置地锁。", **changes: object) -> CitedArticle:
    """An article a hit cites by number (违反本条例第二十六条规定的……)."""
    cited = CitedArticle(
        regulation_id="r",
        article=26,
        chapter_title="停车管理",
        paragraphs=(text,),
        paragraphs_en=None,
        citation="《某某条例》第二十六条",
        citation_en="Some Regulations, Art. 26",
    )
    return replace(cited, **changes)  # type: ignore[arg-type]


def make_answer(lang: str = "zh", hits: tuple[Hit, ...] | None = None, **changes: object) -> Answer:
    hits = (make_hit(), replace(make_hit(), article=13, score=0.3)) if hits is None else hits
    answer = Answer(question="q", lang=lang, retriever="hybrid", hits=hits, abstained=not hits)
    return replace(answer, **changes)  # type: ignore[arg-type]


def partial_regulation() -> Regulation:
    return Regulation(
        id="t",
        title="测试条例",
        title_en="Test Regulations",
        articles=(Article(1, (Paragraph(1, "第一条的文字<b>。"),), chapter=1), Article(2, (Paragraph(1, "第二条的文字。"),), chapter=1)),
        chapters=(Chapter(1, "总则", "General Provisions"), Chapter(2, "附则")),
        declared_articles=5,
    )


class FakeSearcher:
    """Just enough of Searcher for the app: library, article_hit, front_hits, and a search that
    answers every question with ``answer`` and records what it was asked."""

    def __init__(self, regulation: Regulation, answer: Answer | None = None):
        self.library = (regulation,)
        self.answer = answer or make_answer()
        self.asked: list[tuple[str, int, int | None]] = []

    def search(self, question: str, k: int = 5, *, chapter: int | None = None) -> Answer:
        self.asked.append((question, k, chapter))
        return replace(self.answer, question=question)

    def article_hit(self, number: int, regulation: int = 0, paragraph: int | None = None, suffix: int = 0) -> Hit | None:
        article = self.library[0].article(number, suffix)
        if article is None:
            return None
        return make_hit(article.paragraphs[0].text, article=number, paragraphs=(article.paragraphs[0].text,), highlights=(), matched_paragraphs=(), via="citation")

    def front_hits(self, regulation: int = 0) -> tuple[FrontHit, ...]:
        return ()
