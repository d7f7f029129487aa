"""Import every Markdown file of the shared law library and check what must hold for each.

The expected article count is computed independently of the importer: the body lines (after
``<!-- INFO END -->``) that begin with ``第X条`` followed by a space.
"""

from __future__ import annotations

import re
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pytest

from qa.corpus import CorpusError
from qa.importer import parse_with_warnings

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
LIBRARY = SHARED / "regulations" / "library"
ARTICLE_LINE = re.compile(r"^第[零一二三四五六七八九十百千〇两]+条(之[一二三四五六七八九十]+)?[ \u3000]")

pytestmark = pytest.mark.slow


def labelled_paragraphs(path: Path) -> int:
    """How many body paragraphs begin with 第X条 — the count the importer must reproduce."""
    body = path.read_text(encoding="utf-8").split("<!-- INFO END -->", 1)[-1]
    return sum(1 for line in body.splitlines() if ARTICLE_LINE.match(line))


def check(path: Path) -> tuple[str, str]:
    """('ok' | 'headings-dropped' | 'no-articles' | 'failure', reason) for one library file.

    The library lost some 第X章 labels on its way from the national database; those files are read
    with ``strict_headings=False``, which keeps the checked articles and leaves the broken headings out.
    """
    try:
        regulation, warnings = parse_with_warnings(path, strict_headings=False)
    except CorpusError as exc:
        return ("no-articles" if exc.rule == "no-articles" else "failure"), str(exc)
    numbers = [a.number for a in regulation.articles]
    problems = []
    if numbers != list(range(numbers[0], numbers[0] + len(numbers))):
        problems.append("articles not consecutive")
    if len(numbers) != labelled_paragraphs(path):
        problems.append(f"{len(numbers)} articles but {labelled_paragraphs(path)} paragraphs begin with 第X条")
    if regulation.chapters:
        if any(a.chapter is None for a in regulation.articles):
            problems.append("an article outside every chapter")
        restarts = [c for c in regulation.chapters if c.number == 1]
        if len(restarts) > max(1, len({c.part for c in regulation.chapters})):
            problems.append("chapters restart outside a new part")
    if problems:
        return "failure", f"{path}: {'; '.join(problems)}"
    dropped = [w for w in warnings if w.startswith("headings left out")]
    return ("headings-dropped", dropped[0]) if dropped else ("ok", "")


def test_every_library_file_imports() -> None:
    if not LIBRARY.is_dir():
        pytest.skip(f"the shared law library is not at {LIBRARY} (it sits beside the project in CI)")
    files = sorted(LIBRARY.rglob("*.md"))
    with ProcessPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(check, files, chunksize=32))
    counts = Counter(kind for kind, _ in results)
    failures = [reason for kind, reason in results if kind == "failure"]
    for reason in failures:
        print("FAILED", reason)
    print(
        f"library: {len(files)} files, {counts['ok']} ok with all headings, {counts['headings-dropped']} ok with broken "
        f"headings left out, {counts['no-articles']} without articles, {len(failures)} failures"
    )
    imported = counts["ok"] + counts["headings-dropped"]
    with_articles = len(files) - counts["no-articles"]
    assert imported >= 0.99 * with_articles, "\n".join(failures)
