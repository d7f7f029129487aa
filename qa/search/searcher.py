"""The one retrieval API that the UI, the CLI and the evaluation all call: ``Searcher.search``.

A question goes through four steps: normalisation; a direct citation lookup (第十二条, Art. 12(2));
ranking by dense (FAISS), lexical (BM25) or hybrid scores; and abstention when the evidence is too weak
to claim that any loaded article answers it. Every hit carries the official text, the paragraphs and
sentences that matched (as character spans) and its citation strings. Nothing here writes text about
the law: messages only say what was or was not found.
"""

from __future__ import annotations

import math
import re
import threading
import time
from collections import Counter
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Sequence

import numpy as np

from qa.lang.cite import Citation, find_citation
from qa.corpus.model import Article, FrontMatter, Regulation, article_number_en, citation_en, citation_zh, front_citation_en, front_citation_zh
from qa.index.dense import article_context
from qa.corpus.library import short_title
from qa.lang.numerals import article_label, to_chinese
from qa.lang.roles import FRONT_ROLES, ROLES, article_roles, question_roles, residual
from qa.lang.text import clean_question, detect_lang, sentences, tokens, token_set

if TYPE_CHECKING:
    from qa.models import Embedder
    from qa.index.dense import DenseIndex

__all__ = ["RETRIEVERS", "Highlight", "Hit", "FrontHit", "Answer", "Thresholds", "Searcher"]

RETRIEVERS = ("hybrid", "dense", "bm25")
#: Articles after the first are shown only with at least this much evidence (1.0 = the abstention
#: threshold), so a small corpus does not pad answers with articles that match nothing.
SECONDARY_EVIDENCE = 0.9
#: Units fetched from FAISS per question (articles outside them score as the lowest fetched).
DENSE_CANDIDATES = 256
#: Titles of statutes (法律): 中华人民共和国劳动合同法, 中华人民共和国民法典 — not 实施条例, 解释, 规定.
_STATUTE = re.compile(r"法典?$")
#: Term coverage is measured on the best BM25 articles only: on a 60,000-article library, measuring
#: every article that shares one term would cost hundreds of milliseconds.
COVERAGE_CANDIDATES = 200
#: A role question ("产业集群是什么意思") counts as answered by an article of that role when the
#: article holds at least this idf-weighted share of what the question asks besides the role.
ROLE_COVERAGE = 0.5


@dataclass(frozen=True)
class Highlight:
    """A matched sentence: ``paragraph`` (1-based) and the [start, end) span within that paragraph's text."""

    paragraph: int
    start: int
    end: int
    text: str


class _Shown:
    """What hits and front matter share: official paragraphs, our English kept apart as unofficial."""

    paragraphs: tuple[str, ...]
    paragraphs_en: tuple[str, ...] | None

    @property
    def text(self) -> str:
        return "\n".join(self.paragraphs)

    def to_dict(self) -> dict:
        data = asdict(self)  # type: ignore[call-overload]
        data["text"] = self.text
        data["paragraphs_en_unofficial"] = data.pop("paragraphs_en")
        return data


@dataclass(frozen=True)
class Hit(_Shown):
    """One article in an answer, with everything needed to show and cite it."""

    regulation_id: str
    regulation_title: str
    article: int
    chapter: int | None
    chapter_title: str | None
    chapter_title_en: str | None
    paragraphs: tuple[str, ...]
    paragraphs_en: tuple[str, ...] | None
    score: float
    matched_paragraphs: tuple[int, ...]
    highlights: tuple[Highlight, ...]
    citation: str
    citation_en: str
    via: str
    suffix: int = 0


@dataclass(frozen=True)
class FrontHit(_Shown):
    """Official text that is not an article, shown apart from the articles: the promulgation
    announcement, the adoption note, or the table of contents (the chapter headings)."""

    regulation_id: str
    regulation_title: str
    kind: str
    name: str
    name_en: str
    paragraphs: tuple[str, ...]
    paragraphs_en: tuple[str, ...] | None
    citation: str
    citation_en: str


