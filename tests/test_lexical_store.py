"""The lexical store's folder: its manifest, the versions it is checked against, interrupted saves, no pickle."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Callable

import numpy as np
import pytest

from qa import files as qfiles
from qa.index import lexical_store
from qa.index.dense import IndexError_, corpus_hash
from qa.index.lexical import LexicalIndex, load_or_build, read

from .test_lexical import RULES, STATUTE, _logged, assert_same, small_dictionary  # noqa: F401 - a fixture


def test_the_manifest_names_corpus_versions_and_every_file(tmp_path: Path, small_dictionary: None) -> None:
    library = [STATUTE, RULES]
    LexicalIndex.build(library).save(tmp_path, build_seconds=1.5)
    store = tmp_path / lexical_store.FOLDER
    manifest = json.loads((store / lexical_store.MANIFEST).read_text())
    assert manifest["corpus_hash"] == corpus_hash(library) and manifest["articles"] == 4 and manifest["build_seconds"] == 1.5
    assert lexical_store.versions().items() <= manifest.items() and manifest["jieba"] and manifest["bm25s"]
    assert manifest["bm25"] == ["bm25", "bm25_en"]
    assert set(manifest["files"]) == {p.name for p in store.iterdir()} - {lexical_store.MANIFEST}
    assert all(qfiles.sha256_file(store / name) == digest for name, digest in manifest["files"].items())


@pytest.mark.parametrize("change", ["tokens", "jieba", "format"])
def test_another_tokeniser_or_format_version_rebuilds(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, change: str, small_dictionary: None) -> None:
    library = [STATUTE, RULES]
    load_or_build(library, tmp_path, log=lambda m: None)
    if change == "jieba":
        real = lexical_store._version
        monkeypatch.setattr(lexical_store, "_version", lambda package: "0.43.0" if package == "jieba" else real(package))
    elif change == "tokens":
        monkeypatch.setattr(lexical_store, "tokeniser_digest", lambda: "an edited tokeniser")
    else:
        monkeypatch.setattr(lexical_store, "FORMAT_VERSION", 99)
    assert LexicalIndex.load(tmp_path, library) is None
    seen, log = _logged()
    load_or_build(library, tmp_path, log=log)
    assert len(seen) == 1 and f"built with {change}" in seen[0], seen
    assert read(tmp_path, library).corpus_hash == corpus_hash(library)


def test_the_tokeniser_digest_covers_the_tokenising_modules() -> None:
    """Reading every module named: a renamed or removed one fails here, not silently at a user's."""
    lexical_store.tokeniser_digest.cache_clear()
    assert len(lexical_store.tokeniser_digest()) == 16 and "qa.lang.text" in lexical_store.TOKENISER_MODULES


def test_a_save_cut_short_leaves_a_store_that_is_rebuilt(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, small_dictionary: None) -> None:
    """Killed after the new arrays landed but before the manifest: the old manifest's checksums refuse them."""
    library = [STATUTE, RULES]
    load_or_build(library, tmp_path, log=lambda m: None)
    edited = [STATUTE]
    real = qfiles.atomic_write

    def atomic_write(path: Path, write: Callable[[str], object]) -> None:
        if path.name == lexical_store.MANIFEST:
            raise KeyboardInterrupt
        real(path, write)

    with monkeypatch.context() as patched, pytest.raises(KeyboardInterrupt):
        patched.setattr(lexical_store, "atomic_write", atomic_write)
        LexicalIndex.build(edited).save(tmp_path)
    store = tmp_path / lexical_store.FOLDER
    assert not [p for p in store.iterdir() if p.name.endswith(".tmp")]
    with pytest.raises(IndexError_, match="corpus changed"):
        read(tmp_path, edited)
    with pytest.raises(IndexError_, match="corrupt index file"):
        read(tmp_path, library)
    seen, log = _logged()
    assert_same(load_or_build(edited, tmp_path, log=log), LexicalIndex.build(edited))
    assert len(seen) == 1


def test_nothing_in_the_store_is_pickled(tmp_path: Path, small_dictionary: None) -> None:
    LexicalIndex.build([STATUTE, RULES]).save(tmp_path)
    store = tmp_path / lexical_store.FOLDER
    for path in store.iterdir():
        if path.suffix in (".npy", ".npz"):
            loaded = np.load(path, allow_pickle=False)  # raises on object arrays
            arrays = [loaded[k] for k in loaded.files] if isinstance(loaded, np.lib.npyio.NpzFile) else [loaded]
            assert all(a.dtype != object for a in arrays), path
        else:
            assert path.suffix == ".json" and json.loads(path.read_text(encoding="utf-8")) is not None, path


def test_temporaries_a_killed_save_left_are_cleared_once_old(tmp_path: Path, small_dictionary: None) -> None:
    store = tmp_path / lexical_store.FOLDER
    (store / ".staging.old.tmp" / "bm25").mkdir(parents=True)
    (store / ".tokens.npz.old.tmp").write_bytes(b"half")
    (store / ".tokens.npz.new.tmp").write_bytes(b"another save in progress")
    for old in (store / ".staging.old.tmp", store / ".tokens.npz.old.tmp"):
        os.utime(old, (time.time() - 3600, time.time() - 3600))
    LexicalIndex.build([STATUTE, RULES]).save(tmp_path)
    assert [p.name for p in store.glob(".*.tmp")] == [".tokens.npz.new.tmp"]
