"""An English question's words as the corpus's own Chinese terms, for BM25 and lexical evidence.

Built once per corpus from the CC-CEDICT senses (:mod:`qa.lang.cedict`): an English unit (a stemmed word or
phrase) keeps only the Chinese headwords that occur in the corpus, the ones the corpus uses most first, so a
question is matched in the regulation's own vocabulary (battery → 电池, recycle → 回收, responsible → 负责).
The table is plain strings, small (the corpus's vocabulary bounds it) and saved with the lexical index. Numbers
need no dictionary: the question's digits pass as the corpus writes them (:func:`numbers`).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Mapping

from qa.lang.cedict import Dictionary, english_units
from qa.lang.numerals import to_chinese
from qa.lang.text import tokens

__all__ = ["CrossLingual", "PER_UNIT", "numbers"]

#: Chinese terms kept per English unit: enough for synonyms (负责/责任/职责), few enough to stay on topic.
PER_UNIT = 4
_NUMBER = re.compile(r"(?<![\d.])\d{1,9}(?![\d.])")


@dataclass(frozen=True)
class CrossLingual:
    """English unit ("batteri", "intellectu properti right") → Chinese corpus terms, most used first."""

    table: dict[str, tuple[str, ...]]

    @classmethod
    def build(cls, df: Mapping[str, int], dictionary: Dictionary, per_unit: int = PER_UNIT) -> "CrossLingual":
        table: dict[str, tuple[str, ...]] = {}
        for unit, headwords in dictionary.senses.items():
            present = sorted({h for h in headwords if h in df}, key=lambda t: (-df[t], t))
            if not present:  # no headword is a corpus term: fall back to their words (充电站 → 充电)
                present = sorted({t for h in headwords for t in _pieces(h, df)}, key=lambda t: (-df[t], t))
            if present:
                table[" ".join(unit)] = tuple(present[:per_unit])
        return cls(table)

    def units(self, question: str) -> list[tuple[str, tuple[str, ...]]]:
        """The question's English units that the corpus can express, with their Chinese terms."""
        return [(" ".join(u), self.table[" ".join(u)]) for u in english_units(question, _Keys(self.table))]

    def terms(self, question: str, df: Mapping[str, int], documents: int) -> list[tuple[str, float]]:
        """Chinese query terms with Chinese-side idf weights, each English unit's weight shared by its terms."""
        out: dict[str, float] = {}
        n = max(documents, 1)
        for chinese in [c for _, c in self.units(question)] + numbers(question, df):
            idf = max(math.log(1 + n / (1 + df.get(t, 0))) for t in chinese)
            for term in chinese:
                out[term] = max(out.get(term, 0.0), idf / len(chinese))
        return list(out.items())

    def to_json(self) -> dict[str, list[str]]:
        return {k: list(v) for k, v in self.table.items()}

    @classmethod
    def from_json(cls, data: Mapping[str, list[str]]) -> "CrossLingual":
        return cls({k: tuple(v) for k, v in data.items()})


def numbers(question: str, df: Mapping[str, int]) -> list[tuple[str, ...]]:
    """The question's numbers as the corpus writes them, in digits or Chinese numerals ("30 days" → 30 / 三十, as in
    超过30日 or 三十日内): numbers need no dictionary, and a figure the question names is often what the article says."""
    out: list[tuple[str, ...]] = []
    for digits in dict.fromkeys(_NUMBER.findall(question)):
        value = int(digits)
        chinese = to_chinese(value) if 0 < value < 10000 else ""
        forms = [digits] + ([chinese] if len(chinese) > 1 else [])  # 二 alone is in every 第二条
        present = tuple(f for f in forms if f in df)
        if present:
            out.append(present)
    return out


def _pieces(headword: str, df: Mapping[str, int]) -> tuple[str, ...]:
    """The words of a headword of three or more characters that the corpus has as terms."""
    if len(headword) < 3:
        return ()
    return tuple(dict.fromkeys(w for w in tokens(headword) if len(w) >= 2 and w in df))


class _Keys:
    """A view of the table's string keys as the word tuples :func:`english_units` looks up."""

    def __init__(self, table: Mapping[str, object]):
        self._table = table

    def __contains__(self, unit: object) -> bool:
        return isinstance(unit, tuple) and " ".join(unit) in self._table
