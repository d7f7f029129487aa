"""The query adapter: file format and checks, the map itself, and the embedder wrapper (HashEmbedder base)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from qa.models import HashEmbedder
from qa.models.adapter import MANIFEST, TENSORS, AdaptedEmbedder, AdapterError, QueryAdapter, average, load_adapter, save_adapter


def unit_rows(n: int, d: int, seed: int = 0) -> np.ndarray:
    x = np.random.default_rng(seed).normal(size=(n, d)).astype(np.float32)
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def test_zero_adapter_is_the_identity() -> None:
    q = unit_rows(5, 16)
    adapter = QueryAdapter(np.zeros(16, np.float32), delta=np.zeros((16, 16), np.float32))
    np.testing.assert_allclose(adapter.apply(q), q, atol=1e-6)


def test_linear_and_low_rank_maps_give_unit_rows() -> None:
    q = unit_rows(7, 8)
    rng = np.random.default_rng(1)
    linear = QueryAdapter(rng.normal(size=8).astype(np.float32), delta=rng.normal(size=(8, 8)).astype(np.float32))
    low = QueryAdapter(np.zeros(8, np.float32), down=rng.normal(size=(8, 2)).astype(np.float32), up=rng.normal(size=(2, 8)).astype(np.float32))
    expected = q + linear.bias + q @ linear.delta  # type: ignore[operator]
    np.testing.assert_allclose(linear.apply(q), expected / np.linalg.norm(expected, axis=1, keepdims=True), atol=1e-5)
    np.testing.assert_allclose(np.linalg.norm(low.apply(q), axis=1), 1.0, atol=1e-5)


def test_strength_scales_the_learned_update() -> None:
    q = unit_rows(6, 8)
    rng = np.random.default_rng(4)
    adapter = QueryAdapter(rng.normal(size=8).astype(np.float32), delta=rng.normal(size=(8, 8)).astype(np.float32))
    assert adapter.strength == 1.0
    np.testing.assert_allclose(adapter.with_strength(0.0).apply(q), q, atol=1e-6)
    half = q + 0.5 * (adapter.bias + q @ adapter.delta)  # type: ignore[operator]
    np.testing.assert_allclose(adapter.with_strength(0.5).apply(q), half / np.linalg.norm(half, axis=1, keepdims=True), atol=1e-5)
    np.testing.assert_allclose(adapter.with_strength(1.0).apply(q), adapter.apply(q))


def test_the_average_of_adapters_applies_their_mean_update() -> None:
    q = unit_rows(6, 8)
    rng = np.random.default_rng(5)
    maps = [
        QueryAdapter(rng.normal(size=8).astype(np.float32), down=rng.normal(size=(8, 2)).astype(np.float32), up=rng.normal(size=(2, 8)).astype(np.float32), manifest={"kind": "lowrank", "strength": 0.5}),
        QueryAdapter(rng.normal(size=8).astype(np.float32), down=rng.normal(size=(8, 2)).astype(np.float32), up=rng.normal(size=(2, 8)).astype(np.float32)),
        QueryAdapter(rng.normal(size=8).astype(np.float32), delta=rng.normal(size=(8, 8)).astype(np.float32)),
    ]
    updates = [a.bias + (q @ a.delta if a.delta is not None else (q @ a.down) @ a.up) for a in maps]  # type: ignore[operator]
    mean = q + sum(updates) / 3
    both = average(maps)
    assert both.down is not None and both.down.shape == (8, 4) and both.delta is not None
    assert both.strength == 1.0 and both.manifest == {"kind": "lowrank"}  # the first's manifest, at strength 1
    np.testing.assert_allclose(both.apply(q), mean / np.linalg.norm(mean, axis=1, keepdims=True), atol=1e-5)
    with pytest.raises(ValueError, match="at least one"):
        average([])


def test_strength_is_kept_in_the_manifest_and_checked(tmp_path: Path) -> None:
    adapter = QueryAdapter(np.ones(4, np.float32), delta=np.eye(4, dtype=np.float32)).with_strength(0.25)
    folder = save_adapter(adapter, tmp_path / "a")
    assert load_adapter(folder).strength == 0.25
    manifest = json.loads((folder / MANIFEST).read_text())
    for bad in (1.5, -0.1, "half", True):
        (folder / MANIFEST).write_text(json.dumps({**manifest, "strength": bad}))
        with pytest.raises(AdapterError, match="strength"):
            load_adapter(folder)


def test_save_and_load_round_trip(tmp_path: Path) -> None:
    rng = np.random.default_rng(2)
    adapter = QueryAdapter(rng.normal(size=8).astype(np.float32), down=rng.normal(size=(8, 2)).astype(np.float32), up=rng.normal(size=(2, 8)).astype(np.float32), manifest={"kind": "lowrank", "seed": 3})
    loaded = load_adapter(save_adapter(adapter, tmp_path / "a"))
    assert loaded.manifest["seed"] == 3 and loaded.manifest["dim"] == 8
    np.testing.assert_array_equal(loaded.up, adapter.up)  # type: ignore[arg-type]
    q = unit_rows(3, 8)
    np.testing.assert_allclose(loaded.apply(q), adapter.apply(q))


def test_load_refuses_missing_altered_or_misshapen_adapters(tmp_path: Path) -> None:
    with pytest.raises(AdapterError, match="no adapter manifest"):
        load_adapter(tmp_path / "nothing")
    folder = save_adapter(QueryAdapter(np.zeros(4, np.float32), delta=np.zeros((4, 4), np.float32)), tmp_path / "a")
    (folder / TENSORS).write_bytes((folder / TENSORS).read_bytes()[:-1] + b"x")
    with pytest.raises(AdapterError, match="checksum"):
        load_adapter(folder)
    folder = save_adapter(QueryAdapter(np.zeros(4, np.float32), delta=np.zeros((3, 3), np.float32)), tmp_path / "b")
    with pytest.raises(AdapterError, match="shapes"):
        load_adapter(folder)
    manifest = json.loads((folder / MANIFEST).read_text())
    (folder / MANIFEST).write_text(json.dumps({**manifest, "format": 99}))
    with pytest.raises(AdapterError, match="format"):
        load_adapter(folder)


def test_adapted_embedder_changes_chinese_questions_only_and_keeps_the_index_model() -> None:
    base = HashEmbedder(dim=16)
    rng = np.random.default_rng(4)
    adapter = QueryAdapter(rng.normal(size=16).astype(np.float32), delta=rng.normal(size=(16, 16)).astype(np.float32), manifest={"languages": ["zh"], "base_model_id": base.model_id})
    wrapped = AdaptedEmbedder(base, adapter)
    assert (wrapped.model_id, wrapped.dim) == (base.model_id, base.dim)
    texts = ["小区充电难，条例管不管？", "Who is responsible for charging stations?"]
    plain, adapted = base.encode_queries(texts), wrapped.encode_queries(texts)
    np.testing.assert_allclose(adapted[0], adapter.apply(plain[:1])[0], atol=1e-6)
    np.testing.assert_array_equal(adapted[1], plain[1])
    np.testing.assert_array_equal(wrapped.encode_passages(texts), base.encode_passages(texts))


def test_adapted_embedder_refuses_another_model() -> None:
    adapter = QueryAdapter(np.zeros(16, np.float32), delta=np.zeros((16, 16), np.float32), manifest={"base_model_id": "multilingual-e5-small"})
    with pytest.raises(AdapterError, match="trained for"):
        AdaptedEmbedder(HashEmbedder(dim=16), adapter)
    with pytest.raises(AdapterError, match="dimensional"):
        AdaptedEmbedder(HashEmbedder(dim=8), QueryAdapter(np.zeros(16, np.float32), delta=np.zeros((16, 16), np.float32)))


def test_adapted_questions_hand_on_their_base_vectors_through_the_ensemble() -> None:
    from qa.models import EnsembleEmbedder

    base = HashEmbedder(dim=16)
    rng = np.random.default_rng(5)
    adapter = QueryAdapter(rng.normal(size=16).astype(np.float32), delta=rng.normal(size=(16, 16)).astype(np.float32), manifest={"languages": ["zh"]})
    wrapped = AdaptedEmbedder(base, adapter)
    texts = ["小区充电难，条例管不管？", "Who is responsible for charging stations?"]
    adapted, plain = wrapped.encode_queries_with_base(texts)
    assert plain is not None
    np.testing.assert_array_equal(plain, base.encode_queries(texts))
    np.testing.assert_array_equal(adapted, wrapped.encode_queries(texts))
    assert wrapped.encode_queries_with_base(texts[1:])[1] is None  # nothing adapted: no second vector
    assert base.encode_queries_with_base(texts)[1] is None
    weights = {"zh": (0.8, 0.2), "en": (0.5, 0.5)}
    ensemble, unadapted = EnsembleEmbedder(wrapped, HashEmbedder(dim=8), weights), EnsembleEmbedder(base, HashEmbedder(dim=8), weights)
    rows, rows_base = ensemble.encode_queries_with_base(texts)
    assert rows_base is not None
    np.testing.assert_allclose(rows_base, unadapted.encode_queries(texts), atol=1e-6)
    np.testing.assert_allclose(rows, ensemble.encode_queries(texts), atol=1e-6)
    assert not np.allclose(rows[0], rows_base[0]) and np.allclose(rows[1], rows_base[1])


def test_the_adapter_orders_articles_but_abstention_reads_the_base_cosines(tmp_path: Path) -> None:
    """An adapter changes which articles come first, never whether the searcher answers: that is decided on
    the base model's cosines, the scale the thresholds were calibrated on."""
    from qa.corpus.library import default_corpus, load_library
    from qa.search import Searcher

    library = load_library(default_corpus())
    base = HashEmbedder()
    rng = np.random.default_rng(6)
    adapter = QueryAdapter(rng.normal(size=base.dim).astype(np.float32), delta=3 * rng.normal(size=(base.dim, base.dim)).astype(np.float32), manifest={"languages": ["zh"]})
    plain = Searcher(library, embedder=base, index_dir=tmp_path, log=lambda m: None, progress=False)
    adapted = Searcher(library, embedder=AdaptedEmbedder(base, adapter), index_dir=tmp_path, log=lambda m: None, progress=False)
    reordered = 0
    for question in ("充电基础设施由谁规划建设？", "新能源汽车产业集群是什么意思", "小区停车费怎么收", "今天天气怎么样"):
        a, b = plain.prepare(question, retriever="dense"), adapted.prepare(question, retriever="dense")
        assert a.signals is not None and b.signals is not None and b.signals.dense_base is not None
        np.testing.assert_allclose(b.signals.dense_base, a.signals.dense, atol=1e-5)  # type: ignore[arg-type]
        x, y = plain.answer(a), adapted.answer(b)
        assert (x.abstained, x.signals["dense"], x.confidence) == (y.abstained, y.signals["dense"], y.confidence)
        reordered += int(np.argmax(b.signals.dense) != np.argmax(a.signals.dense))  # type: ignore[arg-type]
    assert reordered, "the adapter should change some article order"


