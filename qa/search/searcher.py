"""The one retrieval API that the UI, the CLI and the evaluation all call: ``Searcher.search``.

A question goes through four steps: normalisation; a direct citation lookup (:mod:`.citations`);
ranking by dense (FAISS), lexical (BM25, :mod:`qa.index.lexical`) or hybrid scores (:mod:`.fusion`);
and abstention when the evidence is too weak to claim that any loaded article answers it. Every hit
carries the official text, the paragraphs and sentences that matched (:mod:`.highlight`) and its
citation strings. Nothing here writes text about the law: :mod:`.messages` only say what was or was
not found.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Sequence

import numpy as np

from qa import config
from qa.corpus.model import Article, Regulation, citation_zh
from qa.index.lexical import Terms
from qa.index.lexical import load_or_build as load_lexical
from qa.lang.cite import find_citation
from qa.lang.quantity import answering_mask
from qa.lang.roles import question_roles, residual
from qa.lang.text import clean_question, detect_lang
from qa.models.batcher import MAX_WAITING, BatchingEmbedder, Busy
from qa.search import fusion, messages
from qa.search.citations import Citations
from qa.search.cache import DEFAULT_SIZE, AnswerCache
from qa.search.fusion import ArticleSignals
from qa.search.highlight import article_hit
from qa.search.messages import Message
from qa.search.settings import DENSE_CANDIDATES, RETRIEVERS, Abstention, Ranking, abstention_for, ranking_for
from qa.search.types import Answer, FrontHit, Highlight, Hit, Relevance

if TYPE_CHECKING:
    from qa.index.dense import DenseIndex
    from qa.models import Embedder

# Also importable from here, where they were defined before the split.
__all__ = ["Searcher", "Prepared", "open_corpus", "busy_answer", "RETRIEVERS", "DENSE_CANDIDATES", "Answer", "Hit", "FrontHit", "Highlight"]


@dataclass(frozen=True)
class Prepared:
    """A question measured against every article, ready for :meth:`Searcher.answer` to rank with any
    :class:`Ranking`. ``done`` is the answer when no ranking is needed: an empty question, an unknown
    chapter, a bare or unresolvable citation."""

    base: Answer
    done: Answer | None = None
    k: int = 5
    chapter: int | None = None
    retriever: str = "bm25"
    cited: tuple[tuple[int, Hit], ...] = ()
    notes: tuple[Message, ...] = ()
    terms: Terms = field(default_factory=list)
    front: tuple[FrontHit, ...] = ()
    limit: int = 0
    signals: ArticleSignals | None = None
    paragraph_scores: dict[int, dict[int, float]] = field(default_factory=dict)


class Searcher:
    """Holds a library of regulations, its lexical index and (once loaded) the dense index.

    With ``background=True`` the embedding model and dense index load in a thread while citation
    lookups and BM25 answer at once; dense and hybrid questions asked meanwhile are answered lexically
    and say so in ``Answer.notice``. ``abstain=False`` turns abstention off (any signal above float
    noise counts: :meth:`Abstention.off`); ``search(..., abstain=...)`` overrides it per question.

    ``batch_queries=True`` (the app) puts a :class:`~qa.models.batcher.BatchingEmbedder` in front of the
    loaded model, so that concurrent questions are encoded in one call; when ``max_waiting`` questions
    already wait for it, :meth:`search` answers "busy, try again" (``Answer.busy``) at once. ``max_active``
    bounds the questions being answered at once the same way (a question that is only a citation is never
    turned away): with 200 clients the encoder's queue stayed short while answers waited up to 21 s for
    the CPU in Gradio's threads, so the bound has to cover the whole answer, not only the encoding.

    Keyword-only answers (BM25, and every answer while the model loads) abstain by :attr:`keyword_abstention`:
    ``abstention`` when given (or assigned later), else the default :class:`Abstention`, whatever the model. BM25 does not depend
    on the model, and a model's own lexical thresholds (EmbeddingGemma's 0.6 / 0.85) were calibrated beside
    its cosines, where they made keyword-only answers abstain far more.
    """

    def __init__(
        self,
        library: Sequence[Regulation],
        *,
        embedder: "Embedder | str | None" = "e5+use",
        index_dir: Path | None = None,
        background: bool = False,
        ranking: Ranking | None = None,
        abstention: Abstention | None = None,
        abstain: bool = True,
        log: Callable[[str], None] = print,
        progress: bool = True,
        cache_size: int = DEFAULT_SIZE,
        batch_queries: bool = False,
        max_waiting: int | None = None,
        max_active: int | None = None,
    ):
        self.library = tuple(library)
        # Settings suit the model: e5+use's by default, others' from qa.search.settings.MODEL_RANKING and MODEL_ABSTENTION.
        model_name = embedder if isinstance(embedder, str) else getattr(embedder, "name", None)
        self.ranking = ranking or ranking_for(model_name, len(self.library))
        self._model_abstention = abstention_for(model_name)
        self.abstention = abstention or self._model_abstention
        self.abstain = abstain
        self.log = log
        self.cache = AnswerCache(cache_size)
        self.max_active = max_active
        self._active = 0
        self._active_lock = threading.Lock()
        self._refused = 0
        self.docs: list[tuple[int, Article]] = [(r, a) for r, reg in enumerate(self.library) for a in reg.articles]
        self.lexical = load_lexical(self.library, index_dir, progress=progress, log=log)
        self.citations = Citations(self.library, [a for _, a in self.docs], self.lexical)
        self._embedder: Embedder | None = None
        self._dense: DenseIndex | None = None
        self._dense_error: str | None = None
        self._unit_docs = self._unit_paragraphs = np.zeros(0, np.int64)
        self._batch_queries = batch_queries
        self._max_waiting = MAX_WAITING if max_waiting is None else max_waiting
        self._ready = threading.Event()
        if embedder is None:
            self._dense_error = messages.NO_EMBEDDER
            self._ready.set()
        elif background:
            threading.Thread(target=self._load_dense, args=(embedder, index_dir, progress), daemon=True).start()
        else:
            self._load_dense(embedder, index_dir, progress)

    def _load_dense(self, embedder: "Embedder | str", index_dir: Path | None, progress: bool) -> None:
        from qa.index.dense import load_or_build as load_dense

        try:
            if isinstance(embedder, str):
                embedder = self._embedder_for(embedder)
            folder = index_dir or config.index_root() / "default"
            dense = load_dense(self.library, embedder, folder, progress=progress, log=self.log, digest=self.lexical.corpus_hash)
            doc_of = self.citations.doc_of
            self._unit_docs = np.array([doc_of.get((u.regulation, u.article, u.suffix), -1) for u in dense.units], np.int64)
            self._unit_paragraphs = np.array([u.paragraph or 0 for u in dense.units], np.int64)
            if self._batch_queries:
                embedder = BatchingEmbedder(embedder, max_waiting=self._max_waiting)
            self._dense, self._embedder = dense, embedder
        except Exception as exc:  # noqa: BLE001 - any failure leaves lexical search working, with the reason shown
            self._dense_error = messages.semantic_unavailable(exc)
            self.log(f"warning: {self._dense_error}")
        finally:
            self._ready.set()

    def _embedder_for(self, name: str) -> "Embedder":
        """The model called ``name``; over a collection the default gains the query adapter
        (:func:`qa.models.adapter.library_model`), and a broken adapter leaves it without one, saying why."""
        from qa.models import get_embedder
        from qa.models.adapter import AdapterError, library_model

        chosen = library_model(name, len(self.library))
        try:
            return get_embedder(chosen)
        except AdapterError as exc:
            if chosen == name:
                raise
            self.log(f"warning: the query adapter is not used ({exc})")
            return get_embedder(name)

    @property
    def keyword_abstention(self) -> Abstention:
        """The settings keyword-only answers abstain by (see the class docstring)."""
        return Abstention() if self.abstention == self._model_abstention else self.abstention

    @property
    def dense_ready(self) -> bool:
        return self._ready.is_set() and self._dense is not None

    @property
    def dense_index(self) -> "DenseIndex | None":
        """The loaded dense index (None while loading or when it failed: see ``dense_error``)."""
        return self._dense if self._ready.is_set() else None

    @property
    def dense_error(self) -> str | None:
        return self._dense_error

    def wait_ready(self, timeout: float | None = None) -> bool:
        return self._ready.wait(timeout)

    def stats(self) -> dict[str, dict[str, float] | None]:
        """The answer cache's counters and (with ``batch_queries``) the query encoder's, for the load test."""
        cache = self.cache.stats()
        encoder = self._embedder.stats().to_dict() if isinstance(self._embedder, BatchingEmbedder) else None
        with self._active_lock:
            active: dict[str, float] = {"active": self._active, "max_active": -1 if self.max_active is None else self.max_active, "turned_away": self._refused}
        return {"cache": {"size": cache.size, "capacity": cache.capacity, "hits": cache.hits, "misses": cache.misses, "hit_rate": cache.hit_rate}, "encoder": encoder, "answering": active}

    # ------------------------------------------------------------ public API

    def search(self, question: str, k: int = 5, retriever: str = "hybrid", chapter: int | None = None, *, abstain: bool | None = None) -> Answer:
        """Answer ``question`` with up to ``k`` articles (optionally within one chapter); an answer asked
        for again with the same settings comes from :attr:`cache` (``cache_size=0`` turns it off)."""
        started = time.perf_counter()
        key = (clean_question(question), k, retriever, chapter, self.abstain if abstain is None else abstain, self.ranking, self.abstention, self.dense_ready)
        answer = self.cache.get(key)
        if answer is None:
            admitted = self._enter(key[0][0])
            try:
                if not admitted:
                    raise Busy(f"{self.max_active} questions are being answered")
                answer = self.answer(self.prepare(question, k, retriever, chapter), abstain=abstain)
            except Busy:
                answer = _busy(*key[0], retriever)
            else:
                self.cache.put(key, answer)
            finally:
                if admitted:
                    with self._active_lock:
                        self._active -= 1
        return replace(answer, elapsed_ms=round((time.perf_counter() - started) * 1000, 2))

    def _enter(self, text: str) -> bool:
        """Take one of the ``max_active`` places (False: the question is turned away, counted in :meth:`stats`)."""
        with self._active_lock:
            if self.max_active is not None and self._active >= self.max_active:
                citation = find_citation(text)
                if citation is None or not citation.only:
                    self._refused += 1
                    return False
            self._active += 1
            return True

    def article_hit(self, number: int, regulation: int = 0, paragraph: int | None = None, suffix: int = 0) -> Hit | None:
        """The hit for one article, for browsing and deep links."""
        index = self.citations.doc_of.get((regulation, number, suffix))
        return None if index is None else self._hit(index, 1.0, "citation", (paragraph,) if paragraph else ())

    def front_hits(self, regulation: int = 0) -> tuple[FrontHit, ...]:
        """A regulation's front matter and table of contents, for browsing."""
        return self.citations.browse(regulation)

    def prepare(self, question: str, k: int = 5, retriever: str = "hybrid", chapter: int | None = None) -> Prepared:
        """Everything about ``question`` that does not depend on the ranking settings: the costly half
        of :meth:`search` (measurements such as ``bench/stard_sweep.py`` rank it many ways)."""
        if retriever not in RETRIEVERS:
            raise ValueError(f"retriever must be one of {', '.join(RETRIEVERS)}, not {retriever!r}")
        k = max(1, min(int(k), 100))
        text, truncated = clean_question(question)
        lang = detect_lang(text)
        base = Answer(question=text, lang=lang, retriever=retriever, hits=(), abstained=True, truncated=truncated)
        if not text:
            return Prepared(base, done=_said(base, messages.empty_question()))
        if chapter is not None and not any(reg.chapter(chapter) for reg in self.library):
            return Prepared(base, done=_said(base, messages.no_chapter(chapter)))
        cited: list[tuple[int, Hit]] = []
        notes: list[Message] = []
        citation = self.citations.find(text)
        if citation is not None:
            resolved = self.citations.resolve(citation, text)
            if resolved.doc is not None:
                cited.append((resolved.doc, self._hit(resolved.doc, 1.0, "citation", (resolved.paragraph,) if resolved.paragraph else ())))
            if resolved.problem is not None:
                if citation.only or not self.docs:
                    return Prepared(base, done=_said(base, resolved.problem))
                notes.append(resolved.problem)
            elif citation.only:
                return Prepared(base, done=replace(base, hits=tuple(h for _, h in cited), abstained=False, confidence=1.0))
        used = retriever
        if retriever != "bm25" and not self._ready.is_set():
            notes.append(messages.model_loading())
            used = "bm25"
        elif retriever != "bm25" and self._dense is None:
            notes.append(messages.dense_unavailable(self._dense_error))
            used = "bm25"
        if used != "bm25" and isinstance(self._embedder, BatchingEmbedder):
            self._embedder.admit()  # Busy before the lexical work: a busy answer must be quick
        terms = self.lexical.weighted_terms(text)
        roles = question_roles(text)
        remainder = residual(text)
        rest = self.lexical.weighted_terms(remainder)
        rest_chinese = self.lexical.chinese_terms(remainder) if lang == "en" and rest and roles else None
        enough = self.abstention.role_coverage
        front = self.citations.front_hits(text, roles, rest, enough) if chapter is None else ()
        limit = 4 * k + len(cited)
        keep = self.lexical.chapters == chapter if chapter is not None else np.ones(len(self.docs), bool)
        chinese = self.lexical.chinese_terms(text) if lang == "en" else []
        lexical, covered = self.lexical.scores(terms, lang, self.ranking.coverage_candidates, chinese)
        dense, dense_base, paragraph_scores = self._dense_scores(text, limit) if used != "bm25" else (None, None, {})
        role_match = self.lexical.role_match(roles, rest, enough, rest_chinese)
        cross = self.lexical.untranslated if chinese else None
        quantity = (self.lexical.quantity & asked) != 0 if (asked := answering_mask(text)) else None
        signals = ArticleSignals(keep, np.where(keep, lexical, 0), np.where(keep, covered, 0), dense, self.lexical.statute, role_match, cross, dense_base, quantity)
        # Highlighting looks for the Chinese terms too: they are what an untranslated article contains.
        return Prepared(base, None, k, chapter, used, tuple(cited), tuple(notes), terms + chinese, front, limit, signals, paragraph_scores)

    def answer(
        self, prepared: Prepared, *, ranking: Ranking | None = None, abstain: bool | None = None, retriever: str | None = None,
        abstention: Abstention | None = None,
    ) -> Answer:
        """Rank a prepared question (with ``ranking`` and ``abstention``, default the searcher's) and build the
        answer. ``retriever`` may narrow a hybrid preparation to "dense" or "bm25"."""
        if prepared.done is not None or prepared.signals is None:
            return prepared.done or prepared.base
        abstain = self.abstain if abstain is None else abstain
        used = retriever or prepared.retriever
        abstention = abstention or (self.keyword_abstention if used == "bm25" else self.abstention)
        if used != "bm25" and prepared.signals.dense is None:
            raise ValueError(f"{used} needs a question prepared with dense scores")
        ranked = fusion.rank(used, prepared.base.lang, prepared.signals, prepared.limit, ranking or self.ranking, abstention, abstain=abstain)
        cited = {i for i, _ in prepared.cited}
        secondary = abstention.secondary_evidence
        rows = zip(ranked.docs.tolist(), ranked.scores.tolist(), ranked.evidence.tolist(), ranked.deciding.tolist())
        shown = [(i, score, e) for n, (i, score, e, d) in enumerate(rows) if i not in cited and (n == 0 or d >= secondary)]
        paragraph_scores = prepared.paragraph_scores if used != "bm25" else {}
        hits = [h for _, h in prepared.cited] + [
            self._hit(i, score, used, (), prepared.terms, paragraph_scores.get(i, {}), n == 0, fusion.relevance(e * ranked.display))
            for n, (i, score, e) in enumerate(shown[: max(prepared.k - len(prepared.cited), 0)])
        ]
        signals = dict(ranked.signals) | ({"front": float(len(prepared.front))} if prepared.front else {})
        notice_zh = "".join(m.zh for m in prepared.notes) or None
        notice = " ".join(m.en for m in prepared.notes) or None
        base = replace(prepared.base, retriever=used, notice=notice, notice_zh=notice_zh, signals=signals, confidence=fusion.squash(ranked.best * ranked.display), front=prepared.front)
        if (not ranked.answers or not hits) and not prepared.cited:
            return replace(base, abstained=False) if prepared.front else self._abstained(base, prepared, ranked, abstention)
        return replace(base, hits=tuple(hits[: prepared.k]), abstained=False)

    # ------------------------------------------------------------ steps

    def _abstained(self, base: Answer, prepared: Prepared, ranked: fusion.Ranked, abstention: Abstention) -> Answer:
        """No article answers: say so, and name the nearest one when it comes close (:data:`qa.search.settings.NEAR_MISS`
        of the threshold) and shares one of the question's own terms — a place to look, not an answer."""
        said = _said(base, messages.no_answer(self.library, prepared.chapter))
        if ranked.signals.get("no_quantity") and abstention.quantity_veto:
            figure = messages.no_figure()
            said = replace(said, message=f"{said.message}{figure.zh}", message_en=f"{said.message_en} {figure.en}")
        if not ranked.docs.size or prepared.signals is None:
            return said
        doc = int(ranked.docs[0])
        if float(ranked.evidence[0]) < abstention.near_miss(base.lang) or prepared.signals.coverage[doc] <= 0:
            return said
        r, article = self.docs[doc]
        near = messages.near_miss(self.library[r], article, len(self.library) > 1)
        cited = citation_zh(self.library[r], article.number, suffix=article.suffix)
        return replace(said, message=f"{said.message}{near.zh}", message_en=f"{said.message_en} {near.en}", related=(cited,))

    def _dense_scores(self, text: str, limit: int) -> tuple[np.ndarray, np.ndarray | None, dict[int, dict[int, float]]]:
        """Best cosine per article over its units; for an adapted question the base model's too (the
        evidence: ``ArticleSignals.dense_base``); and per-paragraph cosines for highlighting."""
        assert self._dense is not None and self._embedder is not None
        queries, bases = self._embedder.encode_queries_with_base([text])
        top = self.ranking.dense_top(len(self._dense.units), limit)
        sims, rows = self._dense.search(queries[0], top)
        articles = fusion.dense_scores(sims[0], rows[0], self._unit_docs, len(self.docs))
        base = None
        if bases is not None:
            base_sims, base_rows = self._dense.search(bases[0], top)
            base = fusion.dense_scores(base_sims[0], base_rows[0], self._unit_docs, len(self.docs))
        return articles, base, fusion.dense_paragraph_scores(sims[0], rows[0], self._unit_docs, self._unit_paragraphs)

    def _hit(
        self, doc: int, score: float, via: str, matched: tuple[int, ...] = (), terms: Terms | None = None,
        paragraph_scores: dict[int, float] | None = None, whole_paragraph: bool = True, relevance: Relevance = "high",
    ) -> Hit:
        r, article = self.docs[doc]
        return article_hit(
            self.library[r], article, self.lexical.sentence_sets[doc], score=score, via=via, matched=matched, terms=terms,
            paragraph_scores=paragraph_scores, whole_paragraph=whole_paragraph, relevance=relevance,
        )


