"""The adapter trainer: mining, the loop (learns, seeded, resumes), the checks, and ``qa train`` on a tiny sample.

The loop and checks run on synthetic vectors (instant); the command runs on two real laws of ``../shared``
with the HashEmbedder test double (skipped without ``../shared``).
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from qa.cli import main
from qa.corpus.library import load_library
from qa.models.adapter import load_adapter
from qa.train.evaluate import STRENGTHS, Comparison, DenseScores, choose_strength, fold_of, law_groups, pooled, rows_of, score
from qa.train.fit import FitConfig, fit, nearest
from qa.train.pairs import Pair, mined_pairs
from qa.train.vectors import Articles

from tests.conftest import LAWS


def unit(x: np.ndarray) -> np.ndarray:
    return (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32)


def synthetic(n_articles: int = 120, d: int = 16, seed: int = 0) -> tuple[Articles, list[Pair], np.ndarray]:
    """Articles of two laws; each question is its article's vector pushed through a fixed distortion."""
    rng = np.random.default_rng(seed)
    passages = unit(rng.normal(size=(n_articles, d)))
    keys = [("甲法" if i % 2 else "乙法", i, 0) for i in range(n_articles)]
    distortion = np.eye(d) + 2.0 * rng.normal(size=(d, d)) / np.sqrt(d)
    targets = np.concatenate([np.arange(n_articles), np.arange(n_articles)])
    queries = unit(passages[targets] @ distortion + 0.1 * rng.normal(size=(len(targets), d)))
    pairs = [Pair(f"问题{i}", (keys[t],), "stard", i) for i, t in enumerate(targets)]
    return Articles(keys, [0] * n_articles, [""] * n_articles, passages), pairs, queries


SMALL = FitConfig(rounds=2, epochs_per_round=4, batch=32, lr=0.02, candidates=16, random_negatives=32, weight_decay=0.0, temperature=0.05)


def test_nearest_is_exact_and_ordered() -> None:
    rng = np.random.default_rng(0)
    p, q = unit(rng.normal(size=(50, 8))), unit(rng.normal(size=(3, 8)))
    assert (nearest(q, p, 5) == np.argsort(-(q @ p.T), axis=1)[:, :5]).all()


def test_training_undoes_a_distortion_and_is_seeded() -> None:
    articles, pairs, queries = synthetic()
    rows = rows_of(pairs, range(len(pairs)), articles, 1.0)
    adapter = fit(queries, rows, articles.vectors, SMALL, log=lambda m: None)
    before, after = score(pairs, queries, articles), score(pairs, queries, articles, adapter)
    assert after.hit_at_1 > before.hit_at_1 + 0.2
    again = fit(queries, rows, articles.vectors, SMALL, log=lambda m: None)
    np.testing.assert_array_equal(again.delta, adapter.delta)  # type: ignore[arg-type]


def test_low_rank_adapter_trains() -> None:
    articles, pairs, queries = synthetic()
    config = FitConfig(**{**SMALL.__dict__, "kind": "lowrank", "rank": 4})
    adapter = fit(queries, rows_of(pairs, range(len(pairs)), articles, 1.0), articles.vectors, config, log=lambda m: None)
    assert adapter.delta is None and adapter.down is not None and adapter.down.shape == (16, 4)
    assert score(pairs, queries, articles, adapter).hit_at_1 > score(pairs, queries, articles).hit_at_1


def test_several_seeds_train_the_mean_of_their_maps(tmp_path: Path) -> None:
    articles, pairs, queries = synthetic()
    rows = rows_of(pairs, range(len(pairs)), articles, 1.0)
    config = FitConfig(**{**SMALL.__dict__, "kind": "lowrank", "rank": 4})
    singles = [fit(queries, rows, articles.vectors, replace(config, seed=s), log=lambda m: None) for s in (0, 1)]
    bagged = fit(queries, rows, articles.vectors, replace(config, seeds=2), state_dir=tmp_path, log=lambda m: None)
    assert bagged.down is not None and bagged.down.shape == (16, 8) and {p.name for p in tmp_path.iterdir()} == {"seed-0", "seed-1"}
    q = queries[:5]
    mean_update = q + sum(a.bias + (q @ a.down) @ a.up for a in singles) / 2  # type: ignore[operator]
    np.testing.assert_allclose(bagged.apply(q), mean_update / np.linalg.norm(mean_update, axis=1, keepdims=True), atol=1e-5)
    with pytest.raises(ValueError, match="seeds must be at least 1"):
        replace(config, seeds=0)


