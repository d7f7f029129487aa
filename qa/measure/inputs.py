"""Reading a measurement's input files (question sets, STARD) so that every defect is a CorpusError.

The CLI reports a CorpusError as one line naming the file and the rule; a missing or undecodable
question file is a user's mistake like a damaged corpus, not a crash.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Iterator

from qa.corpus.model import CorpusError

__all__ = ["read_text", "read_json", "json_lines"]


def read_text(path: Path) -> str:
    """The UTF-8 text of ``path``; CorpusError if it is missing, unreadable or not UTF-8."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError as exc:
        raise CorpusError(path, None, "missing", "no such file") from exc
    except OSError as exc:
        raise CorpusError(path, None, "unreadable", f"cannot read the file: {exc.strerror or exc}") from exc
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise CorpusError(path, raw[: exc.start].count(b"\n") + 1, "encoding", "the file is not valid UTF-8") from exc


def read_json(path: Path) -> Any:
    """The JSON document in ``path``; CorpusError as for :func:`read_text`, or if it does not parse."""
    try:
        return json.loads(read_text(path))
    except json.JSONDecodeError as exc:
        raise CorpusError(path, exc.lineno, "json", exc.msg) from exc


def json_lines(path: Path) -> Iterator[tuple[int, Any]]:
    """(line number, record) for every non-blank line; CorpusError as for :func:`read_text`, or for a line
    that does not parse."""
    for lineno, line in enumerate(read_text(path).splitlines(), 1):
        if not line.strip():
            continue
        try:
            yield lineno, json.loads(line)
        except json.JSONDecodeError as exc:
            raise CorpusError(path, lineno, "json", exc.msg) from exc
