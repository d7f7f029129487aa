"""What the load test's clients ask: a pool of distinct questions like real traffic, built from the
project's own question sets rather than a pasted list.

- every question of the evaluation sets (``tests/eval/*.jsonl``: Chinese and English paraphrases,
  keywords, citations, out-of-scope questions; the other regulations' questions are out of scope for
  the bundled corpus, as many visitors' questions are);
- real citizens' consultation questions from STARD (``$QA_SHARED/benchmarks/stard/queries-train.json``)
  when it is present;
- citations in every form the engine reads, for articles that exist and that do not;
- bad inputs: empty, blanks, markup, emoji, control characters, traditional characters, a question
  over the length limit.

The order is shuffled with a fixed seed, so that consecutive requests mix kinds and runs are comparable.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

from qa import config
from qa.lang.numerals import to_chinese

__all__ = ["question_pool", "eval_questions", "stard_questions", "citations", "bad_inputs", "MIN_POOL"]

#: The pool is at least this large when the evaluation sets are there (the issue asks for 300 distinct questions).
MIN_POOL = 300


def eval_questions(folder: Path | None = None) -> list[str]:
    """Every ``question`` of the JSON Lines question sets in ``folder`` (default: tests/eval)."""
    folder = folder or config.eval_dir()
    found: list[str] = []
    for path in sorted(folder.glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                found.append(json.loads(line)["question"])
    return found


def stard_questions(path: Path | None = None, limit: int = 400) -> list[str]:
    """The first ``limit`` STARD questions (``问题``), or none when the file is absent."""
    path = path or config.stard_queries()
    if not path.is_file():
        return []
    return [record["问题"] for record in json.loads(path.read_text(encoding="utf-8"))[:limit]]


def citations(articles: int = 43) -> list[str]:
    """Citations of every article in three forms, paragraph citations, and numbers beyond the last article."""
    found: list[str] = []
    for n in range(1, articles + 1):
        found += [f"第{to_chinese(n)}条", f"Article {n}", f"{n}条" if n % 2 else f"第{n}条"]
    found += [f"第{to_chinese(n)}条第二款" for n in range(2, articles + 1, 5)]
    found += [f"Art. {n}(2)" for n in range(3, articles + 1, 7)]
    found += [f"第{to_chinese(n)}条" for n in (articles + 1, articles + 7, 99, 120)]
    return found


def bad_inputs() -> list[str]:
    """Inputs a careless or hostile visitor sends."""
    return [
        "",
        "   ",
        "？？？",
        "<b>充电</b> 基础设施 🚗",
        "<script>alert(1)</script>第三条",
        "🚗🔋⚡",
        "新能源\x00汽车\x07补贴",
        "本條例適用於哪些地區？",
        "ＡＢＣ　新能源汽车",
        "asdfghjkl qwerty",
        "新能源汽车" * 240,
        "What does this regulation say? " * 40,
    ]


def question_pool(seed: int = 0, *, eval_folder: Path | None = None, stard: Path | None = None, stard_limit: int = 400) -> list[str]:
    """The distinct questions of all the sources above, in a fixed shuffled order."""
    pool = list(dict.fromkeys(eval_questions(eval_folder) + stard_questions(stard, stard_limit) + citations() + bad_inputs()))
    random.Random(seed).shuffle(pool)
    return pool