@dataclass(frozen=True)
class Answer:
    """The result of one question: hits best first, or an abstention with the reason."""

    question: str
    lang: str
    retriever: str
    hits: tuple[Hit, ...]
    abstained: bool
    message: str | None = None
    message_en: str | None = None
    truncated: bool = False
    notice: str | None = None
    notice_zh: str | None = None
    confidence: float = 0.0
    signals: dict[str, float] = field(default_factory=dict)
    elapsed_ms: float = 0.0
    front: tuple[FrontHit, ...] = ()

    def to_dict(self) -> dict:
        data = asdict(self)
        data["hits"] = [h.to_dict() for h in self.hits]
        data["front"] = [f.to_dict() for f in self.front]
        return data


@dataclass(frozen=True)
class Thresholds:
    """Abstain unless the best article clears one of these.

    Defaults: ``qa eval --calibrate`` over all four committed question sets at once (the complete
    Anhui set and three other regulations, 392 questions) with the e5+use model (false abstention
    ≤ 5% per language); ``hybrid_weight`` from a sweep of 0.4–0.9; ``role_prior`` set a priori.

    ``dense_zh``/``dense_en`` are the best article's similarity for Chinese and English questions
    (cross-lingual similarities run lower); ``lexical`` is the idf-weighted share of the question's
    terms found in the best article. ``hybrid_weight`` is the dense share of the hybrid score.

    ``statute_prior`` is added to the hybrid score of articles of a 法 or 法典 (a statute of the
    National People's Congress) when several regulations are loaded: a citizen's question is most
    often answered by the statute itself rather than by the rules and interpretations made under
    it. Chosen on STARD's tuning split (``qa stard``, docs/stard.md); it orders only, never decides
    whether to answer, and does nothing with a single regulation.

    ``role_prior`` is added to the score of articles whose structural role (purpose, scope,
    definitions, responsibilities, effective date, analogy: :mod:`qa.lang.roles`) the question asks about.
    """

    dense_zh: float = 0.885
    dense_en: float = 0.545
    lexical: float = 0.3
    hybrid_weight: float = 0.7
    statute_prior: float = 0.1
    role_prior: float = 0.2

    def dense(self, lang: str) -> float:
        return self.dense_en if lang == "en" else self.dense_zh


@dataclass
class _Doc:
    regulation: int
    article: Article


