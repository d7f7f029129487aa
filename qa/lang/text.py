"""Text handling shared by indexing and querying: normalisation, tokens for BM25, sentences, language.

Queries and documents go through the same ``normalize`` so that full-width digits, traditional
characters and stray whitespace never decide whether a question matches.
"""

from __future__ import annotations

import re
from functools import lru_cache

__all__ = [
    "MAX_QUESTION_CHARS",
    "normalize",
    "clean_question",
    "tokens",
    "token_set",
    "sentences",
    "detect_lang",
    "is_cjk",
    "CJK_CHARS",
]

MAX_QUESTION_CHARS = 1000

#: The Chinese characters (CJK unified ideographs, extension A, compatibility ideographs), for a regex class.
CJK_CHARS = "\u3400-\u9fff\uf900-\ufaff"
_CJK = re.compile(f"[{CJK_CHARS}]")
_CJK_RUN = re.compile(f"[{CJK_CHARS}]+")
_LATIN_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
# Controls, zero-width and direction marks, and lone surrogates (which no encoder can take).
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff\ud800-\udfff]")
_SENTENCE_END = re.compile(r"(?<=[。！？；!?;])")

# Function words that carry no topic: dropping them keeps BM25 from matching on 的/吗/what.
_STOP_ZH = frozenset(
    "的 了 吗 呢 吧 啊 是 在 和 与 及 或 有 没有 什么 怎么 怎样 如何 哪些 哪个 为什么 可以 能 能不能 会 要 需要 应该 "
    "我 我们 你 他 她 它 这 那 这个 那个 一个 吗？ 请问 想 问 一下 都 也 就 还 对 把 被 给 让 从 向 到 里 上 下 "
    "个 些 条 款 中 之 其 等 并 而 以 于 为 由 所 者".split()
)
_STOP_EN = frozenset(
    "a an the and or of to in on for at by with from as is are was were be been being do does did doing "
    "what which who whom whose when where why how can could should would will shall may might must i me my we our "
    "you your he she it its they them their this that these those there here any some all no not if then than "
    "about into over under there's it's i'm don't does't get got have has had".split()
)


# Full-width letters and digits (and the ideographic space) fold to ASCII; full-width punctuation stays.
_WIDTH = {0x3000: " "} | {c: c - 0xFEE0 for c in range(0xFF01, 0xFF5F) if chr(c - 0xFEE0).isalnum()}


@lru_cache(maxsize=1)
def _t2s():  # type: ignore[no-untyped-def]
    import opencc

    return opencc.OpenCC("t2s")


def normalize(text: str) -> str:
    """Full-width letters/digits → ASCII, traditional → simplified, controls dropped, spaces collapsed.

    Full-width punctuation (，；) is kept: it is how the law text itself is written.
    """
    text = _CONTROL.sub(" ", text).translate(_WIDTH)
    if _CJK.search(text):
        text = _t2s().convert(text)
    return re.sub(r"\s+", " ", text).strip()


def clean_question(question: str) -> tuple[str, bool]:
    """Normalise a visitor's question and cap its length; returns (text, truncated)."""
    truncated = len(question) > MAX_QUESTION_CHARS * 4
    text = normalize(question[: MAX_QUESTION_CHARS * 4])
    if len(text) > MAX_QUESTION_CHARS:
        text, truncated = text[:MAX_QUESTION_CHARS], True
    return text, truncated


def is_cjk(text: str) -> bool:
    return bool(_CJK.search(text))


def detect_lang(text: str) -> str:
    """'zh' when the text has any Chinese characters (questions mix in Latin terms like NEV), else 'en'."""
    return "zh" if is_cjk(text) else "en"


@lru_cache(maxsize=1)
def _jieba():  # type: ignore[no-untyped-def]
    import logging

    import jieba

    jieba.setLogLevel(logging.WARNING)
    jieba.initialize()
    return jieba


def tokens(text: str) -> list[str]:
    """BM25 tokens: jieba search-mode words plus character bigrams for Chinese, lowercased words for Latin.

    Bigrams rescue terms jieba splits oddly (增程式 → 增 / 程式); words keep exact terms strong.
    """
    text = text.lower()
    out: list[str] = []
    for run in _CJK_RUN.findall(text):
        out.extend(w for w in _jieba().lcut_for_search(run) if w not in _STOP_ZH)
        out.extend(run[i : i + 2] for i in range(len(run) - 1))
    out.extend(w for w in _LATIN_WORD.findall(text) if w not in _STOP_EN and len(w) > 1)
    return out


@lru_cache(maxsize=65536)
def token_set(text: str) -> frozenset[str]:
    """``tokens`` as a set, cached: article paragraphs are tokenised again for every answer they appear in."""
    return frozenset(tokens(text))


def sentences(text: str) -> list[tuple[int, int]]:
    """Spans (start, end) of the sentences of one paragraph, split after 。！？；."""
    spans: list[tuple[int, int]] = []
    start = 0
    for match in _SENTENCE_END.finditer(text):
        end = match.start()
        if end > start and text[start:end].strip():
            spans.append((start, end))
        start = end
    if start < len(text) and text[start:].strip():
        spans.append((start, len(text)))
    return spans
