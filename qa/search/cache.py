"""A bounded cache of answers, for questions that are asked again (the examples, a shared deep link).

The key is everything an answer depends on: the question as normalised, k, retriever, chapter, whether to
abstain, the ranking and abstention settings, and whether the dense index was ready. A cache belongs to one
:class:`~qa.search.Searcher`, so a changed corpus or index (a new searcher) starts empty; answers are frozen
dataclasses, so sharing them between callers is safe.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Hashable

from qa.search.types import Answer

__all__ = ["AnswerCache", "CacheStats", "DEFAULT_SIZE"]

#: Answers kept (a few kilobytes each).
DEFAULT_SIZE = 1024


@dataclass(frozen=True)
class CacheStats:
    size: int
    capacity: int
    hits: int
    misses: int

    @property
    def hit_rate(self) -> float:
        asked = self.hits + self.misses
        return round(self.hits / asked, 4) if asked else 0.0


class AnswerCache:
    """Least-recently-used answers, thread-safe; ``capacity`` 0 turns it off."""

    def __init__(self, capacity: int = DEFAULT_SIZE):
        self.capacity = max(0, capacity)
        self._answers: OrderedDict[Hashable, Answer] = OrderedDict()
        self._lock = threading.Lock()
        self._hits = self._misses = 0

    def get(self, key: Hashable) -> Answer | None:
        with self._lock:
            answer = self._answers.get(key)
            if answer is None:
                self._misses += 1
                return None
            self._answers.move_to_end(key)
            self._hits += 1
            return answer

    def put(self, key: Hashable, answer: Answer) -> None:
        if not self.capacity:
            return
        with self._lock:
            self._answers[key] = answer
            self._answers.move_to_end(key)
            while len(self._answers) > self.capacity:
                self._answers.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._answers.clear()
            self._hits = self._misses = 0

    def stats(self) -> CacheStats:
        with self._lock:
            return CacheStats(len(self._answers), self.capacity, self._hits, self._misses)
