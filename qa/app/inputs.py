"""Values from the page or the API as the types the engine takes.

Gradio passes whatever the browser or an API client sent: a number may arrive as a string, a
float or ``None``, a question as anything JSON can hold. Nothing here raises.
"""

from __future__ import annotations

import re
from typing import Any

__all__ = ["question_text", "to_int", "article_key"]

_SURROGATES = re.compile("[\ud800-\udfff]")


def question_text(value: Any) -> str:
    """A question the searcher can take: anything but a string becomes '', and lone surrogates
    (a valid JSON escape such as "\\ud800", but not encodable text, which made the embedders
    raise) become spaces."""
    return _SURROGATES.sub(" ", value) if isinstance(value, str) else ""


def to_int(value: Any, default: int | None = None) -> int | None:
    """``value`` as an int, or ``default``."""
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return default


def article_key(value: Any) -> tuple[int, int] | None:
    """(number, suffix) from 17, "17" or "17-1" (the browser's value for 第十七条之一)."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return (int(value), 0)
    number, _, suffix = str(value).strip().partition("-")
    n, sub = to_int(number), to_int(suffix or 0)
    return (n, sub) if n is not None and sub is not None and sub >= 0 else None