def test_the_default_model_gains_the_adapter_over_a_collection_only(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from qa.models.adapter import library_model

    monkeypatch.delenv("QA_ADAPTER", raising=False)
    assert library_model("e5+use", 1) == "e5+use"
    assert library_model("e5+use", 2) == "e5+use+adapter"
    assert library_model("gemma", 1333) == "gemma" and library_model("e5+use+adapter", 1) == "e5+use+adapter"
    monkeypatch.setenv("QA_ADAPTER", "off")
    assert library_model("e5+use", 1333) == "e5+use"
    with pytest.raises(AdapterError, match="QA_ADAPTER=off"):
        from qa.models.adapter import adapted

        adapted("e5+use")


def test_the_shipped_adapter_loads_with_the_strength_qa_train_chose(monkeypatch: pytest.MonkeyPatch) -> None:
    from qa import config

    monkeypatch.delenv("QA_ADAPTER", raising=False)
    folder = config.adapter_dir()
    assert folder is not None
    adapter = load_adapter(folder)
    assert adapter.manifest["strength_chosen_by"] == "leave-laws-out" and adapter.strength == adapter.manifest["strength"]
    laws_out = adapter.manifest["metrics"]["leave_laws_out"]
    assert all(laws_out["adapted"][f] >= laws_out["base"][f] for f in ("recall_at_10", "recall_at_100", "hit_at_1"))


def test_a_broken_adapter_leaves_a_collection_on_the_base_model(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import qa.models
    from qa.corpus.library import default_corpus, load_library
    from qa.search import Searcher

    asked: list[str] = []

    def fake(name: str) -> HashEmbedder:
        asked.append(name)
        if name.endswith("+adapter"):
            raise AdapterError("no adapter manifest at /nowhere")
        return HashEmbedder(dim=16)

    monkeypatch.setattr(qa.models, "get_embedder", fake)
    regulation = load_library(default_corpus(), log=lambda m: None)[0]
    said: list[str] = []
    searcher = Searcher([regulation, regulation], embedder="e5+use", index_dir=tmp_path / "index", log=said.append, progress=False)
    assert asked == ["e5+use+adapter", "e5+use"] and searcher.dense_ready
    assert any("the query adapter is not used (no adapter manifest at /nowhere)" in line for line in said)
    asked.clear()
    Searcher([regulation], embedder="e5+use", index_dir=tmp_path / "one", log=said.append, progress=False)
    assert asked == ["e5+use"]


def test_an_adapter_given_to_adapted_is_used_even_with_qa_adapter_off(monkeypatch: pytest.MonkeyPatch) -> None:
    """The cross-validation sweep (bench/adapter_fusion_cv.py) hands each fold's adapter in directly."""
    import qa.models.embedders as embedders
    from qa.models.adapter import adapted

    monkeypatch.setenv("QA_ADAPTER", "off")
    monkeypatch.setattr(embedders, "get_embedder", lambda name: HashEmbedder(dim=16))
    adapter = QueryAdapter(np.ones(16, np.float32), delta=np.zeros((16, 16), np.float32), manifest={"languages": ["zh"]})
    model = adapted("e5", adapter)
    assert isinstance(model, AdaptedEmbedder) and model.adapter is adapter