def test_a_resumed_run_ends_where_an_uninterrupted_one_does(tmp_path: Path) -> None:
    articles, pairs, queries = synthetic()
    rows = rows_of(pairs, range(len(pairs)), articles, 1.0)
    whole = fit(queries, rows, articles.vectors, SMALL, log=lambda m: None)
    first = FitConfig(**{**SMALL.__dict__, "rounds": 1})
    fit(queries, rows, articles.vectors, first, state_dir=tmp_path, log=lambda m: None)
    state = json.loads((tmp_path / "state.json").read_text())
    state["config"]["rounds"] = SMALL.rounds  # the same run, stopped after its first round
    (tmp_path / "state.json").write_text(json.dumps(state))
    said: list[str] = []
    resumed = fit(queries, rows, articles.vectors, SMALL, state_dir=tmp_path, log=said.append)
    assert said and "resuming after round 1" in said[0]
    np.testing.assert_allclose(resumed.delta, whole.delta, atol=1e-6)  # type: ignore[arg-type]


def test_rows_expand_golds_and_weight_mined_pairs() -> None:
    articles, _, _ = synthetic(n_articles=6)
    pairs = [Pair("q", (articles.keys[1], articles.keys[2], ("无此法", 1, 0)), "stard", 0), Pair("m", (articles.keys[3],), "sentence")]
    rows = rows_of(pairs, [0, 1], articles, 0.25)
    assert rows.query.tolist() == [0, 0, 1] and rows.target.tolist() == [1, 2, 3]
    assert rows.golds[0] == frozenset({1, 2}) and rows.weight.tolist() == [1.0, 1.0, 0.25]


def test_folds_spread_dev_ids_evenly_and_mined_pairs_always_train() -> None:
    dev = [i for i in range(100) if i % 5]
    counts = [sum(fold_of(Pair("q", (), "stard", i), 5) == f for i in dev) for f in range(5)]
    assert counts == [16] * 5 and fold_of(Pair("m", (), "sentence"), 5) is None


def test_law_groups_partition_the_laws_by_question_count() -> None:
    pairs = [Pair("q", ((law, 1, 0),), "stard", i) for i, law in enumerate(["甲"] * 5 + ["乙"] * 3 + ["丙"] * 2 + ["丁"])]
    groups = law_groups(pairs + [Pair("m", (("戊", 1, 0),), "sentence")], 2)
    assert groups == [frozenset({"甲", "丁"}), frozenset({"乙", "丙"})]


def test_pooled_weights_by_questions() -> None:
    a, b = DenseScores(1, 1.0, 1.0, 1.0, 1.0), DenseScores(3, 0.0, 0.0, 0.0, 0.0)
    assert pooled([Comparison("x", a, a), Comparison("y", b, b)], "adapted").recall_at_10 == 0.25


def test_strength_is_the_strongest_no_worse_than_the_base_on_laws_never_seen() -> None:
    base = DenseScores(10, 0.5, 0.8, 0.3, 0.4)
    worse, better = DenseScores(10, 0.45, 0.75, 0.25, 0.35), DenseScores(10, 0.55, 0.82, 0.3, 0.45)
    scaled = {0.25: better, 0.5: better, 0.75: worse, 1.0: worse}
    assert choose_strength([Comparison("g", base, worse, scaled)]) == 0.5
    assert choose_strength([Comparison("g", base, worse, {s: worse for s in STRENGTHS})]) == 0.0
    assert pooled([Comparison("g", base, worse, scaled)], "adapted", 0.5) == better


