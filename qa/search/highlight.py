"""Which paragraph of an article answers, which of its sentences to mark, and the :class:`Hit` that shows them
(with the articles it cites by number).

Sentences are matched by the words they share with the question (their word sets were tokenised
once, by :class:`qa.index.lexical.LexicalIndex`); the paragraph by dense similarity where the
paragraph has its own vector, word overlap otherwise.
"""

from __future__ import annotations

from qa.corpus.model import Article, Regulation, citation_en, citation_zh
from qa.index.lexical import Terms, coverage
from qa.lang.cite import cited_articles
from qa.lang.text import sentences
from qa.search.types import CitedArticle, Highlight, Hit, Relevance

__all__ = ["SentenceSets", "best_paragraphs", "highlights", "cited_by", "article_hit", "MAX_CITED"]

#: The word set of each sentence of each paragraph of one article.
SentenceSets = tuple[tuple[frozenset[str], ...], ...]
#: The dense share of the paragraph score when paragraphs have cosines (word overlap has the rest).
DENSE_SHARE = 0.6
#: Sentences are marked when they hold at least this share of the best sentence's coverage.
SENTENCE_SHARE = 0.5
#: At most this many cited articles are shown under a hit (a penalty article rarely names more duties).
MAX_CITED = 4


def best_paragraphs(sentence_sets: SentenceSets, terms: Terms, dense: dict[int, float]) -> tuple[int, ...]:
    """The paragraph that answers best: dense similarity where we have it, word overlap otherwise
    (``DENSE_SHARE`` of min–max-scaled cosine plus the rest of the overlap; ties: the first)."""
    if len(sentence_sets) == 1:
        return (1,)
    lexical = {n: coverage(terms, frozenset().union(*sets)) for n, sets in enumerate(sentence_sets, 1)}
    if dense:
        low = min(dense.values())
        span = (max(dense.values()) - low) or 1.0
        score = {n: DENSE_SHARE * (dense.get(n, low) - low) / span + (1 - DENSE_SHARE) * lexical[n] for n in lexical}
    else:
        score = lexical
    best = max(score, key=lambda n: (score[n], -n))
    return (best,)


def highlights(article: Article, paragraph: int, sentence_sets: SentenceSets, terms: Terms, whole_paragraph: bool = True) -> list[Highlight]:
    """Sentences of the matched paragraph that share the question's words (at least
    ``SENTENCE_SHARE`` of the best sentence's coverage); if none do, the whole paragraph (or
    nothing, when ``whole_paragraph`` is False)."""
    if not 1 <= paragraph <= len(article.paragraphs):
        return []
    text = article.paragraphs[paragraph - 1].text
    spans = sentences(text)
    scored = [(coverage(terms, words), s, e) for words, (s, e) in zip(sentence_sets[paragraph - 1], spans)]
    best = max((c for c, _, _ in scored), default=0.0)
    chosen = [(s, e) for c, s, e in scored if best > 0 and c >= SENTENCE_SHARE * best] or (spans if whole_paragraph else [])
    return [Highlight(paragraph, s, e, text[s:e]) for s, e in chosen]


def _texts(article: Article) -> tuple[tuple[str, ...], tuple[str, ...] | None]:
    """An article's official paragraphs, and our English per paragraph where we have a translation."""
    english = tuple(p.text_en or "" for p in article.paragraphs) if article.text_en else None
    return tuple(p.text for p in article.paragraphs), english


def cited_by(regulation: Regulation, article: Article) -> tuple[CitedArticle, ...]:
    """The articles of ``regulation`` that ``article`` cites by number (本条例第二十六条, 本法第十四条所列), in
    number order, itself and numbers the regulation lacks left out; the first :data:`MAX_CITED`."""
    shown: list[CitedArticle] = []
    for number in sorted(cited_articles(article.text)):
        cited = regulation.article(number)
        if cited is None or cited is article:
            continue
        if len(shown) == MAX_CITED:
            break
        chapter = regulation.chapter(cited.chapter)
        paragraphs, paragraphs_en = _texts(cited)
        shown.append(CitedArticle(
            regulation_id=regulation.id,
            article=cited.number,
            chapter_title=chapter.title if chapter else None,
            paragraphs=paragraphs,
            paragraphs_en=paragraphs_en,
            citation=citation_zh(regulation, cited.number),
            citation_en=citation_en(regulation, cited.number),
        ))
    return tuple(shown)


def article_hit(
    regulation: Regulation,
    article: Article,
    sentence_sets: SentenceSets,
    *,
    score: float,
    via: str,
    matched: tuple[int, ...] = (),
    terms: Terms | None = None,
    paragraph_scores: dict[int, float] | None = None,
    whole_paragraph: bool = True,
    relevance: Relevance = "high",
) -> Hit:
    """One article as a hit. Unless ``matched`` names paragraphs (a citation), the best paragraph is
    chosen and its sentences marked. ``whole_paragraph``: when no sentence shares a word with the
    question (an English question over Chinese text), mark the whole best paragraph — only for the
    top hit, where the model's match is the evidence; lower hits then show no highlight rather than
    a guess."""
    terms = terms or []
    if not matched and via != "citation":
        matched = best_paragraphs(sentence_sets, terms, paragraph_scores or {})
    marked = tuple(h for p in matched for h in highlights(article, p, sentence_sets, terms, whole_paragraph))
    first = matched[0] if len(matched) == 1 and len(article.paragraphs) > 1 else None
    chapter = regulation.chapter(article.chapter)
    paragraphs, paragraphs_en = _texts(article)
    return Hit(
        regulation_id=regulation.id,
        regulation_title=regulation.title,
        article=article.number,
        suffix=article.suffix,
        chapter=article.chapter,
        chapter_title=chapter.title if chapter else None,
        chapter_title_en=chapter.title_en if chapter else None,
        paragraphs=paragraphs,
        paragraphs_en=paragraphs_en,
        score=round(float(score), 4),
        matched_paragraphs=matched,
        highlights=marked,
        citation=citation_zh(regulation, article.number, first, suffix=article.suffix),
        citation_en=citation_en(regulation, article.number, first, suffix=article.suffix),
        via=via,
        relevance=relevance,
        cites=cited_by(regulation, article),
    )