class Searcher:
    """Holds a library of regulations, its BM25 indexes and (once loaded) the dense index.

    With ``background=True`` the embedding model and dense index load in a thread while citation
    lookups and BM25 answer at once; dense and hybrid questions asked meanwhile are answered lexically
    and say so in ``Answer.notice``.
    """

    def __init__(
        self,
        library: Sequence[Regulation],
        *,
        embedder: "Embedder | str | None" = "e5+use",
        index_dir: Path | None = None,
        background: bool = False,
        thresholds: Thresholds | None = None,
        log: Callable[[str], None] = print,
        progress: bool = True,
    ):
        import bm25s

        self.library = tuple(library)
        self.thresholds = thresholds or Thresholds()
        self.log = log
        self.docs = [_Doc(r, a) for r, reg in enumerate(self.library) for a in reg.articles]
        self._doc_of = {(d.regulation, *d.article.key): i for i, d in enumerate(self.docs)}
        self._chapters = np.array([d.article.chapter or 0 for d in self.docs], np.int64)
        statutes = [bool(_STATUTE.search(reg.title)) and len(self.library) > 1 for reg in self.library]
        self._statute = np.array([statutes[d.regulation] for d in self.docs], np.float32)
        self._titles = tuple(sorted({f for reg in self.library for t in _title_forms(reg.title) for f in (f"《{t}》", t)}, key=len, reverse=True))
        docs: Sequence[_Doc] = self.docs
        if progress and len(docs) > 5000:
            from tqdm import tqdm

            docs = tqdm(docs, desc="tokenising articles for BM25", unit="article")
        doc_tokens: list[list[str]] = []
        self._context: list[str] = []
        self._sentence_sets: list[tuple[tuple[frozenset[str], ...], ...]] = []
        for d in docs:
            context = article_context(self.library, d.regulation, d.article)
            by_sentence = [[tokens(p.text[s:e]) for s, e in sentences(p.text)] for p in d.article.paragraphs]
            self._context.append(context)
            self._sentence_sets.append(tuple(tuple(frozenset(t) for t in paragraph) for paragraph in by_sentence))
            doc_tokens.append(tokens(context) + [t for paragraph in by_sentence for sentence in paragraph for t in sentence])
        self._df = Counter(t for toks in doc_tokens for t in set(toks))
        roles = [article_roles(d.article.text) for d in self.docs]
        #: Articles by structural role, and each such article's words in both languages, so a role
        #: question touches only the few articles of its role.
        self._role_docs = {role: np.flatnonzero([role in r for r in roles]) for role in ROLES}
        self._role_words = {i: self._token_set(i) | token_set(self.docs[i].article.text_en or "") for i, r in enumerate(roles) if r}
        self._front = [(r, f) for r, reg in enumerate(self.library) for f in reg.front]
        self._front_tokens = [token_set(f.text) | token_set(" ".join(f.paragraphs_en or ())) for _, f in self._front]
        self._bm25 = bm25s.BM25()
        self._bm25.index(doc_tokens or [[""]], show_progress=False)
        self._en_docs = [i for i, d in enumerate(self.docs) if d.article.text_en]
        self._bm25_en = None
        if self._en_docs:
            self._bm25_en = bm25s.BM25()
            self._bm25_en.index([tokens(self.docs[i].article.text_en or "") for i in self._en_docs], show_progress=False)
        self._embedder: Embedder | None = None
        self._dense: DenseIndex | None = None
        self._dense_error: str | None = None
        self._ready = threading.Event()
        if embedder is None:
            self._dense_error = "no embedding model configured"
            self._ready.set()
        elif background:
            threading.Thread(target=self._load_dense, args=(embedder, index_dir, progress), daemon=True).start()
        else:
            self._load_dense(embedder, index_dir, progress)

    # ------------------------------------------------------------ loading

    def _token_set(self, doc: int) -> frozenset[str]:
        """An article's words (with its context), from the sentence sets kept for highlighting."""
        return token_set(self._context[doc]).union(*(s for paragraph in self._sentence_sets[doc] for s in paragraph))

    def _load_dense(self, embedder: "Embedder | str", index_dir: Path | None, progress: bool) -> None:
        from qa.index.dense import load_or_build

        try:
            if isinstance(embedder, str):
                from qa.models import get_embedder

                embedder = get_embedder(embedder)
            folder = index_dir or Path("index") / "default"
            self._dense = load_or_build(self.library, embedder, folder, progress=progress, log=self.log)
            self._embedder = embedder
        except Exception as exc:  # noqa: BLE001 - any failure leaves lexical search working, with the reason shown
            self._dense_error = f"semantic search unavailable: {exc}"
            self.log(f"warning: {self._dense_error}")
        finally:
            self._ready.set()

    @property
    def dense_ready(self) -> bool:
        return self._ready.is_set() and self._dense is not None

    def wait_ready(self, timeout: float | None = None) -> bool:
        return self._ready.wait(timeout)

    # ------------------------------------------------------------ public API

    def search(self, question: str, k: int = 5, retriever: str = "hybrid", chapter: int | None = None) -> Answer:
        """Answer ``question`` with up to ``k`` articles (optionally within one chapter)."""
        started = time.perf_counter()
        if retriever not in RETRIEVERS:
            raise ValueError(f"retriever must be one of {', '.join(RETRIEVERS)}, not {retriever!r}")
        k = max(1, min(int(k), 100))
        text, truncated = clean_question(question)
        lang = detect_lang(text)
        answer = self._answer(text, lang, k, retriever, chapter, truncated)
        return _with(answer, elapsed_ms=round((time.perf_counter() - started) * 1000, 2))

    def article_hit(self, number: int, regulation: int = 0, paragraph: int | None = None, suffix: int = 0) -> Hit | None:
        """The hit for one article, for browsing and deep links."""
        index = self._doc_of.get((regulation, number, suffix))
        if index is None:
            return None
        matched = (paragraph,) if paragraph else ()
        return self._hit(index, 1.0, "citation", matched, [])

    def front_hits(self, regulation: int = 0) -> tuple[FrontHit, ...]:
        """A regulation's front matter and table of contents, for browsing."""
        reg = self.library[regulation]
        return tuple(_front_hit(reg, f) for f in reg.front) + ((_contents_hit(reg),) if reg.chapters else ())

    # ------------------------------------------------------------ steps

    def _answer(self, text: str, lang: str, k: int, retriever: str, chapter: int | None, truncated: bool) -> Answer:
        base = Answer(question=text, lang=lang, retriever=retriever, hits=(), abstained=True, truncated=truncated)
        if not text:
            return _with(base, message="请输入问题。", message_en="Please type a question.")
        if chapter is not None and not any(reg.chapter(chapter) for reg in self.library):
            return _with(base, message=f"没有第{chapter}章。", message_en=f"There is no chapter {chapter} in the loaded regulations.")
        citation = find_citation(text, self._titles)
        cited: list[tuple[int, Hit]] = []
        notes: list[tuple[str, str]] = []
        if citation is not None:
            cited, problem = self._lookup(citation, text)
            if problem is not None:
                message, message_en = problem
                if citation.only or not self.docs:
                    return _with(base, message=message, message_en=message_en)
                notes.append(problem)
            elif citation.only:
                return _with(base, hits=tuple(h for _, h in cited), abstained=False, confidence=1.0)
        retriever_used = retriever
        if retriever != "bm25" and not self._ready.is_set():
            notes.append(("语义模型仍在加载，以下结果仅来自关键词检索。", "The semantic model is still loading; these results are from keyword search only."))
            retriever_used = "bm25"
        elif retriever != "bm25" and self._dense is None:
            notes.append((f"语义检索不可用，以下结果仅来自关键词检索（{self._dense_error}）。", f"{self._dense_error}; these results are from keyword search only."))
            retriever_used = "bm25"
        notice_zh = "".join(zh for zh, _ in notes) or None
        notice = " ".join(en for _, en in notes) or None
        query_terms = self._weighted_terms(text)
        roles = question_roles(text)
        rest = self._weighted_terms(residual(text))
        front = self._front_hits(text, roles, rest) if chapter is None else ()
        ranked, best, signals, paragraph_scores = self._rank(text, query_terms, lang, retriever_used, chapter, limit=4 * k + len(cited), roles=(roles, rest))
        cited_docs = {i for i, _ in cited}
        shown = [(i, score) for n, (i, score, e) in enumerate(ranked) if i not in cited_docs and (n == 0 or e >= SECONDARY_EVIDENCE)]
        hits = [h for _, h in cited] + [
            self._hit(i, score, retriever_used, (), query_terms, paragraph_scores.get(i, {}), whole_paragraph=n == 0)
            for n, (i, score) in enumerate(shown[: max(k - len(cited), 0)])
        ]
        if front:
            signals["front"] = float(len(front))
        base = _with(base, retriever=retriever_used, notice=notice, notice_zh=notice_zh, signals=signals, confidence=_squash(best), front=front)
        if (best < 1.0 or not hits) and not cited:
            if front:
                return _with(base, abstained=False)
            return _with(base, **self._abstain_messages(chapter))
        return _with(base, hits=tuple(hits[:k]), abstained=False)

    def _front_hits(self, text: str, roles: frozenset[str], rest: list[tuple[str, float]]) -> tuple[FrontHit, ...]:
        """Front matter (and the table of contents) when the question asks what only it says: who
        adopted the regulation, when it applies, its announcement, its chapters. In a collection,
        only for the regulations the question names."""
        scope = set(self._named_regulations(text)) if len(self.library) > 1 else {0}
        found: list[FrontHit] = []
        for (r, front), words in zip(self._front, self._front_tokens):
            if r in scope and FRONT_ROLES[front.kind] & roles and (not rest or _coverage(rest, words) >= ROLE_COVERAGE):
                found.append(_front_hit(self.library[r], front))
        if "contents" in roles and not rest:
            found += [_contents_hit(self.library[r]) for r in sorted(scope) if self.library[r].chapters]
        return tuple(found)

    def _named_regulations(self, text: str) -> list[int]:
        """Regulations whose title the question names, with or without 中华人民共和国; when several
        match, those with the longest title (a judicial interpretation of the Civil Code names both)."""
        lengths = {r: max((len(t) for t in _title_forms(reg.title) if t in text), default=0) for r, reg in enumerate(self.library)}
        longest = max(lengths.values(), default=0)
        return [r for r, n in lengths.items() if n and n == longest]

    def _lookup(self, citation: Citation, text: str) -> tuple[list[tuple[int, Hit]], tuple[str, str] | None]:
        """Hits for a cited article in the regulation(s) it can refer to, or why there is none."""
        candidates = self._named_regulations(text) or list(range(len(self.library)))
        n = citation.article
        if n < 1:
            return [], ("条文序号从第一条开始。", f"Article numbers start at 1; there is no Article {n}.")
        key = (n, citation.suffix)
        label_zh = article_label(*key)
        label_en = f"Article {article_number_en(*key)}"
        found = [self._doc_of[(r, *key)] for r in candidates if (r, *key) in self._doc_of]
        if len(candidates) > 1 and len(found) > 1:
            return [], (
                "请在条文前写明法规名称，例如《…》第十二条。",
                f"{len(found)} regulations have an {label_en}; name the regulation as well.",
            )
        if not found:
            reg = self.library[candidates[0]] if candidates else None
            if reg is None:
                return [], ("未载入任何法规。", "No regulation is loaded.")
            if n <= reg.total_articles and not reg.complete:
                return [], (
                    f"{label_zh}尚未载入：本库只有{reg.coverage_zh()}。请用 qa import 载入官方全文。",
                    f"{label_en} is not among the loaded articles ({reg.coverage_en()}); load the official text with `qa import`.",
                )
            return [], (
                f"《{reg.title}》共{to_chinese(reg.total_articles)}条，没有{label_zh}。",
                f"The regulation has {reg.total_articles} articles; there is no {label_en}.",
            )
        index = found[0]
        article = self.docs[index].article
        paragraph = citation.paragraph
        if paragraph is not None and not 1 <= paragraph <= len(article.paragraphs):
            return [(index, self._hit(index, 1.0, "citation", (), []))], (
                f"{article.label_zh}只有{to_chinese(len(article.paragraphs))}款。",
                f"Article {article.number_en} has {len(article.paragraphs)} paragraph(s); showing the whole article.",
            )
        return [(index, self._hit(index, 1.0, "citation", (paragraph,) if paragraph else (), []))], None

    def _weighted_terms(self, text: str) -> list[tuple[str, float]]:
        n = max(len(self.docs), 1)
        return [(t, math.log(1 + n / (1 + self._df.get(t, 0)))) for t in dict.fromkeys(tokens(text))]

    def _lexical(self, terms: list[tuple[str, float]], lang: str) -> tuple[np.ndarray, np.ndarray]:
        """BM25 scores per article and the idf-weighted share of question terms each article contains."""
        scores = np.zeros(len(self.docs), np.float32)
        coverage = np.zeros(len(self.docs), np.float32)
        if not terms or not self.docs:
            return scores, coverage
        query = [t for t, _ in terms]
        if lang == "en" and self._bm25_en is not None:
            if any(t in self._bm25_en.vocab_dict for t in query):
                en = self._bm25_en.get_scores(query)
                scores[self._en_docs] = en
                for i in self._en_docs:
                    coverage[i] = _coverage(terms, token_set(self.docs[i].article.text_en or ""))
            return scores, coverage
        if any(t in self._bm25.vocab_dict for t in query):
            scores = np.asarray(self._bm25.get_scores(query), np.float32)
        for i in _top(scores, COVERAGE_CANDIDATES):
            coverage[i] = _coverage(terms, self._token_set(i))
        return scores, coverage

    def _dense_scores(self, text: str, limit: int) -> tuple[np.ndarray, dict[int, dict[int, float]]]:
        """Best cosine per article over its units, and per-paragraph cosines for highlighting."""
        assert self._dense is not None and self._embedder is not None
        query = self._embedder.encode_queries([text])[0]
        top = min(len(self._dense.units), max(DENSE_CANDIDATES, 4 * limit))
        sims, rows = self._dense.search(query, top)
        valid = sims[0][rows[0] >= 0]  # FAISS pads missing rows with -1 and -3.4e38
        scores = np.full(len(self.docs), float(valid.min()) if valid.size else 0.0, np.float32)
        seen = np.zeros(len(self.docs), bool)
        paragraphs: dict[int, dict[int, float]] = {}
        for sim, row in zip(sims[0], rows[0]):
            if row < 0:
                continue
            unit = self._dense.units[row]
            i = self._doc_of.get((unit.regulation, unit.article, unit.suffix))
            if i is None:
                continue
            if not seen[i] or sim > scores[i]:
                scores[i], seen[i] = sim, True
            if unit.paragraph is not None:
                paragraphs.setdefault(i, {})[unit.paragraph] = max(sim, paragraphs.get(i, {}).get(unit.paragraph, -1.0))
        return scores, paragraphs

    def _rank(
        self,
        text: str,
        terms: list[tuple[str, float]],
        lang: str,
        retriever: str,
        chapter: int | None,
        limit: int,
        roles: tuple[frozenset[str], list[tuple[str, float]]] = (frozenset(), []),
    ) -> tuple[list[tuple[int, float, float]], float, dict[str, float], dict[int, dict[int, float]]]:
        """The best ``limit`` articles as (doc, score, evidence), the best evidence of all, the raw
        signals, and per-paragraph scores.

        Evidence is scaled so that 1.0 is the abstention threshold: an article answers when its
        dense similarity or its share of the question's terms clears the calibrated threshold. With a
        chapter filter, articles outside it are dropped before any of this is measured.
        """
        t = self.thresholds
        keep = self._chapters == chapter if chapter is not None else np.ones(len(self.docs), bool)
        lexical, coverage = self._lexical(terms, lang)
        lexical, coverage = np.where(keep, lexical, 0), np.where(keep, coverage, 0)
        signals = {"lexical": round(float(coverage.max(initial=0)), 4)}
        evidence = coverage / t.lexical
        paragraph_scores: dict[int, dict[int, float]] = {}
        if retriever == "bm25":
            combined = _minmax(lexical)
        else:
            dense, paragraph_scores = self._dense_scores(text, limit)
            signals["dense"] = round(float(dense[keep].max(initial=0)), 4)
            dense_evidence = np.where(keep, dense, 0) / t.dense(lang)
            evidence = dense_evidence if retriever == "dense" else np.maximum(evidence, dense_evidence)
            if retriever == "dense" or not lexical.any():
                combined = dense.copy()
            else:
                combined = t.hybrid_weight * _minmax(dense) + (1 - t.hybrid_weight) * _minmax(lexical) + t.statute_prior * self._statute
        role_match = self._role_match(*roles)
        if role_match.any():
            combined = combined + t.role_prior * role_match
            evidence = np.maximum(evidence, np.where(keep & (role_match > 1), 1.0, 0.0))
            signals["role"] = float((keep & (role_match > 1)).any())
        eligible = keep & ((lexical > 0) | (role_match > 0)) if retriever == "bm25" else keep
        combined = np.where(eligible, combined, -np.inf)
        candidates = np.flatnonzero(eligible)
        if candidates.size > limit:
            candidates = candidates[np.argpartition(-combined[candidates], limit)[:limit]]
        order = candidates[np.lexsort((candidates, -combined[candidates]))]
        ranked = [(int(i), float(combined[i]), float(evidence[i])) for i in order]
        return ranked, float(evidence[eligible].max(initial=0.0)), signals, paragraph_scores

    def _role_match(self, roles: frozenset[str], rest: list[tuple[str, float]]) -> np.ndarray:
        """Per article: 0 for no role the question asks about; 1 for a role match; 2 where the question
        asks about that role and nothing else the article lacks (then it counts as evidence)."""
        match = np.zeros(len(self.docs), np.float32)
        for role in roles & self._role_docs.keys():
            for i in self._role_docs[role]:
                match[i] = 2.0 if not rest or _coverage(rest, self._role_words[int(i)]) >= ROLE_COVERAGE else 1.0
        return match

    def _hit(
        self,
        index: int,
        score: float,
        via: str,
        matched: tuple[int, ...],
        terms: list[tuple[str, float]],
        paragraph_scores: dict[int, float] | None = None,
        whole_paragraph: bool = True,
    ) -> Hit:
        """``whole_paragraph``: when no sentence shares a word with the question (an English question
        over Chinese text), mark the whole best paragraph — only for the top hit, where the model's
        match is the evidence; lower hits then show no highlight rather than a guess."""
        doc = self.docs[index]
        regulation = self.library[doc.regulation]
        article = doc.article
        chapter = regulation.chapter(article.chapter)
        if not matched and via != "citation":
            matched = _best_paragraphs(self._sentence_sets[index], terms, paragraph_scores or {})
        highlights = tuple(h for p in matched for h in _highlights(article, p, self._sentence_sets[index], terms, whole_paragraph))
        first = matched[0] if len(matched) == 1 and len(article.paragraphs) > 1 else None
        return Hit(
            regulation_id=regulation.id,
            regulation_title=regulation.title,
            article=article.number,
            suffix=article.suffix,
            chapter=article.chapter,
            chapter_title=chapter.title if chapter else None,
            chapter_title_en=chapter.title_en if chapter else None,
            paragraphs=tuple(p.text for p in article.paragraphs),
            paragraphs_en=tuple(p.text_en or "" for p in article.paragraphs) if article.text_en else None,
            score=round(float(score), 4),
            matched_paragraphs=matched,
            highlights=highlights,
            citation=citation_zh(regulation, article.number, first, suffix=article.suffix),
            citation_en=citation_en(regulation, article.number, first, suffix=article.suffix),
            via=via,
        )

    def _abstain_messages(self, chapter: int | None) -> dict[str, str]:
        if len(self.library) == 1:
            reg = self.library[0]
            scope_zh = f"《{reg.title}》" + ("" if reg.complete else f"已载入的{reg.coverage_zh()}")
            scope_en = "the Regulations" if reg.complete else f"the articles loaded ({reg.coverage_en()})"
        else:
            scope_zh, scope_en = f"已载入的{len(self.library)}部法规", f"the {len(self.library)} regulations loaded"
        if chapter is not None:
            scope_zh += f"第{to_chinese(chapter)}章"
            scope_en += f", chapter {chapter}"
        return {
            "message": f"{scope_zh}中没有条文回答这个问题。",
            "message_en": f"No article in {scope_en} covers this question.",
        }