def test_mining_finds_definitions_opening_sentences_and_citations() -> None:
    from qa import config

    library = load_library(config.bundled_corpus(), log=lambda m: None)
    pairs = mined_pairs(library, seed=0, per_law=50)
    kinds = {p.source for p in pairs}
    assert {"definition", "sentence"} <= kinds
    definition = next(p for p in pairs if p.source == "definition")
    assert definition.question.startswith("什么是") and len(definition.gold) == 1
    assert mined_pairs(library, seed=0, per_law=50) == pairs
    assert len(mined_pairs(library, seed=0, per_law=1)) <= 3


def test_training_data_is_the_dev_split_with_stard_pairs_first(tiny_sample: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from qa.measure.stard import split_of
    from qa.train import data

    library, queries = tiny_sample
    loaded = data.training_data(library, queries, tmp_path / "index", tmp_path / "work", model="hash", mined_per_law=2, log=lambda m: None)
    assert loaded.queries and all(split_of(q) == "dev" for q in loaded.queries)
    sources = [p.source for p in loaded.pairs]
    assert sources[0] == "stard" and "stard" not in sources[sources.index(next(s for s in sources if s != "stard")):]
    assert loaded.vectors.shape == (len(loaded.pairs), loaded.embedder.dim)
    assert len(loaded.articles.keys) == sum(len(r.articles) for r in loaded.library)
    monkeypatch.setattr(data, "MAX_MISSING", 0)
    with pytest.raises(ValueError, match="build the index first"):
        data.training_data(library, queries, tmp_path / "other-index", tmp_path / "work", model="hash", log=lambda m: None)


def test_qa_train_on_a_tiny_sample(tiny_sample: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    library, queries = tiny_sample
    (library / "notes.txt").write_text("没有条文的文件。\n", encoding="utf-8")  # skipped, with a note
    argv = ["train", "--library", str(library), "--queries", str(queries), "--model", "hash", "--index-dir", str(tmp_path / "index"),
            "--work-dir", str(tmp_path / "work"), "--out", str(tmp_path / "adapter"), "--rounds", "1", "--leave-laws-out", "2", "--mined-per-law", "2", "--json"]
    assert main(argv) == 0
    captured = capsys.readouterr()
    assert captured.err.count("note: 1 document skipped (see log)") == 1
    manifest = json.loads(captured.out)
    assert manifest["base_model_id"] == "hash-char123-256" and manifest["data"]["stard_split"] == "dev"
    assert 0 < manifest["data"]["stard_questions"] <= 40 and {"dev_in_sample", "leave_laws_out"} <= manifest["metrics"].keys()
    assert manifest["strength_chosen_by"] == "leave-laws-out" and manifest["strength"] in (0.0, *STRENGTHS)
    assert set(manifest["metrics"]["leave_laws_out"]["scaled"]) == {str(s) for s in STRENGTHS}
    adapter = load_adapter(tmp_path / "adapter")
    assert adapter.delta is not None and adapter.delta.shape == (256, 256)
    assert main(argv) == 0  # resumed from the finished state: same tensors
    np.testing.assert_array_equal(load_adapter(tmp_path / "adapter").delta, adapter.delta)  # type: ignore[arg-type]


def test_qa_train_mistakes_are_one_line(tiny_sample: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    library, queries = tiny_sample
    assert main(["train", "--library", str(tmp_path / "none"), "--out", str(tmp_path / "a"), "--model", "hash"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: STARD library not found") and err.count("\n") == 1
    assert main(["train", "--library", str(library), "--queries", str(queries), "--model", "hash", "--rounds", "0", "--out", str(tmp_path / "a")]) == 2
    assert "--rank, --rounds and --seeds must be at least 1" in capsys.readouterr().err
    assert main(["train", "--library", str(library), "--queries", str(queries), "--model", "hash", "--seeds", "0", "--out", str(tmp_path / "a")]) == 2
    assert "--rank, --rounds and --seeds must be at least 1" in capsys.readouterr().err
    assert main(["train", "--library", str(library), "--queries", str(queries), "--model", "hash", "--strength", "2", "--out", str(tmp_path / "a")]) == 2
    assert capsys.readouterr().err == "error: --strength must be from 0 to 1, not 2.0\n"
