"""qa.search.cache: repeated questions are answered from a bounded cache keyed by every setting."""

from __future__ import annotations

import threading
from dataclasses import replace

from qa.corpus.library import default_corpus, load_library
from qa.search import Abstention, Searcher
from qa.search.cache import AnswerCache
from qa.search.types import Answer


def _answer(question: str) -> Answer:
    return Answer(question=question, lang="zh", retriever="bm25", hits=(), abstained=True)


def test_least_recently_used_answers_are_dropped_first() -> None:
    cache = AnswerCache(2)
    cache.put("a", _answer("a"))
    cache.put("b", _answer("b"))
    assert cache.get("a") is not None  # a is now the most recent
    cache.put("c", _answer("c"))
    assert cache.get("b") is None and cache.get("a") is not None and cache.get("c") is not None
    stats = cache.stats()
    assert (stats.size, stats.capacity, stats.hits, stats.misses) == (2, 2, 3, 1) and stats.hit_rate == 0.75


def test_capacity_zero_keeps_nothing() -> None:
    cache = AnswerCache(0)
    cache.put("a", _answer("a"))
    assert cache.get("a") is None and cache.stats().size == 0


def test_concurrent_use_keeps_the_bound() -> None:
    cache = AnswerCache(50)
    threads = [threading.Thread(target=lambda i=i: [cache.put((i, j), _answer(str(j))) or cache.get((i, j // 2)) for j in range(200)]) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert cache.stats().size == 50


def test_searcher_answers_a_repeated_question_from_the_cache() -> None:
    searcher = Searcher(load_library(default_corpus()), embedder=None, log=lambda m: None, progress=False)
    first = searcher.search("动力电池回收利用", retriever="bm25")
    again = searcher.search("动力电池回收利用", retriever="bm25")
    assert replace(again, elapsed_ms=0) == replace(first, elapsed_ms=0)
    assert searcher.cache.stats().hits == 1
    searcher.search("动力电池回收利用", retriever="bm25", k=2)  # other settings: asked afresh
    searcher.abstention = Abstention(lexical_zh=1.5)  # no coverage reaches it
    assert searcher.search("动力电池回收利用", retriever="bm25").abstained  # new thresholds are not served stale answers
    assert searcher.cache.stats().hits == 1
    off = Searcher(searcher.library, embedder=None, log=lambda m: None, progress=False, cache_size=0)
    off.search("第三条")
    off.search("第三条")
    assert off.cache.stats().hits == 0


def test_a_truncated_question_does_not_answer_for_the_question_it_was_cut_to() -> None:
    from qa.lang.text import MAX_QUESTION_CHARS

    searcher = Searcher(load_library(default_corpus()), embedder=None, log=lambda m: None, progress=False)
    assert searcher.search("新" * (MAX_QUESTION_CHARS + 1)).truncated
    assert not searcher.search("新" * MAX_QUESTION_CHARS).truncated
