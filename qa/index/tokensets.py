"""Many small word sets as one vocabulary and integer arrays, turned back into frozensets on demand.

The lexical index holds a word set per sentence of every article (millions of words in a library).
Python objects cannot be saved without pickling them, and rebuilding them all on load would cost seconds.
So they are saved as a vocabulary (UTF-8, one word a line) plus int32 word ids and int64 offsets, and an
article's sets are made the first time a search reads it (then kept).
"""

from __future__ import annotations

import functools
from typing import Iterable, Iterator, Mapping, Sequence, overload

import numpy as np

__all__ = ["Vocabulary", "SetList", "SetMap", "ArticleSets", "ArticleSentences", "offsets_of"]

#: An article's sentence sets: ``nested[p][s]`` is the word set of sentence ``s`` of paragraph ``p``.
ArticleSentences = tuple[tuple[frozenset[str], ...], ...]


class Vocabulary:
    """Word ↔ id, ids given in first-seen order (sets are encoded sorted, so files are reproducible)."""

    def __init__(self, words: Sequence[str] = ()):
        self.words: list[str] = list(words)

    @functools.cached_property
    def ids(self) -> dict[str, int]:
        """Only encoding needs it: loading decodes ids to words."""
        return {w: i for i, w in enumerate(self.words)}

    def __len__(self) -> int:
        return len(self.words)

    def encode(self, sets: Iterable[Iterable[str]]) -> tuple[np.ndarray, np.ndarray]:
        """Word ids of each set, concatenated, and the offsets where each set starts (one more than sets)."""
        ids = self.ids
        flat: list[int] = []
        offsets = [0]
        for words in sets:
            for word in sorted(words):
                i = ids.get(word)
                if i is None:
                    i = ids[word] = len(self.words)
                    self.words.append(word)
                flat.append(i)
            offsets.append(len(flat))
        return np.array(flat, np.int32), np.array(offsets, np.int64)

    def to_array(self) -> np.ndarray:
        if any("\n" in w for w in self.words):
            raise ValueError("a token holds a line break: the vocabulary cannot be stored one word a line")
        return np.frombuffer("\n".join(self.words).encode("utf-8"), np.uint8)

    @classmethod
    def from_array(cls, data: np.ndarray, size: int) -> "Vocabulary":
        words = data.tobytes().decode("utf-8").split("\n") if size else []
        if len(words) != size:
            raise ValueError(f"the vocabulary holds {len(words)} words, not {size}")
        return cls(words)


def offsets_of(counts: Iterable[int]) -> np.ndarray:
    """Offsets (starting at 0) of consecutive groups of the given sizes."""
    return np.concatenate([[0], np.cumsum(np.fromiter(counts, np.int64))]).astype(np.int64)


def _check(ids: np.ndarray, offsets: np.ndarray, vocabulary: int) -> None:
    if ids.ndim != 1 or offsets.ndim != 1 or offsets.size == 0 or offsets[0] != 0 or offsets[-1] != ids.size:
        raise ValueError("word ids and offsets disagree")
    if np.any(np.diff(offsets) < 0) or (ids.size and (ids.min() < 0 or ids.max() >= vocabulary)):
        raise ValueError("offsets decrease or word ids fall outside the vocabulary")


class SetList(Sequence[frozenset[str]]):
    """Word sets decoded lazily: ``self[i]`` is made on first access and kept."""

    def __init__(self, vocabulary: Vocabulary, ids: np.ndarray, offsets: np.ndarray):
        _check(ids, offsets, len(vocabulary))
        self._words = vocabulary.words
        self._ids = ids
        self._offsets = offsets
        self._made: dict[int, frozenset[str]] = {}

    def __len__(self) -> int:
        return self._offsets.size - 1

    def decode(self, i: int) -> frozenset[str]:
        """The set, made afresh (not kept)."""
        words = self._words
        return frozenset([words[w] for w in self._ids[self._offsets[i] : self._offsets[i + 1]].tolist()])

    @overload
    def __getitem__(self, i: int) -> frozenset[str]: ...
    @overload
    def __getitem__(self, i: slice) -> list[frozenset[str]]: ...
    def __getitem__(self, i: int | slice) -> frozenset[str] | list[frozenset[str]]:
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        if i < 0:
            i += len(self)
        if not 0 <= i < len(self):
            raise IndexError(i)
        made = self._made.get(i)
        if made is None:
            made = self._made[i] = self.decode(i)
        return made

    def __iter__(self) -> Iterator[frozenset[str]]:
        return (self[i] for i in range(len(self)))


