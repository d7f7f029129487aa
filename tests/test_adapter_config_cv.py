"""bench/adapter_config_cv.py: training settings compared by cross-validation at the leave-laws-out strength.

Runs the script end to end on the tiny STARD sample (two laws, 40 questions) with the hash test double; skipped
without ../shared. Marked slow (some 15 s: eight adapters trained).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.bench import bench_module


@pytest.mark.slow
def test_each_variant_gets_a_strength_and_cross_validated_figures(tiny_sample: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    library, queries = tiny_sample
    cv = bench_module("adapter_config_cv")
    out = tmp_path / "variants.json"
    argv = ["--library", str(library), "--queries", str(queries), "--model", "hash", "--folds", "2", "--groups", "2", "--only", "shipped",
            "--only", "rank 16", "--index-dir", str(tmp_path / "index"), "--work-dir", str(tmp_path / "work"), "--json", str(out)]
    assert cv.main(argv) == 0
    printed = capsys.readouterr().out
    data = json.loads(out.read_text(encoding="utf-8"))
    assert list(data["variants"]) == ["shipped", "rank 16"] and data["variants"]["rank 16"]["config"]["rank"] == 16
    for variant in data["variants"].values():
        assert variant["strength"] in (0.0, 0.25, 0.5, 0.75, 1.0) and variant["cv"]["questions"] > 0
        if variant["strength"] == 0.0:  # no strength is safe on unseen laws: the figures are the base model's
            assert variant["cv"] == variant["base_cv"]
    marked = [line for line in printed.splitlines() if line.startswith(">")]
    assert len(marked) == 1 and data["chosen"] in marked[0] and "no adapter" in printed


@pytest.mark.slow
def test_a_given_strength_skips_the_leave_laws_out_check(tiny_sample: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    library, queries = tiny_sample
    out = tmp_path / "variants.json"
    argv = ["--library", str(library), "--queries", str(queries), "--model", "hash", "--folds", "2", "--only", "shipped", "--strength", "0.5",
            "--index-dir", str(tmp_path / "index"), "--work-dir", str(tmp_path / "work"), "--json", str(out)]
    assert bench_module("adapter_config_cv").main(argv) == 0
    assert "strength 0.5 (given)" in capsys.readouterr().out
    shipped = json.loads(out.read_text(encoding="utf-8"))["variants"]["shipped"]
    assert shipped["strength"] == 0.5 and shipped["leave_laws_out"] is None and shipped["cv"]["questions"] > 0


def test_a_variant_must_beat_the_shipped_settings_by_more_than_the_margin() -> None:
    cv = bench_module("adapter_config_cv")
    from qa.train.evaluate import DenseScores

    assert cv.objective(DenseScores(10, 0.6, 0.9, 0.3, 0.4)) == pytest.approx(0.6)
    assert cv.choose({"shipped": 0.60, "rank 16": 0.60 + cv.MARGIN / 2}) == "shipped"
    assert cv.choose({"shipped": 0.60, "rank 16": 0.60 + 2 * cv.MARGIN, "rank 64": 0.59}) == "rank 16"
    assert cv.choose({"rank 16": 0.5, "rank 64": 0.6}) == "rank 64"  # without shipped, simply the best
    assert cv.choose({"6 rounds": 0.60, "6 rounds, 3 seeds": 0.60 + cv.MARGIN / 2}, against="6 rounds") == "6 rounds"


def test_one_fold_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        bench_module("adapter_config_cv").main(["--folds", "1"])
    assert exit_.value.code == 2 and "--folds and --groups must be at least 2" in capsys.readouterr().err
