"""bench/collection_eval.py asks the evaluation sets of one collection of their regulations (hash embedder).

Skipped when ../shared (the law library) is not beside the project.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.bench import bench_module

ROOT = Path(__file__).resolve().parents[1]
SETS = json.loads((ROOT / "tests/eval/sets.json").read_text(encoding="utf-8"))["sets"]
PRICE_LAW = ROOT.parent / "shared" / "regulations" / "library" / SETS["price-law"]["library"]


def sets_file(tmp_path: Path, names: tuple[str, ...]) -> Path:
    path = tmp_path / "sets.json"
    entries = {n: SETS[n] | ({"corpus": str((ROOT / "tests/eval" / SETS[n]["corpus"]).resolve())} if "corpus" in SETS[n] else {}) for n in names}
    path.write_text(json.dumps({"sets": entries}), encoding="utf-8")
    for n in names:
        (tmp_path / f"{n}.jsonl").write_text((ROOT / "tests/eval" / f"{n}.jsonl").read_text(encoding="utf-8"), encoding="utf-8")
    return path


def test_two_regulations_are_asked_as_one_collection(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    if not PRICE_LAW.exists():
        pytest.skip(f"{PRICE_LAW} is absent (../shared is not beside the project)")
    sets = sets_file(tmp_path, ("anhui", "price-law"))
    assert bench_module("collection_eval").main(["--sets", str(sets), "--model", "hash", "--index-dir", str(tmp_path / "index")]) == 0
    out = capsys.readouterr().out
    assert out.startswith("2 regulations as one collection")
    for line in ("keyword    zh", "paraphrase en", "anhui zh", "price-law zh"):
        assert line in out


def test_one_regulation_is_not_a_collection(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert bench_module("collection_eval").main(["--sets", str(sets_file(tmp_path, ("anhui",))), "--model", "hash"]) == 2
    assert "fewer than two regulations" in capsys.readouterr().err