class SetMap(Mapping[int, frozenset[str]]):
    """Integer keys → lazily decoded word sets (the ``i``-th key's set is ``sets[i]``)."""

    def __init__(self, keys: np.ndarray, sets: SetList):
        if keys.ndim != 1 or keys.size != len(sets):
            raise ValueError("keys and sets disagree")
        self._row = {k: i for i, k in enumerate(keys.tolist())}
        self._sets = sets

    def __getitem__(self, key: int) -> frozenset[str]:
        return self._sets[self._row[key]]

    def __iter__(self) -> Iterator[int]:
        return iter(self._row)

    def __len__(self) -> int:
        return len(self._row)


class ArticleSets(Sequence[ArticleSentences]):
    """Per article, its paragraphs' sentence sets: ``self[doc][p][s]``, made on first access and kept.

    ``paragraphs[d]:paragraphs[d + 1]`` are the paragraphs of article ``d``, ``sentences[p]:sentences[p + 1]``
    the sentences of paragraph ``p`` (rows of ``sets``).
    """

    def __init__(self, sets: SetList, paragraphs: np.ndarray, sentences: np.ndarray):
        if paragraphs.ndim != 1 or paragraphs.size == 0 or paragraphs[0] != 0 or paragraphs[-1] != sentences.size - 1:
            raise ValueError("article and paragraph offsets disagree")
        if sentences.ndim != 1 or sentences[0] != 0 or sentences[-1] != len(sets) or np.any(np.diff(sentences) < 0) or np.any(np.diff(paragraphs) < 0):
            raise ValueError("paragraph and sentence offsets disagree")
        self._sets = sets
        self._paragraphs = paragraphs.tolist()
        self._sentences = sentences.tolist()
        self._made: dict[int, ArticleSentences] = {}

    @classmethod
    def encode(cls, vocabulary: Vocabulary, articles: Sequence[ArticleSentences]) -> dict[str, np.ndarray]:
        """The arrays that :meth:`from_arrays` reads back."""
        ids, offsets = vocabulary.encode(s for article in articles for paragraph in article for s in paragraph)
        return {
            "sentence_ids": ids,
            "sentence_offsets": offsets,
            "paragraph_sentences": offsets_of(len(p) for article in articles for p in article),
            "article_paragraphs": offsets_of(len(article) for article in articles),
        }

    @classmethod
    def from_arrays(cls, vocabulary: Vocabulary, arrays: Mapping[str, np.ndarray]) -> "ArticleSets":
        sets = SetList(vocabulary, arrays["sentence_ids"], arrays["sentence_offsets"])
        return cls(sets, arrays["article_paragraphs"], arrays["paragraph_sentences"])

    def __len__(self) -> int:
        return len(self._paragraphs) - 1

    @overload
    def __getitem__(self, doc: int) -> ArticleSentences: ...
    @overload
    def __getitem__(self, doc: slice) -> list[ArticleSentences]: ...
    def __getitem__(self, doc: int | slice) -> ArticleSentences | list[ArticleSentences]:
        if isinstance(doc, slice):
            return [self[d] for d in range(*doc.indices(len(self)))]
        if doc < 0:
            doc += len(self)
        if not 0 <= doc < len(self):
            raise IndexError(doc)
        made = self._made.get(doc)
        if made is None:
            s, decode = self._sentences, self._sets.decode
            made = self._made[doc] = tuple(
                tuple(decode(i) for i in range(s[p], s[p + 1])) for p in range(self._paragraphs[doc], self._paragraphs[doc + 1])
            )
        return made

    def __iter__(self) -> Iterator[ArticleSentences]:
        return (self[d] for d in range(len(self)))
