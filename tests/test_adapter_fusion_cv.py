"""bench/adapter_fusion_cv.py: hybrid settings chosen by cross-validation, each fold ranked by an adapter trained without it.

Runs the script end to end on the tiny STARD sample (two laws, 40 questions) with the hash test double; skipped
without ../shared. Marked slow (some 15 s: two fold adapters trained, 13 settings scored per fold).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.bench import bench_module


@pytest.mark.slow
def test_every_setting_is_scored_on_every_fold_and_one_is_chosen(tiny_sample: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    library, queries = tiny_sample
    cv = bench_module("adapter_fusion_cv")
    out = tmp_path / "folds.json"
    argv = ["--library", str(library), "--queries", str(queries), "--model", "hash", "--folds", "2",
            "--index-dir", str(tmp_path / "index"), "--work-dir", str(tmp_path / "work"), "--json", str(out)]
    assert cv.main(argv) == 0
    printed = capsys.readouterr().out
    data = json.loads(out.read_text(encoding="utf-8"))
    settings = 1 + len(cv.WEIGHTS) * len(cv.PRIORS)
    assert len(data["settings"]) == settings and len(data["folds"]) == 2 and all(len(f) == settings for f in data["folds"])
    assert sum(f[0]["questions"] for f in data["folds"]) == int(printed.split("questions;")[0].split()[-1])
    rows = [line for line in printed.splitlines() if "objective" in line and "R@10" in line]
    assert len(rows) == settings and sum(r.startswith(">") for r in rows) == 1 and data["chosen"] in next(r for r in rows if r.startswith(">"))
    assert printed.count("fold 1:") == 1 and printed.count("fold 2:") == 1


def test_one_fold_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        bench_module("adapter_fusion_cv").main(["--folds", "1"])
    assert exit_.value.code == 2 and "--folds must be at least 2, not 1" in capsys.readouterr().err
