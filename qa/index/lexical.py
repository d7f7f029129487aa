"""The lexical index: Chinese and English BM25 (bm25s) with the word sets that coverage and highlighting read.

Everything the searcher needs about words, built once from the library: per-article BM25 tokens
(context + every sentence), document frequencies for idf-weighted coverage, each sentence's word set
(highlighting reuses them instead of re-tokenising), which articles are statutes, which play a
structural role (:mod:`qa.lang.roles`) and the words of the front matter.

Tokenising a whole library with jieba takes a minute or more, so the index is saved in the index folder
beside the dense index (``lexical/``, with its own manifest naming the same corpus hash) and loaded on
the next start. As in :mod:`qa.index.dense`, loading never trusts the files: a changed corpus, tokeniser
or format, a missing file or a checksum mismatch rebuilds it, with one line saying why. BM25 is saved by
bm25s itself (NumPy arrays and JSON); the word sets are a vocabulary and integer arrays
(:mod:`qa.index.tokensets`); nothing is pickled.
"""

from __future__ import annotations

import contextlib
import gc
import math
import re
import time
from collections import Counter
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Collection, Iterable, Iterator, Mapping, Sequence, TypedDict

import numpy as np

from qa.corpus.model import Article, Regulation
from qa.corpus.passages import article_context
from qa.index import lexical_store
from qa.index.crosslingual import CrossLingual
from qa.index.dense import IndexError_, corpus_hash
from qa.index.tokensets import ArticleSentences, ArticleSets, SetList, SetMap, Vocabulary
from qa.lang.cite import cited_articles
from qa.lang.quantity import quantity_mask
from qa.lang.roles import ROLES, article_roles, is_penalty_chapter
from qa.lang.text import sentences, token_set, tokens

if TYPE_CHECKING:
    import bm25s

__all__ = [
    "LexicalIndex",
    "Terms",
    "COVERAGE_CANDIDATES",
    "coverage",
    "is_statute",
    "load_or_build",
    "read",
    "top_positive",
]

#: A question's distinct terms with their idf weights.
Terms = list[tuple[str, float]]
#: Term coverage is measured on the best BM25 articles only: on a 60,000-article library, measuring
#: every article that shares one term would cost hundreds of milliseconds.
COVERAGE_CANDIDATES = 200
#: Titles of statutes (法律): 中华人民共和国劳动合同法, 中华人民共和国民法典 — not 实施条例, 解释, 规定.
_STATUTE = re.compile(r"法典?$")

