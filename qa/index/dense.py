"""The dense index: FAISS over article-, paragraph- and translation-level embeddings, on disk with a manifest.

A corpus's index folder holds one dense index per model, in ``dense/<model>/`` (so two processes using
different models on one corpus never overwrite each other's files), beside the shared per-model embedding
caches ``cache/<model>.npz`` and the model-independent ``lexical/``. The functions below take that corpus
folder and find a model's own place with :func:`folder_for`.

Loading never trusts the files: the manifest must name the same corpus hash and model, and each file's
checksum must match, or the index is rebuilt (with a message saying why). Files are written to temporary
names and renamed, manifest last, so a crash mid-build leaves an index that fails its checks and is rebuilt.
Ids are stored as JSON and vectors as FAISS / NumPy files: nothing is unpickled.
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Sequence

import numpy as np

from qa.corpus.model import Regulation
from qa.corpus.passages import UNITS_VERSION, Unit, units_of
from qa.corpus.store import regulation_records
from qa.files import atomic_write, sha256_file

if TYPE_CHECKING:
    import faiss

    from qa.models import Embedder

__all__ = ["DenseIndex", "IndexError_", "corpus_hash", "load_or_build", "build", "load", "EmbeddingCache", "cache_file", "folder_for"]

FORMAT_VERSION = 1
MANIFEST = "manifest.json"
VECTORS = "vectors.faiss"
UNITS = "units.json"
#: Inside a corpus's index folder: one subfolder per model (``dense/<model>/``) and the embedding caches.
DENSE = "dense"
CACHE = "cache"
# Above this many vectors an approximate HNSW index answers in milliseconds where exact search would not
# (qa bench, 2 cores: exact search over 367k × 512 takes ~68 ms a query; HNSW ~3 ms). Below it exact search
# costs under ~15 ms even at 896 dims (e5+use), so small corpora keep exact answers.
ANN_THRESHOLD = 50_000
# HNSW search breadth, chosen with ``qa bench --scale all --ann-sweep`` (367k vectors, 163 questions):
# recall@10 against exact search 0.929 at 128, 0.960 at 256, 0.983 at 512, 0.989 at 768 (~3.4 ms a query).
# Applied on load as well, so an index built with an older value picks it up without a rebuild.
HNSW_EF_SEARCH = 768


class IndexError_(RuntimeError):
    """The index on disk cannot be used (and why); callers rebuild or report it."""


def _safe(name: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in name)


def folder_for(index_dir: Path, model_id: str) -> Path:
    """Where ``model_id``'s dense files live in a corpus's index folder."""
    return index_dir / DENSE / _safe(model_id)


def cache_file(index_dir: Path, model_id: str) -> Path:
    """``model_id``'s embedding cache in a corpus's index folder (shared by every process using that model)."""
    return index_dir / CACHE / f"{_safe(model_id)}.npz"


def corpus_hash(library: Sequence[Regulation]) -> str:
    digest = hashlib.sha256()
    for regulation in library:
        for record in regulation_records(regulation):
            digest.update(json.dumps(record, ensure_ascii=False, sort_keys=True).encode())
        for article in regulation.articles:
            digest.update((article.text_en or "").encode())
    return digest.hexdigest()


class EmbeddingCache:
    """Vectors keyed by (model, text hash), so a rebuild after a corpus edit embeds only what changed."""

    def __init__(self, path: Path, dim: int | None = None):
        self.path = path
        self.vectors: dict[str, np.ndarray] = {}
        if path.is_file():
            try:
                with np.load(path, allow_pickle=False) as data:
                    keys, vectors = data["keys"], data["vectors"]
                    if vectors.ndim == 2 and len(keys) == len(vectors) and (dim is None or vectors.shape[1] == dim):
                        self.vectors = dict(zip(keys.astype(str), vectors))
            except Exception:  # noqa: BLE001 - a damaged cache (truncated zip, EOF, pickle refused …) is only a cache
                self.vectors = {}

    @staticmethod
    def key(text: str) -> str:
        return hashlib.sha256(text.encode()).hexdigest()[:32]

    def encode(
        self,
        texts: list[str],
        embed: Callable[[list[str]], np.ndarray],
        progress: bool = False,
        chunk: int = 256,
        save_every: float | None = None,
    ) -> np.ndarray:
        """Vectors for ``texts``, embedding only those not cached, in chunks (with a progress bar).

        Chunks hold passages of similar length (less padding: ~1.3x faster on the law library), and
        with ``save_every`` seconds the cache is written as it grows, so an hour-long embedding run
        that is interrupted resumes where it stopped.
        """
        keys = [self.key(t) for t in texts]
        missing = sorted({k: t for k, t in zip(keys, texts) if k not in self.vectors}.items(), key=lambda kt: (len(kt[1]), kt[0]))
        starts = range(0, len(missing), chunk)
        if progress and len(missing) > chunk:
            from tqdm import tqdm

            starts = tqdm(starts, desc=f"embedding {len(missing)} passages", unit=f"×{chunk}")
        saved = time.monotonic()
        for start in starts:
            part = missing[start : start + chunk]
            self.vectors.update({k: v for (k, _), v in zip(part, embed([t for _, t in part]))})
            if save_every is not None and time.monotonic() - saved > save_every:
                try:
                    self.save()
                except OSError:
                    save_every = None
                saved = time.monotonic()
        return np.stack([self.vectors[k] for k in keys]).astype(np.float32) if keys else np.zeros((0, 0), np.float32)

    def save(self, keep: set[str] | None = None) -> None:
        items = [(k, v) for k, v in self.vectors.items() if keep is None or k in keep]
        keys = np.array([k for k, _ in items], dtype="U32")
        vectors = np.stack([v for _, v in items]) if items else np.zeros((0, 0), np.float32)

        def write(tmp: str) -> None:
            with open(tmp, "wb") as f:
                np.savez(f, keys=keys, vectors=vectors)

        atomic_write(self.path, write)


@dataclass
class DenseIndex:
    """A loaded index: the FAISS structure and the unit each row stands for."""

    index: "faiss.Index"
    units: list[Unit]
    manifest: dict

    def search(self, query: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        k = min(k, len(self.units))
        if k == 0:
            return np.zeros((1, 0), np.float32), np.zeros((1, 0), np.int64)
        return self.index.search(np.ascontiguousarray(query.reshape(1, -1), dtype=np.float32), k)


def _faiss_index(vectors: np.ndarray, approximate: bool) -> "faiss.Index":
    import faiss

    dim = vectors.shape[1]
    index: faiss.Index
    if approximate:
        hnsw = faiss.IndexHNSWFlat(dim, 32, faiss.METRIC_INNER_PRODUCT)
        hnsw.hnsw.efConstruction = 80
        hnsw.hnsw.efSearch = HNSW_EF_SEARCH
        index = hnsw
    else:
        index = faiss.IndexFlatIP(dim)
    index.add(np.ascontiguousarray(vectors, dtype=np.float32))
    return index


def build(
    library: Sequence[Regulation],
    embedder: "Embedder",
    folder: Path,
    *,
    progress: bool = False,
    approximate: bool | None = None,
    log: Callable[[str], None] = print,
    digest: str | None = None,
) -> DenseIndex:
    """Embed every unit (reusing cached vectors) and write the index to ``folder``'s place for this model
    atomically, manifest last. ``digest`` is the library's :func:`corpus_hash` when the caller has it (the
    lexical index does)."""
    started = time.perf_counter()
    pairs = list(units_of(library))
    units = [u for u, _ in pairs]
    texts = [t for _, t in pairs]
    cache = EmbeddingCache(cache_file(folder, embedder.model_id), dim=embedder.dim)
    before = len(cache.vectors)
    vectors = cache.encode(texts, embedder.encode_passages, progress=progress, save_every=300)
    embedded = len(cache.vectors) - before
    if approximate is None:
        approximate = len(units) > ANN_THRESHOLD
    index = _faiss_index(vectors.reshape(len(units), -1) if units else np.zeros((0, embedder.dim), np.float32), approximate)
    manifest = {
        "format": FORMAT_VERSION,
        "units_version": UNITS_VERSION,
        "corpus_hash": digest or corpus_hash(library),
        "model_id": embedder.model_id,
        "dim": embedder.dim,
        "n_vectors": len(units),
        "kind": "hnsw" if approximate else "flat",
        "built_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "build_seconds": round(time.perf_counter() - started, 3),
        "embedded": embedded,
    }
    try:
        _remove_stale_temporaries(folder, embedder.model_id)
        _persist(folder_for(folder, embedder.model_id), index, units, manifest)
        cache.save(keep={EmbeddingCache.key(t) for t in texts})
        _remove_old_layout(folder, log)
    except OSError as exc:
        log(f"warning: cannot write the index to {folder} ({exc.strerror or exc}); using it from memory for this run")
    return DenseIndex(index, units, manifest)


def _persist(folder: Path, index: "faiss.Index", units: list[Unit], manifest: dict) -> None:
    import faiss

    atomic_write(folder / VECTORS, lambda tmp: faiss.write_index(index, tmp))
    atomic_write(folder / UNITS, lambda tmp: Path(tmp).write_text(json.dumps([list(asdict(u).values()) for u in units])))
    manifest["files"] = {VECTORS: sha256_file(folder / VECTORS), UNITS: sha256_file(folder / UNITS)}
    atomic_write(folder / MANIFEST, lambda tmp: Path(tmp).write_text(json.dumps(manifest, indent=1)))


def _remove_stale_temporaries(folder: Path, model_id: str, min_age: float = 600.0) -> None:
    """Delete ``.<name>.*.tmp`` files that a killed build left behind (old enough not to be another
    process's write in progress)."""
    now = time.time()
    for directory in (folder, folder_for(folder, model_id), folder / CACHE):
        for tmp in directory.glob(".*.tmp") if directory.is_dir() else ():
            try:
                if now - tmp.stat().st_mtime > min_age:
                    tmp.unlink()
            except OSError:
                pass


def _old_layout(folder: Path) -> bool:
    """Whether ``folder`` still holds a dense index of the one-model layout (its files at the top)."""
    try:
        manifest = read_manifest(folder)
    except IndexError_:
        return (folder / VECTORS).is_file()
    return "model_id" in manifest and "units_version" in manifest


def _remove_old_layout(folder: Path, log: Callable[[str], None]) -> None:
    """Delete the one-model layout's files once a model's own index is written: another model's process
    would otherwise find them, and at library scale they are gigabytes. Its embedding cache stays (shared)."""
    if not _old_layout(folder):
        return
    try:
        for name in (MANIFEST, VECTORS, UNITS):
            (folder / name).unlink(missing_ok=True)
    except OSError:
        return
    log(f"index: removed the old one-model index files at the top of {folder} (each model has dense/<model>/ now)")


def read_manifest(folder: Path) -> dict[str, Any]:
    """``folder``'s manifest; IndexError_ when there is none or it is not a JSON object."""
    path = folder / MANIFEST
    if not path.is_file():
        raise IndexError_(f"no index at {folder}")
    try:
        manifest = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise IndexError_(f"corrupt manifest {path}: {exc}") from exc
    if not isinstance(manifest, dict):
        raise IndexError_(f"corrupt manifest {path}: not a JSON object")
    return manifest


def load(corpus_folder: Path, library: Sequence[Regulation], embedder_id: str, dim: int, *, digest: str | None = None) -> DenseIndex:
    """Load ``embedder_id``'s index of the corpus folder and verify it; raise IndexError_ saying exactly
    why it is stale or corrupt."""
    import faiss

    folder = folder_for(corpus_folder, embedder_id)
    path = folder / MANIFEST
    if not path.is_file() and _old_layout(corpus_folder):
        raise IndexError_(f"no index for model {embedder_id!r} in {folder} (the files at the top of {corpus_folder} are the old one-model layout)")
    manifest = read_manifest(folder)
    if manifest.get("format") != FORMAT_VERSION or manifest.get("units_version") != UNITS_VERSION:
        raise IndexError_(f"index format {manifest.get('format')}.{manifest.get('units_version')} is not {FORMAT_VERSION}.{UNITS_VERSION}")
    if manifest.get("model_id") != embedder_id or manifest.get("dim") != dim:
        raise IndexError_(f"index was built with model {manifest.get('model_id')!r}, not {embedder_id!r}")
    if manifest.get("corpus_hash") != (digest or corpus_hash(library)):
        raise IndexError_("the corpus changed since the index was built")
    files = manifest.get("files")
    if not isinstance(files, dict) or not {VECTORS, UNITS} <= files.keys():
        raise IndexError_(f"corrupt manifest {path}: no checksums for {VECTORS} and {UNITS}")
    for name, digest in files.items():
        file = folder / name
        if not file.is_file() or sha256_file(file) != digest:
            raise IndexError_(f"corrupt index file {file} (missing or checksum mismatch)")
    try:
        index = faiss.read_index(str(folder / VECTORS))
        units = [Unit(*row) for row in json.loads((folder / UNITS).read_text())]
    except (RuntimeError, ValueError, TypeError, OSError) as exc:
        raise IndexError_(f"corrupt index in {folder}: {exc}") from exc
    if index.ntotal != len(units) or index.d != dim:
        raise IndexError_(f"corrupt index in {folder}: {index.ntotal} vectors for {len(units)} units")
    if isinstance(index, faiss.IndexHNSW):
        index.hnsw.efSearch = HNSW_EF_SEARCH
    return DenseIndex(index, units, manifest)


def load_or_build(
    library: Sequence[Regulation],
    embedder: "Embedder",
    folder: Path,
    *,
    progress: bool = True,
    log: Callable[[str], None] = print,
    digest: str | None = None,
) -> DenseIndex:
    """The index for ``library``: loaded when valid, otherwise rebuilt with a message saying why."""
    try:
        return load(folder, library, embedder.model_id, embedder.dim, digest=digest)
    except IndexError_ as exc:
        log(f"index: {exc}; building it now …")
    return build(library, embedder, folder, progress=progress, log=log, digest=digest)
