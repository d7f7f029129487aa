"""Chinese numerals as they appear in article and chapter numbers (第一百零三条 ↔ 103)."""

from __future__ import annotations

__all__ = [
    "to_chinese",
    "from_chinese",
    "parse_number",
    "article_label",
    "NUMERAL_CHARS",
    "NUMERAL",
    "SMALL_NUMERAL_CHARS",
    "SMALL_NUMERAL",
]

_DIGITS = "零一二三四五六七八九"
_VALUES = {c: i for i, c in enumerate(_DIGITS)} | {"〇": 0, "两": 2}
_UNITS = {"十": 10, "百": 100, "千": 1000}

#: Every character :func:`from_chinese` reads, to build a regular-expression class: ``[{NUMERAL_CHARS}0-9]+``
#: is a number in Chinese numerals or digits.
NUMERAL_CHARS = "".join(_VALUES) + "".join(_UNITS)
#: A Chinese numeral, as in 第一百零三条 or 第十二章: one pattern for every reader of labels.
NUMERAL = f"[{NUMERAL_CHARS}]+"
#: The characters of the small numbers that number inserted articles (之一) and items (（三）, 三、).
SMALL_NUMERAL_CHARS = _DIGITS[1:] + "十"
SMALL_NUMERAL = f"[{SMALL_NUMERAL_CHARS}]+"


def to_chinese(n: int) -> str:
    """Write ``n`` (1–9999) the way statutes number articles: 10 → 十, 20 → 二十, 103 → 一百零三."""
    if not 0 < n < 10000:
        raise ValueError(f"article numbers run from 1 to 9999, got {n}")
    out: list[str] = []
    pending_zero = False
    for unit_value, unit in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
        digit, n = divmod(n, unit_value)
        if digit == 0:
            pending_zero = bool(out)
            continue
        if pending_zero:
            out.append("零")
            pending_zero = False
        if not (unit == "十" and digit == 1 and not out):
            out.append(_DIGITS[digit])
        out.append(unit)
    return "".join(out)


def from_chinese(text: str) -> int:
    """Read a Chinese numeral (十二, 一百零三, 一千二百六十); raise ValueError on anything else."""
    if not text or any(c not in _VALUES and c not in _UNITS for c in text):
        raise ValueError(f"not a Chinese numeral: {text!r}")
    total, digit, last_unit = 0, None, 10**9
    for char in text:
        if char in _VALUES:
            if digit is not None and digit != 0:
                raise ValueError(f"not a Chinese numeral: {text!r}")
            digit = _VALUES[char]
            continue
        unit = _UNITS[char]
        if unit >= last_unit:
            raise ValueError(f"not a Chinese numeral: {text!r}")
        total += (1 if digit is None else digit) * unit
        if digit == 0:
            raise ValueError(f"not a Chinese numeral: {text!r}")
        digit, last_unit = None, unit
    if digit:
        total += digit
    if total == 0:
        raise ValueError(f"not a Chinese numeral: {text!r}")
    return total


def parse_number(text: str) -> int:
    """Read an article number written in Chinese numerals or (full- or half-width) digits."""
    digits = text.translate(str.maketrans("０１２３４５６７８９", "0123456789"))
    if digits.isascii() and digits.isdigit():
        return int(digits)
    return from_chinese(text)


def article_label(number: int, suffix: int = 0) -> str:
    """The Chinese label of an article: 第十七条, or 第十七条之一 for an inserted article (suffix 1).

    A number no statute has (outside 1–9999, as a visitor may type) is written in digits, so a
    message about it can still name it."""
    label = f"第{to_chinese(number) if 0 < number < 10000 else number}条"
    return f"{label}之{to_chinese(suffix)}" if suffix else label
