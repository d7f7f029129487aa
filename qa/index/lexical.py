"""The lexical index: Chinese and English BM25 (bm25s) with the word sets that coverage and highlighting read.

Everything the searcher needs about words, built once from the library: per-article BM25 tokens
(context + every sentence), document frequencies for idf-weighted coverage, each sentence's word set
(highlighting reuses them instead of re-tokenising), which articles are statutes, which play a
structural role (:mod:`qa.lang.roles`) and the words of the front matter. Fields are plain lists,
dicts and arrays (plus bm25s's own objects, which save and load themselves), so writing them beside
the dense index's manifest needs no conversion.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Collection, Iterable, Sequence

import numpy as np

from qa.corpus.model import Regulation
from qa.index.crosslingual import CrossLingual
from qa.index.dense import article_context
from qa.lang.roles import ROLES, article_roles
from qa.lang.text import sentences, token_set, tokens

if TYPE_CHECKING:
    import bm25s

__all__ = ["LexicalIndex", "Terms", "COVERAGE_CANDIDATES", "coverage", "is_statute", "top_positive"]

#: A question's distinct terms with their idf weights.
Terms = list[tuple[str, float]]
#: Term coverage is measured on the best BM25 articles only: on a 60,000-article library, measuring
#: every article that shares one term would cost hundreds of milliseconds.
COVERAGE_CANDIDATES = 200
#: Titles of statutes (法律): 中华人民共和国劳动合同法, 中华人民共和国民法典 — not 实施条例, 解释, 规定.
_STATUTE = re.compile(r"法典?$")


def is_statute(title: str) -> bool:
    return bool(_STATUTE.search(title))


def coverage(terms: Terms, present: Collection[str]) -> float:
    """The idf-weighted share of ``terms`` found in ``present`` (0 for no terms)."""
    total = sum(w for _, w in terms)
    return sum(w for t, w in terms if t in present) / total if total else 0.0


def top_positive(values: np.ndarray, n: int) -> np.ndarray:
    """Indices of the ``n`` largest positive values (unordered), without sorting the whole array."""
    positive = np.flatnonzero(values > 0)
    if positive.size <= n:
        return positive
    return positive[np.argpartition(-values[positive], n)[:n]]


@dataclass
class LexicalIndex:
    """Per article (in library order: regulation, then its articles), everything lexical.

    ``keys`` are (regulation index, article number, suffix); ``sentence_sets[i][p][s]`` is the word
    set of sentence ``s`` of paragraph ``p`` of article ``i``; ``en_docs`` are the articles with our
    English translation, in the order ``bm25_en`` indexed them.
    """

    keys: list[tuple[int, int, int]]
    chapters: np.ndarray
    statute: np.ndarray
    contexts: list[str]
    sentence_sets: list[tuple[tuple[frozenset[str], ...], ...]]
    df: dict[str, int]
    bm25: "bm25s.BM25"
    en_docs: list[int]
    en_words: list[frozenset[str]]
    bm25_en: "bm25s.BM25 | None"
    role_docs: dict[str, np.ndarray]
    role_words: dict[int, frozenset[str]]
    front_keys: list[tuple[int, int]]
    front_words: list[frozenset[str]]
    cross: CrossLingual | None = None

    @classmethod
    def build(cls, library: Sequence[Regulation], *, progress: bool = False) -> "LexicalIndex":
        import bm25s

        pairs = [(r, a) for r, reg in enumerate(library) for a in reg.articles]
        several = len(library) > 1
        items: Iterable[tuple[int, Any]] = pairs
        if progress and len(pairs) > 5000:
            from tqdm import tqdm

            items = tqdm(pairs, desc="tokenising articles for BM25", unit="article")
        contexts: list[str] = []
        sentence_sets: list[tuple[tuple[frozenset[str], ...], ...]] = []
        doc_tokens: list[list[str]] = []
        for r, article in items:
            context = article_context(library, r, article)
            by_sentence = [[tokens(p.text[s:e]) for s, e in sentences(p.text)] for p in article.paragraphs]
            contexts.append(context)
            sentence_sets.append(tuple(tuple(frozenset(t) for t in paragraph) for paragraph in by_sentence))
            doc_tokens.append(tokens(context) + [t for paragraph in by_sentence for sentence in paragraph for t in sentence])
        bm25 = bm25s.BM25()
        bm25.index(doc_tokens or [[""]], show_progress=False)
        en_docs = [i for i, (_, a) in enumerate(pairs) if a.text_en]
        bm25_en = None
        if en_docs:
            bm25_en = bm25s.BM25()
            bm25_en.index([tokens(pairs[i][1].text_en or "") for i in en_docs], show_progress=False)
        roles = [article_roles(a.text) for _, a in pairs]
        df = dict(Counter(t for toks in doc_tokens for t in set(toks)))
        return cls(
            keys=[(r, *a.key) for r, a in pairs],
            chapters=np.array([a.chapter or 0 for _, a in pairs], np.int64),
            statute=np.array([is_statute(library[r].title) and several for r, _ in pairs], np.float32),
            contexts=contexts,
            sentence_sets=sentence_sets,
            df=df,
            bm25=bm25,
            en_docs=en_docs,
            en_words=[token_set(pairs[i][1].text_en or "") for i in en_docs],
            bm25_en=bm25_en,
            role_docs={role: np.flatnonzero([role in r for r in roles]) for role in ROLES},
            role_words={i: _words(contexts[i], sentence_sets[i]) | token_set(pairs[i][1].text_en or "") for i, r in enumerate(roles) if r},
            front_keys=[(r, n) for r, reg in enumerate(library) for n in range(len(reg.front))],
            front_words=[token_set(f.text) | token_set(" ".join(f.paragraphs_en or ())) for reg in library for f in reg.front],
            cross=_cross(df) if len(en_docs) < len(pairs) else None,
        )

    def __len__(self) -> int:
        return len(self.keys)

    def words(self, doc: int) -> frozenset[str]:
        """An article's words (with its context): what its BM25 tokens hold, as a set."""
        return _words(self.contexts[doc], self.sentence_sets[doc])

    def weighted_terms(self, text: str) -> Terms:
        """The question's distinct terms, each weighted by its idf over the articles."""
        n = max(len(self.keys), 1)
        return [(t, math.log(1 + n / (1 + self.df.get(t, 0)))) for t in dict.fromkeys(tokens(text))]

    @property
    def untranslated(self) -> np.ndarray:
        """Per article, True where there is no translation of ours (English is matched through CC-CEDICT)."""
        mask = np.ones(len(self.keys), bool)
        mask[self.en_docs] = False
        return mask

    def chinese_terms(self, question: str) -> Terms:
        """An English question's words as the corpus's Chinese terms (CC-CEDICT, :mod:`qa.index.crosslingual`),
        for the articles our translation does not cover; empty when every article is translated."""
        return self.cross.terms(question, self.df, len(self.keys)) if self.cross is not None else []

    def scores(
        self, terms: Terms, lang: str, candidates: int = COVERAGE_CANDIDATES, chinese: Terms | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """BM25 scores per article and the coverage of the question's terms in each article.

        English questions are scored against our translations where there are any (coverage measured on
        every translated article), and through ``chinese`` (:meth:`chinese_terms`) against the Chinese
        text of the articles without one; otherwise coverage is measured on the ``candidates`` best articles.
        """
        scores = np.zeros(len(self.keys), np.float32)
        covered = np.zeros(len(self.keys), np.float32)
        if not self.keys:
            return scores, covered
        if lang == "en":
            query = [t for t, _ in terms]
            if self.bm25_en is not None and any(t in self.bm25_en.vocab_dict for t in query):
                scores[self.en_docs] = self.bm25_en.get_scores(query)
                for i, words in zip(self.en_docs, self.en_words):
                    covered[i] = coverage(terms, words)
            if not chinese:
                return scores, covered
            translated = np.zeros(len(self.keys), bool)
            translated[self.en_docs] = True
            zh_scores, zh_covered = self._chinese_scores(chinese, candidates)
            return np.where(translated, scores, zh_scores), np.where(translated, covered, zh_covered)
        return self._chinese_scores(terms, candidates)

    def _chinese_scores(self, terms: Terms, candidates: int) -> tuple[np.ndarray, np.ndarray]:
        scores = np.zeros(len(self.keys), np.float32)
        covered = np.zeros(len(self.keys), np.float32)
        query = [t for t, _ in terms]
        if not query or not any(t in self.bm25.vocab_dict for t in query):
            return scores, covered
        scores = np.asarray(self.bm25.get_scores(query), np.float32)
        for i in top_positive(scores, candidates):
            covered[i] = coverage(terms, self.words(i))
        return scores, covered

    def role_match(self, roles: frozenset[str], rest: Terms, enough: float) -> np.ndarray:
        """Per article: 0 for no role the question asks about; 1 for a role match; 2 where the
        question asks about that role and nothing else the article lacks (at least ``enough`` of the
        rest of the question's terms, ``rest``, are in the article)."""
        match = np.zeros(len(self.keys), np.float32)
        for role in roles & self.role_docs.keys():
            for i in self.role_docs[role]:
                match[i] = 2.0 if not rest or coverage(rest, self.role_words[int(i)]) >= enough else 1.0
        return match


def _cross(df: dict[str, int]) -> CrossLingual | None:
    """The English → Chinese table for this corpus, or None (with the reason logged by nobody: English
    questions then simply have no lexical channel) when CC-CEDICT is not installed."""
    from qa.lang.cedict import CedictMissing, dictionary

    try:
        return CrossLingual.build(df, dictionary())
    except CedictMissing:
        return None


def _words(context: str, sentence_sets: tuple[tuple[frozenset[str], ...], ...]) -> frozenset[str]:
    return token_set(context).union(*(s for paragraph in sentence_sets for s in paragraph))