#: The two BM25 indexes, by the names their files are saved under.
_BM25 = {"zh": "bm25", "en": "bm25_en"}


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
    English translation, in the order ``bm25_en`` indexed them; ``quantity`` holds what each article states
    (:func:`qa.lang.quantity.quantity_mask`: a quantity, and which kinds), for the searcher's answer-type check.
    Loaded from disk, the word sets are made when first read (:mod:`qa.index.tokensets`).
    """

    keys: list[tuple[int, int, int]]
    chapters: np.ndarray
    statute: np.ndarray
    quantity: np.ndarray
    contexts: list[str]
    sentence_sets: Sequence[ArticleSentences]
    df: dict[str, int]
    bm25: "bm25s.BM25"
    en_docs: list[int]
    en_words: Sequence[frozenset[str]]
    bm25_en: "bm25s.BM25 | None"
    role_docs: dict[str, np.ndarray]
    role_words: Mapping[int, frozenset[str]]
    front_keys: list[tuple[int, int]]
    front_words: Sequence[frozenset[str]]
    corpus_hash: str
    cross: CrossLingual | None = None

    @classmethod
    def build(cls, library: Sequence[Regulation], *, progress: bool = False) -> "LexicalIndex":
        import bm25s

        pairs = [(r, a) for r, reg in enumerate(library) for a in reg.articles]
        items: Iterable[tuple[int, Any]] = pairs
        if progress and len(pairs) > 5000:
            from tqdm import tqdm

            items = tqdm(pairs, desc="tokenising articles for BM25", unit="article")
        placed = _placement(library)
        contexts = placed["contexts"]
        sentence_sets: list[ArticleSentences] = []
        doc_tokens: list[list[str]] = []
        for (r, article), context in zip(items, contexts):
            by_sentence = [[tokens(p.text[s:e]) for s, e in sentences(p.text)] for p in article.paragraphs]
            sentence_sets.append(tuple(tuple(frozenset(t) for t in paragraph) for paragraph in by_sentence))
            doc_tokens.append(tokens(context) + [t for paragraph in by_sentence for sentence in paragraph for t in sentence])
        bm25 = bm25s.BM25()
        bm25.index(doc_tokens or [[""]], show_progress=False)
        en_docs = placed["en_docs"]
        bm25_en = None
        if en_docs:
            bm25_en = bm25s.BM25()
            bm25_en.index([tokens(pairs[i][1].text_en or "") for i in en_docs], show_progress=False)
        penalty_chapters = [{c.number for c in reg.chapters if is_penalty_chapter(c.title)} for reg in library]
        roles = [article_roles(a.text, a.chapter in penalty_chapters[r] if penalty_chapters[r] else None) for r, a in pairs]
        titles = [token_set(reg.title) | token_set(reg.title_en or "") for reg in library]
        role_words = {i: _role_words(titles[pairs[i][0]], pairs[i][1], contexts[i], sentence_sets[i]) for i, r in enumerate(roles) if r}
        df = dict(Counter(t for toks in doc_tokens for t in set(toks)))
        return cls(
            **placed,
            sentence_sets=sentence_sets,
            df=df,
            bm25=bm25,
            en_words=[token_set(pairs[i][1].text_en or "") for i in en_docs],
            bm25_en=bm25_en,
            role_docs={role: np.flatnonzero([role in r for r in roles]) for role in ROLES},
            role_words=_with_cited(role_words, pairs, roles, contexts, sentence_sets),
            front_words=[token_set(f.text) | token_set(" ".join(f.paragraphs_en or ())) for reg in library for f in reg.front],
            corpus_hash=corpus_hash(library),
            cross=_cross(df, titles) if len(en_docs) < len(pairs) else None,
        )

    def save(self, folder: Path, *, build_seconds: float | None = None) -> None:
        """Write the index into ``folder/lexical`` (beside the dense index), manifest last
        (:mod:`qa.index.lexical_store`). Raises OSError when the folder is not writable."""
        vocabulary = Vocabulary()
        arrays = ArticleSets.encode(vocabulary, list(self.sentence_sets))
        arrays["en_ids"], arrays["en_offsets"] = vocabulary.encode(self.en_words)
        role_keys = sorted(self.role_words)
        arrays["role_keys"] = np.array(role_keys, np.int64)
        arrays["role_ids"], arrays["role_offsets"] = vocabulary.encode(self.role_words[k] for k in role_keys)
        arrays["front_ids"], arrays["front_offsets"] = vocabulary.encode(self.front_words)
        df = sorted(self.df.items())
        arrays["df_ids"], _ = vocabulary.encode([t] for t, _ in df)
        arrays["df_counts"] = np.array([n for _, n in df], np.int64)
        arrays |= {f"docs_{role}": np.asarray(docs, np.int64) for role, docs in self.role_docs.items()}
        arrays["vocabulary"] = vocabulary.to_array()
        bm25 = {_BM25["zh"]: self.bm25} | ({_BM25["en"]: self.bm25_en} if self.bm25_en is not None else {})
        manifest = {
            "corpus_hash": self.corpus_hash,
            "articles": len(self.keys),
            "vocabulary": len(vocabulary),
            "built_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "build_seconds": build_seconds,
        }
        documents = {"cross": self.cross.to_json()} if self.cross is not None else {}
        lexical_store.write(folder / lexical_store.FOLDER, arrays, bm25, documents, manifest)

    @classmethod
    def load(cls, folder: Path, library: Sequence[Regulation]) -> "LexicalIndex | None":
        """The index saved in ``folder`` for ``library``, or None when it is absent, stale or damaged
        (:func:`load_or_build` says which)."""
        try:
            return read(folder, library)
        except IndexError_:
            return None

    def __len__(self) -> int:
        return len(self.keys)

    def words(self, doc: int) -> frozenset[str]:
        """An article's words (with its context): what its BM25 tokens hold, as a set."""
        return _words(self.contexts[doc], self.sentence_sets[doc])

    def weighted_terms(self, text: str) -> Terms:
        """The question's distinct terms, each weighted by its idf over the articles."""
        n = max(len(self.keys), 1)
        return [(t, math.log(1 + n / (1 + self.df.get(t, 0)))) for t in dict.fromkeys(tokens(text))]

    @cached_property
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
            zh_scores, zh_covered = self._chinese_scores(chinese, candidates)
            return np.where(self.untranslated, zh_scores, scores), np.where(self.untranslated, zh_covered, covered)
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

    def role_match(self, roles: frozenset[str], rest: Terms, enough: float, rest_chinese: Terms | None = None) -> np.ndarray:
        """Per article: 0 for no role the question asks about; 1 for a role match; 2 where the
        question asks about that role and nothing else the article lacks (at least ``enough`` of the
        rest of the question's terms, ``rest``, are in the article or its regulation's title). For an
        English question, ``rest_chinese`` (its renderings, :meth:`chinese_terms`) is what the articles
        without our translation are matched on."""
        match = np.zeros(len(self.keys), np.float32)
        for role in roles & self.role_docs.keys():
            for i in self.role_docs[role]:
                terms = rest_chinese if rest_chinese is not None and self.untranslated[i] else rest
                held = not rest or (bool(terms) and coverage(terms, self.role_words[int(i)]) >= enough)
                match[i] = 2.0 if held else 1.0
        return match