def _front_hit(regulation: Regulation, front: FrontMatter) -> FrontHit:
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


def _contents_hit(regulation: Regulation) -> FrontHit:
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


def _title_forms(title: str) -> tuple[str, ...]:
    """How people write a title: in full, or without the 中华人民共和国 of national laws."""
    short = short_title(title)
    return (title, short) if short != title and len(short) >= 2 else (title,)


def _with(answer: Answer, **changes: object) -> Answer:
    return replace(answer, **changes)  # type: ignore[arg-type]


def _squash(evidence: float) -> float:
    """Map evidence (1.0 = at the threshold) to a 0–1 confidence for display."""
    return round(1 / (1 + math.exp(-8 * (evidence - 1))), 3)


def _top(values: np.ndarray, n: int) -> np.ndarray:
    """Indices of the ``n`` largest positive values (unordered), without sorting the whole array."""
    positive = np.flatnonzero(values > 0)
    if positive.size <= n:
        return positive
    return positive[np.argpartition(-values[positive], n)[:n]]


def _minmax(values: np.ndarray) -> np.ndarray:
    if values.size == 0:
        return values
    low, high = float(values.min()), float(values.max())
    return (values - low) / (high - low) if high > low else np.zeros_like(values)


def _coverage(terms: list[tuple[str, float]], present: set[str]) -> float:
    total = sum(w for _, w in terms)
    return sum(w for t, w in terms if t in present) / total if total else 0.0