def _said(answer: Answer, message: Message) -> Answer:
    return replace(answer, message=message.zh, message_en=message.en)


def _busy(text: str, truncated: bool, retriever: str) -> Answer:
    return _said(Answer(text, detect_lang(text), retriever, (), True, truncated=truncated, busy=True), messages.busy())


def busy_answer(question: str, retriever: str = "hybrid") -> Answer:
    """The "busy, try again" answer to ``question``, unsearched: what a server too busy to ask the
    searcher at all still answers (the searcher gives the same when its own bound is reached)."""
    return _busy(*clean_question(question), retriever)


def open_corpus(
    corpus: str | Path | None, *, model: "Embedder | str | None" = "e5+use", progress: bool = True, abstain: bool = True, log: Callable[[str], None] = print
) -> Searcher:
    """A searcher over a corpus folder, folder of corpora or documents (default: ``$QA_CORPUS`` or the bundled
    corpus), with its index in ``config.index_dir_for(corpus)``; ``model=None`` loads no model at all. Documents
    it skips are summed up in one note, as ``qa serve`` and ``qa index`` do."""
    from qa.corpus.library import default_corpus, load_library
    from qa.config import index_dir_for

    path = Path(corpus) if corpus else default_corpus()
    library = load_library(path, log=log, progress=progress)
    if note := library.skipped_note():
        log(f"note: {note}")
    return Searcher(library, embedder=model, index_dir=index_dir_for(path), abstain=abstain, log=log, progress=progress)