def load_or_build(
    library: Sequence[Regulation], folder: Path | None, *, progress: bool = False, log: Callable[[str], None] = print
) -> LexicalIndex:
    """The lexical index of ``library``: loaded from the index folder when valid, otherwise built (with
    one line saying why) and saved there. With no folder it is built in memory and nothing is written."""
    if folder is None:
        return LexicalIndex.build(library, progress=progress)
    try:
        return read(folder, library)
    except IndexError_ as exc:
        log(f"lexical index: {exc}; building it now …")
    started = time.perf_counter()
    index = LexicalIndex.build(library, progress=progress)
    try:
        index.save(folder, build_seconds=round(time.perf_counter() - started, 3))
    except OSError as exc:
        log(f"warning: cannot write the lexical index to {folder / lexical_store.FOLDER} ({exc.strerror or exc}); using it from memory for this run")
    return index


def read(folder: Path, library: Sequence[Regulation]) -> LexicalIndex:
    """Load and verify the store in ``folder/lexical``; raise IndexError_ saying why it cannot be used."""
    digest = corpus_hash(library)
    try:
        with _collector_paused():
            return _from_store(lexical_store.read(folder / lexical_store.FOLDER, digest), library, digest)
    except (KeyError, ValueError, TypeError, AttributeError, IndexError) as exc:
        detail = f"no array {exc}" if isinstance(exc, KeyError) else str(exc)
        raise IndexError_(f"corrupt index in {folder / lexical_store.FOLDER}: {detail}") from exc


def _from_store(stored: lexical_store.Stored, library: Sequence[Regulation], digest: str) -> LexicalIndex:
    arrays = stored.arrays
    vocabulary = Vocabulary.from_array(arrays["vocabulary"], int(stored.manifest["vocabulary"]))
    placed = _placement(library)
    n = len(placed["keys"])

    def sets(name: str) -> SetList:
        return SetList(vocabulary, arrays[f"{name}_ids"], arrays[f"{name}_offsets"])

    sentence_sets = ArticleSets.from_arrays(vocabulary, arrays)
    en_words, front_words = sets("en"), sets("front")
    role_keys = arrays["role_keys"]
    role_docs = {role: arrays[f"docs_{role}"] for role in ROLES}
    df_ids, df_counts = arrays["df_ids"], arrays["df_counts"]
    bm25, bm25_en = stored.bm25[_BM25["zh"]], stored.bm25.get(_BM25["en"])
    if len(sentence_sets) != n or len(en_words) != len(placed["en_docs"]) or len(front_words) != len(placed["front_keys"]):
        raise ValueError(f"the store holds {len(sentence_sets)} articles, the library {n}")
    if (bm25_en is None) != (not placed["en_docs"]) or bm25.scores["num_docs"] != max(n, 1) or df_ids.shape != df_counts.shape:
        raise ValueError("the BM25 indexes do not fit the library")
    if any(docs.ndim != 1 or (docs.size and not 0 <= docs.min() <= docs.max() < n) for docs in [role_keys, *role_docs.values()]):
        raise ValueError("role articles fall outside the library")
    return LexicalIndex(
        **placed,
        sentence_sets=sentence_sets,
        df=dict(zip([vocabulary.words[i] for i in df_ids.tolist()], df_counts.tolist())),
        bm25=bm25,
        en_words=en_words,
        bm25_en=bm25_en,
        role_docs=role_docs,
        role_words=SetMap(role_keys, sets("role")),
        front_words=front_words,
        corpus_hash=digest,
        cross=CrossLingual.from_json(stored.documents["cross"]) if "cross" in stored.documents else None,
    )