def _best_paragraphs(sentence_sets: tuple[tuple[frozenset[str], ...], ...], terms: list[tuple[str, float]], dense: dict[int, float]) -> tuple[int, ...]:
    """The paragraph that answers best: dense similarity where we have it, word overlap otherwise."""
    if len(sentence_sets) == 1:
        return (1,)
    lexical = {n: _coverage(terms, frozenset().union(*sets)) for n, sets in enumerate(sentence_sets, 1)}
    if dense:
        low = min(dense.values())
        span = (max(dense.values()) - low) or 1.0
        score = {n: 0.6 * (dense.get(n, low) - low) / span + 0.4 * lexical[n] for n in lexical}
    else:
        score = lexical
    best = max(score, key=lambda n: (score[n], -n))
    return (best,)


def _highlights(
    article: Article,
    paragraph: int,
    sentence_sets: tuple[tuple[frozenset[str], ...], ...],
    terms: list[tuple[str, float]],
    whole_paragraph: bool = True,
) -> list[Highlight]:
    """Sentences of the matched paragraph that share the question's words; if none do, the whole
    paragraph (or nothing, when ``whole_paragraph`` is False). ``sentence_sets`` are the words of
    each sentence, tokenised once when the library was indexed."""
    if not 1 <= paragraph <= len(article.paragraphs):
        return []
    text = article.paragraphs[paragraph - 1].text
    spans = sentences(text)
    scored = [(_coverage(terms, words), s, e) for words, (s, e) in zip(sentence_sets[paragraph - 1], spans)]
    best = max((c for c, _, _ in scored), default=0.0)
    chosen = [(s, e) for c, s, e in scored if best > 0 and c >= 0.5 * best] or (spans if whole_paragraph else [])
    return [Highlight(paragraph, s, e, text[s:e]) for s, e in chosen]
