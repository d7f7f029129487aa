"""What the benchmark measures on: the bundled corpus, or whole regulations of the law library at a scale.

A scale corpus is loaded exactly as the app loads a library folder (:func:`qa.corpus.library.load_library`:
documents it cannot import skipped, one regulation per title), then cut to about N articles: the
regulations of the evaluation sets first, then the others in a fixed pseudo-random order, so a smaller
scale is a prefix of a larger one.
"""

from __future__ import annotations

import random
import sys
from collections import Counter
from pathlib import Path
from typing import Callable, Sequence

from qa import config
from qa.corpus.library import load_library
from qa.corpus.model import Regulation
from qa.measure.evaluate import load_questions

__all__ = ["EVAL_TITLES", "FALLBACK_QUESTIONS", "load_regulations", "scale_library", "scale_label", "parse_scales", "questions"]

#: Regulations of the evaluation sets: always part of a scale corpus, so its questions have answers.
EVAL_TITLES = ("北京市自动驾驶汽车条例", "深圳经济特区人工智能产业促进条例", "浙江省数字经济促进条例")
#: Asked when no evaluation set is found (an installed package has no tests/eval).
FALLBACK_QUESTIONS = ("增程式的车算新能源车吗？", "第三条")


def _err(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def load_regulations(path: Path, *, log: Callable[[str], None] = _err, progress: bool = False) -> tuple[list[Regulation], Counter[str]]:
    """The regulations at ``path`` as the app loads them, and the documents skipped, counted by rule."""
    library = load_library(path, log=log, progress=progress)
    return library, Counter(s.rule for s in library.skipped)


def scale_library(regulations: Sequence[Regulation], articles: int | None, seed: int = 0) -> list[Regulation]:
    """About ``articles`` articles of whole regulations (None = all): eval regulations first, then a fixed
    pseudo-random order. The order is stable, so a smaller scale is a prefix of a larger one."""
    first = [r for r in regulations if r.title in EVAL_TITLES]
    rest = [r for r in regulations if r.title not in EVAL_TITLES]
    random.Random(seed).shuffle(rest)
    ordered = first + rest
    if articles is None:
        return ordered
    chosen, total = [], 0
    for regulation in ordered:
        if total >= articles:
            break
        chosen.append(regulation)
        total += len(regulation.articles)
    return chosen


def scale_label(articles: int | None) -> str:
    """``1000`` → ``1k``, None → ``all`` (names the scale's index folder and its report row)."""
    return "all" if articles is None else f"{articles // 1000}k" if articles % 1000 == 0 else str(articles)


def parse_scales(text: str | None) -> list[int | None]:
    """``--scale 1000,10k,all`` → ``[1000, 10000, None]``."""
    if not text:
        return []
    scales: list[int | None] = []
    for part in text.split(","):
        part = part.strip().lower()
        if not part:
            continue
        if part == "all":
            scales.append(None)
        else:
            multiplier = 1000 if part.endswith("k") else 1
            scales.append(int(float(part.rstrip("k")) * multiplier))
    return scales


def questions(n: int, folder: Path | None = None) -> list[str]:
    """``n`` questions: those of the evaluation sets in ``folder`` (default: tests/eval) in turn (cycled)."""
    asked = [q.question for file in sorted((folder or config.eval_dir()).glob("*.jsonl")) for q in load_questions(file)]
    asked = asked or list(FALLBACK_QUESTIONS)
    return [asked[i % len(asked)] for i in range(n)]