class _Placement(TypedDict):
    keys: list[tuple[int, int, int]]
    chapters: np.ndarray
    statute: np.ndarray
    quantity: np.ndarray
    contexts: list[str]
    en_docs: list[int]
    front_keys: list[tuple[int, int]]


def _placement(library: Sequence[Regulation]) -> _Placement:
    """The fields that need no tokens (where each article sits), made from the library whether built or loaded."""
    pairs = [(r, a) for r, reg in enumerate(library) for a in reg.articles]
    several = len(library) > 1
    return _Placement(
        keys=[(r, *a.key) for r, a in pairs],
        chapters=np.array([a.chapter or 0 for _, a in pairs], np.int64),
        statute=np.array([is_statute(library[r].title) and several for r, _ in pairs], np.float32),
        quantity=np.fromiter((quantity_mask(a.text) for _, a in pairs), np.uint8, len(pairs)),
        contexts=[article_context(library, r, a) for r, a in pairs],
        en_docs=[i for i, (_, a) in enumerate(pairs) if a.text_en],
        front_keys=[(r, n) for r, reg in enumerate(library) for n in range(len(reg.front))],
    )


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """Loading makes a few hundred thousand objects at library scale, and each full pass of Python's cyclic
    collector would walk the whole library meanwhile: a third of the load time (1.1 of 3.5 s, 139k articles)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _cross(df: dict[str, int], titles: Sequence[frozenset[str]]) -> CrossLingual | None:
    """The English → Chinese table for this corpus, or None (with the reason logged by nobody: English
    questions then simply have no lexical channel) when CC-CEDICT is not installed. The regulations' title
    words count as its terms too, so that a question naming the regulation ("the Zhengzhou … regulation")
    renders into them (郑州市) as the Chinese question's own words would be."""
    from qa.lang.cedict import CedictMissing, dictionary

    try:
        return CrossLingual.build({**{t: 1 for title in titles for t in title}, **df}, dictionary())
    except CedictMissing:
        return None


def _words(context: str, sentence_sets: ArticleSentences) -> frozenset[str]:
    return token_set(context).union(*(s for paragraph in sentence_sets for s in paragraph))


def _with_cited(
    role_words: dict[int, frozenset[str]],
    pairs: Sequence[tuple[int, Article]],
    roles: Sequence[frozenset[str]],
    contexts: Sequence[str],
    sentence_sets: Sequence[ArticleSentences],
) -> dict[int, frozenset[str]]:
    """A penalty article names the duty it punishes by number (违反本条例第三十六条规定……的): the words of the
    articles it cites count as its own for a question about that duty ("What happens if a company skips
    maintenance?")."""
    where = {(r, a.number): i for i, (r, a) in enumerate(pairs) if a.suffix == 0}
    for i, role in enumerate(roles):
        if "penalty" not in role:
            continue
        r, article = pairs[i]
        for j in {where[(r, n)] for n in cited_articles(article.text) if (r, n) in where} - {i}:
            role_words[i] = role_words[i] | _words(contexts[j], sentence_sets[j])
    return role_words


def _role_words(title: frozenset[str], article: Article, context: str, sentence_sets: ArticleSentences) -> frozenset[str]:
    """What a role question's remaining words may be found in: the article, its context and its regulation's
    ``title`` words — "深圳人工智能条例什么时候施行" names the regulation, not something its last article must say."""
    return _words(context, sentence_sets) | title | token_set(article.text_en or "")
