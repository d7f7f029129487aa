"""Crash-safe file writes and content hashes, shared by the corpus, the index and the model cache."""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from pathlib import Path
from typing import Callable

__all__ = ["atomic_write", "replace_folder", "sha256_file"]


def atomic_write(path: Path, write: Callable[[str], object]) -> None:
    """Let ``write`` fill a temporary file beside ``path``, flush it to disk, then rename it over ``path``.

    A crash or a full disk leaves either the old file or the new one, never half of one; the
    temporary file is removed on failure (``.<name>.*.tmp`` if the process was killed outright).
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    try:
        write(tmp)
        with open(tmp, "rb") as f:
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def replace_folder(new: Path, target: Path) -> None:
    """Put the finished folder ``new`` at ``target`` (a sibling), moving an older ``target`` aside first and
    deleting it after: a crash leaves the old folder or the new one (or a ``.<name>.tmp-old-*`` to sweep)."""
    old = None
    if target.exists():
        old = target.parent / f".{target.name}.tmp-old-{os.getpid()}"
        target.rename(old)
    new.rename(target)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
