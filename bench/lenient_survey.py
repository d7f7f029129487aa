"""How many law-library documents ``qa import`` refuses, and how many ``qa import --lenient`` then imports.

Imports every Markdown file of ../shared/regulations/library twice into a temporary folder, strict
and lenient, with two processes, and prints the counts by rule. Files without any 第X条 are
counted apart; a refusal for ``article-order`` at the first article is a part of a larger code
(a 民法典 编, a constitutional amendment) that a corpus cannot hold on its own.

    .venv/bin/python bench/lenient_survey.py [--json]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from qa.corpus import CorpusError  # noqa: E402
from qa.importer import import_document  # noqa: E402

LIBRARY = ROOT.parent / "shared" / "regulations" / "library"


def outcome(path: Path) -> tuple[str, str, str, int]:
    """(strict result, lenient result, lenient's first structure warning, lenient structure-warning count); a result is 'ok' or the rule."""
    results = []
    warnings: tuple[str, ...] = ()
    for lenient in (False, True):
        with tempfile.TemporaryDirectory() as out:
            try:
                summary = import_document(path, out, lenient=lenient, catalogue=Path(out) / "none.json")
                results.append("ok")
                warnings = summary.structure_warnings if lenient else warnings
            except CorpusError as exc:
                results.append(exc.rule)
    return results[0], results[1], warnings[0] if warnings else "", len(warnings)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", action="store_true", help="print the counts as one JSON object")
    args = parser.parse_args(argv)
    files = sorted(LIBRARY.rglob("*.md"))
    if not files:
        print(f"no library at {LIBRARY}", file=sys.stderr)
        return 2
    with ProcessPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(outcome, files, chunksize=16))
    strict = Counter(s for s, _, _, _ in results)
    refused = [(f, r) for f, r in zip(files, results) if r[0] != "ok" and r[0] != "no-articles"]
    rescued = Counter(r[0] for _, r in refused if r[1] == "ok")
    still = Counter(f"{r[0]} → {r[1]}" for _, r in refused if r[1] != "ok")
    defects = Counter(w.split("[", 1)[1].split("]", 1)[0] for _, _, w, _ in results if w)
    report = {
        "files": len(files),
        "no_articles": strict["no-articles"],
        "strict_imported": strict["ok"],
        "strict_refused": len(refused),
        "strict_refused_by_rule": dict(Counter(r[0] for _, r in refused).most_common()),
        "lenient_imported_of_refused": sum(rescued.values()),
        "lenient_imported_by_strict_rule": dict(rescued.most_common()),
        "lenient_still_refused": dict(still.most_common()),
        "lenient_still_refused_files": [f"{f.relative_to(LIBRARY)}: {r[1]}" for f, r in refused if r[1] != "ok"],
        "lenient_first_defect_by_rule": dict(defects.most_common()),
        "strict_imported_with_lenient_warnings": sum(1 for s, _, w, _ in results if s == "ok" and w),
        "lenient_structure_warnings": sum(n for *_, n in results),
    }
    if args.json:
        print(json.dumps(report, ensure_ascii=False))
    else:
        for key, value in report.items():
            print(f"{key}: {value}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
