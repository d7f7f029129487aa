"""Training pairs: a question and the articles that answer it.

Two sources. STARD's labelled questions (real citizens). And pairs mined from the library itself, a
few per regulation whatever its size, so that the adapter also sees every law it may be asked about and
learns to match wording, not only which laws STARD happens to ask about:

- ``definition``: ``本法所称X，是指…`` gives the question ``什么是X`` → that article;
- ``sentence``: an article's opening sentence (its rule, in its own words) → the article, which the index
  stores with its regulation and chapter titles (``qa.corpus.passages.article_context``);
- ``citing``: a sentence that cites ``本法第N条`` (cited number removed) → article N of the same law.

Hard negatives need no mining: the loss is a softmax over every article of the library, so the BM25 and
dense near-misses are all in the denominator of every step.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from typing import Iterator, Sequence

from qa.corpus.library import title_key
from qa.corpus.model import Regulation
from qa.lang.numerals import from_chinese
from qa.measure.stard import LabelMap, Query
from qa.train.vectors import ArticleKey

__all__ = ["Pair", "stard_pairs", "mined_pairs", "MINED_PER_LAW"]

#: At most this many mined pairs of each kind per regulation: big codes would otherwise dominate.
MINED_PER_LAW = 3

_SELF = r"本(?:法|法典|条例|规定|办法|细则|解释|决定|规则)"
_DEFINITION = re.compile(_SELF + r"(?:中)?所称(?:的)?[“\"]?([^，,。；：“”\"]{2,24}?)[”\"]?[，,]?(?:是指|指)")
_CITES = re.compile(_SELF + r"第([零〇一二三四五六七八九十百千]+)条")
_SENTENCE = re.compile(r"[^。；！？]+[。；！？]?")


@dataclass(frozen=True)
class Pair:
    """A question, its gold articles, where it came from (``stard`` or a mining rule), and an id
    (the STARD query id; -1 for mined pairs)."""

    question: str
    gold: tuple[ArticleKey, ...]
    source: str
    id: int = -1

    @property
    def laws(self) -> frozenset[str]:
        return frozenset(key[0] for key in self.gold)


def stard_pairs(queries: Sequence[Query], labels: LabelMap) -> list[Pair]:
    """Questions with at least one label found in the library, gold = the labels found."""
    pairs = []
    for query in queries:
        gold = tuple(dict.fromkeys(labels.mapped[n] for n in query.labels if n in labels.mapped))
        if gold:
            pairs.append(Pair(query.question, gold, "stard", query.id))
    return pairs


def _candidates(regulation: Regulation) -> Iterator[tuple[str, str, ArticleKey]]:
    key = title_key(regulation.title)
    for article in regulation.articles:
        here = (key, article.number, article.suffix)
        text = article.text
        for match in _DEFINITION.finditer(text):
            yield "definition", f"什么是{match.group(1).strip()}？", here
        sentences = [s.strip() for s in _SENTENCE.findall(text) if s.strip()]
        if sentences and 8 <= len(sentences[0]) <= 60 and not _CITES.search(sentences[0]):
            yield "sentence", sentences[0], here
        for sentence in sentences:
            cited = _CITES.search(sentence)
            if cited is None:
                continue
            target = (key, from_chinese(cited.group(1)), 0)
            rest = _CITES.sub("", sentence).strip("，,的规定 ")
            if target != here and regulation.article(target[1]) is not None and 8 <= len(rest) <= 60:
                yield "citing", rest, target


def mined_pairs(library: Sequence[Regulation], *, seed: int = 0, per_law: int = MINED_PER_LAW) -> list[Pair]:
    """Up to ``per_law`` pairs of each kind from every regulation, drawn with ``seed``."""
    rng = random.Random(seed)
    pairs = []
    for regulation in library:
        by_kind: dict[str, list[tuple[str, ArticleKey]]] = {}
        for kind, question, key in _candidates(regulation):
            by_kind.setdefault(kind, []).append((question, key))
        for kind in sorted(by_kind):
            found = by_kind[kind]
            for question, key in rng.sample(found, min(per_law, len(found))):
                pairs.append(Pair(question, (key,), kind))
    return pairs
