"""Full-width punctuation that a copy folded to ASCII (, ; : ? ! ( ) beside Chinese text), restored mechanically."""

from __future__ import annotations

import re

from qa.lang.text import CJK_CHARS, is_cjk

__all__ = ["restore_fullwidth", "restore_line", "is_folded", "RESTORE_NOTE"]

_CJK_CONTEXT = re.compile(f"[{CJK_CHARS}\u3000-\u303f\uff00-\uffef\u2018\u2019\u201c\u201d\u2014\u2026]")
_FULLWIDTH = {",": "，", ";": "；", ":": "：", "?": "？", "!": "！", "(": "（", ")": "）"}
_FOLDED_PUNCT = re.compile(r"[,;:?!]")
RESTORE_NOTE = (
    "Full-width punctuation restored mechanically: the copy had it folded to ASCII, so ASCII , ; : ? ! "
    "next to Chinese text and ( ) around or next to Chinese text were turned back into ，；：？！（）; "
    "digits, dates and Latin text were left alone and nothing else was changed."
)


def _chinese_context(char: str) -> bool:
    return bool(char) and _CJK_CONTEXT.match(char) is not None


def _paren_pairs(line: str) -> dict[int, int]:
    """Positions of matched ASCII parentheses, opening → closing."""
    pairs: dict[int, int] = {}
    stack: list[int] = []
    for i, char in enumerate(line):
        if char == "(":
            stack.append(i)
        elif char == ")" and stack:
            pairs[stack.pop()] = i
    return pairs


def restore_line(line: str) -> str:
    """:func:`restore_fullwidth` of one line (a parenthesis pair never spans lines)."""
    chars = list(line)

    def near_cjk(i: int) -> bool:
        return (i > 0 and _chinese_context(line[i - 1])) or (i + 1 < len(line) and _chinese_context(line[i + 1]))

    paired: set[int] = set()
    for open_, close in _paren_pairs(line).items():
        paired.update((open_, close))
        if is_cjk(line[open_ + 1 : close]) or near_cjk(open_) or near_cjk(close):
            chars[open_], chars[close] = "（", "）"
    for i, char in enumerate(line):
        if char in _FULLWIDTH and i not in paired and near_cjk(i):
            chars[i] = _FULLWIDTH[char]
    return "".join(chars)


def restore_fullwidth(text: str) -> str:
    """Undo ASCII folding of Chinese punctuation, line by line, touching nothing but , ; : ? ! ( ).

    A comma, semicolon, colon, question or exclamation mark becomes full-width when a Chinese
    character (or Chinese punctuation) stands right before or after it; a pair of parentheses when it
    encloses Chinese text or touches it. ``1,000``, ``10:30``, ``(1)`` between Latin words and every
    digit and letter stay as they are.
    """
    return "\n".join(restore_line(line) for line in text.split("\n"))


def is_folded(text: str) -> bool:
    """True for Chinese text whose punctuation was folded to ASCII: ASCII marks beside Chinese, no full-width ones."""
    if any(mark in text for mark in "，；：（）"):
        return False
    for match in _FOLDED_PUNCT.finditer(text):
        i = match.start()
        if (i > 0 and is_cjk(text[i - 1])) or (i + 1 < len(text) and is_cjk(text[i + 1])):
            return True
    return False
