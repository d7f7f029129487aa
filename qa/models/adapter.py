"""A query-side adapter: a learned map on one model's question vectors, the passage vectors untouched.

``q' = normalise(q + s·(q·Δ + b))``, with ``Δ`` full (``linear``, 384×384) or low-rank (``Δ = A·B``) and ``s`` the
adapter's *strength* (1 as trained; ``qa train`` shrinks it toward the base model until the leave-laws-out check
is no worse than the base, ``qa.train.evaluate.choose_strength``). Only
questions change, so an index built with the base model is used as it is: :class:`AdaptedEmbedder` keeps
the base model's ``model_id`` and passage encoding, and adapts ``encode_queries`` for the languages the
adapter was trained on (Chinese: English questions keep the base vector). Its cosines run on another scale
(about 0.2 for a good match, softmax training), so :meth:`AdaptedEmbedder.encode_queries_with_base` hands the
base vectors on as well: the searcher orders articles by the adapted cosines and decides abstention on the
base ones, where the calibrated thresholds hold (with adapted cosines it abstained on 94 % of the Chinese
paraphrases).

On disk an adapter is a folder: ``adapter.safetensors`` (``delta`` or ``down``/``up``, and ``bias``) and
``manifest.json`` (base model, kind, languages, data hashes, seed, metrics, and the tensors' SHA-256,
checked on load). ``qa train`` writes it (``qa.train``); the one shipped is in ``qa/models/adapters/``
(``QA_ADAPTER`` names another, see :func:`qa.config.adapter_dir`).

It was trained to pick articles out of a whole library, and only there did it pass the checks that make it a
default (STARD held-out up, leave-laws-out no worse; docs/stard.md). Within one regulation it only reorders a few
dozen articles and measured slightly worse on the twelve evaluation regulations, so :func:`library_model` gives it
to ``e5+use`` over a collection of regulations and leaves a single regulation to the base model.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from qa.files import atomic_write, sha256_file
from qa.models.embedders import Embedder

__all__ = ["ADAPTABLE", "library_model", "QueryAdapter", "average", "AdapterError", "AdaptedEmbedder", "load_adapter", "save_adapter", "adapted", "TENSORS", "MANIFEST"]

TENSORS = "adapter.safetensors"
MANIFEST = "manifest.json"
FORMAT = 1
#: The models an adapter can be trained for and applied to: e5, alone or in the e5+use ensemble.
ADAPTABLE = ("e5+use", "e5")


class AdapterError(ValueError):
    """An adapter folder that cannot be used (and why)."""


@dataclass(frozen=True)
class QueryAdapter:
    """The map's tensors (float32) and its manifest. ``delta`` (d×d) or ``down`` (d×r) with ``up`` (r×d)."""

    bias: np.ndarray
    delta: np.ndarray | None = None
    down: np.ndarray | None = None
    up: np.ndarray | None = None
    manifest: dict[str, Any] = field(default_factory=dict)

    @property
    def dim(self) -> int:
        return int(self.bias.shape[0])

    @property
    def languages(self) -> tuple[str, ...]:
        return tuple(self.manifest.get("languages", ("zh",)))

    @property
    def strength(self) -> float:
        """The share of the learned update applied (manifest ``strength``; 1.0 when absent: the map as trained)."""
        return float(self.manifest.get("strength", 1.0))

    def with_strength(self, strength: float) -> "QueryAdapter":
        """The same tensors with the learned update scaled by ``strength`` (0 is the base model)."""
        return replace(self, manifest={**self.manifest, "strength": float(strength)})

    def apply(self, queries: np.ndarray) -> np.ndarray:
        """Adapted, unit-length rows for unit-length rows ``queries`` (n×d)."""
        q = np.asarray(queries, np.float32)
        update = np.broadcast_to(self.bias, q.shape).astype(np.float32)
        if self.delta is not None:
            update = update + q @ self.delta
        if self.down is not None and self.up is not None:
            update = update + (q @ self.down) @ self.up
        out = q + np.float32(self.strength) * update
        return np.ascontiguousarray(out / np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-12), dtype=np.float32)

    def tensors(self) -> dict[str, np.ndarray]:
        named = {"bias": self.bias, "delta": self.delta, "down": self.down, "up": self.up}
        return {k: np.ascontiguousarray(v, dtype=np.float32) for k, v in named.items() if v is not None}


def average(adapters: list[QueryAdapter]) -> QueryAdapter:
    """One adapter whose update is the mean of ``adapters``' updates (at strength 1; manifest of the first).

    Maps trained from different seeds land in different subspaces; their mean is still one map of the same form
    (full ``delta`` averaged, low-rank factors side by side: rank r·n), so a bagged adapter loads and applies as any.
    """
    if not adapters:
        raise ValueError("average needs at least one adapter")
    n = len(adapters)
    deltas = [a.delta for a in adapters if a.delta is not None]
    low = [(a.down, a.up) for a in adapters if a.down is not None and a.up is not None]
    return QueryAdapter(
        bias=(np.sum(np.stack([a.bias for a in adapters]), axis=0) / n).astype(np.float32),
        delta=(np.sum(np.stack(deltas), axis=0) / n).astype(np.float32) if deltas else None,
        down=np.concatenate([d for d, _ in low], axis=1).astype(np.float32) if low else None,
        up=(np.concatenate([u for _, u in low], axis=0) / n).astype(np.float32) if low else None,
        manifest={k: v for k, v in adapters[0].manifest.items() if k != "strength"},
    )


def save_adapter(adapter: QueryAdapter, folder: Path) -> Path:
    """Write tensors, then the manifest naming their checksum (last, so a half-written folder fails to load)."""
    from safetensors.numpy import save_file

    folder.mkdir(parents=True, exist_ok=True)
    atomic_write(folder / TENSORS, lambda tmp: save_file(adapter.tensors(), tmp))
    manifest = {**adapter.manifest, "format": FORMAT, "dim": adapter.dim, "tensors_sha256": sha256_file(folder / TENSORS)}
    atomic_write(folder / MANIFEST, lambda tmp: Path(tmp).write_text(json.dumps(manifest, ensure_ascii=False, indent=1) + "\n"))
    return folder


def load_adapter(folder: Path) -> QueryAdapter:
    """The adapter in ``folder``; AdapterError saying why when it is missing, damaged or not ours."""
    from safetensors import SafetensorError
    from safetensors.numpy import load_file

    folder = Path(folder)
    try:
        manifest = json.loads((folder / MANIFEST).read_text())
    except (OSError, ValueError) as exc:
        raise AdapterError(f"no adapter manifest at {folder / MANIFEST} ({exc})") from exc
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise AdapterError(f"{folder / MANIFEST}: not an adapter manifest of format {FORMAT}")
    if not (folder / TENSORS).is_file() or sha256_file(folder / TENSORS) != manifest.get("tensors_sha256"):
        raise AdapterError(f"{folder / TENSORS}: missing, or its checksum differs from the manifest's")
    try:
        tensors = load_file(str(folder / TENSORS))
    except (SafetensorError, OSError) as exc:
        raise AdapterError(f"{folder / TENSORS}: {exc}") from exc
    if "bias" not in tensors or not ({"delta"} <= tensors.keys() or {"down", "up"} <= tensors.keys()):
        raise AdapterError(f"{folder / TENSORS}: needs bias and delta, or bias, down and up")
    adapter = QueryAdapter(tensors["bias"], tensors.get("delta"), tensors.get("down"), tensors.get("up"), manifest)
    d = adapter.dim
    shapes_ok = (adapter.delta is None or adapter.delta.shape == (d, d)) and (
        adapter.down is None or (adapter.up is not None and adapter.down.shape[0] == d and adapter.up.shape == (adapter.down.shape[1], d))
    )
    if not shapes_ok or manifest.get("dim") != d:
        raise AdapterError(f"{folder / TENSORS}: tensor shapes do not fit dim {manifest.get('dim')}")
    strength = manifest.get("strength", 1.0)
    if isinstance(strength, bool) or not isinstance(strength, (int, float)) or not 0 <= strength <= 1:
        raise AdapterError(f"{folder / MANIFEST}: strength must be a number from 0 to 1, not {strength!r}")
    return adapter


def library_model(name: str, regulations: int) -> str:
    """The model to load for ``name`` over ``regulations`` regulations: the default ``e5+use`` becomes
    ``e5+use+adapter`` for a collection (more than one), unless ``QA_ADAPTER=off``; any other name is kept."""
    from qa import config

    return "e5+use+adapter" if name == "e5+use" and regulations > 1 and config.adapter_dir() is not None else name


def adapted(base: str, adapter: QueryAdapter | None = None) -> Embedder:
    """``get_embedder(base)`` with ``adapter`` (default: the one of :func:`qa.config.adapter_dir`) on its e5 questions."""
    from qa import config
    from qa.models.embedders import ENSEMBLE_WEIGHTS, EnsembleEmbedder, get_embedder

    if adapter is None:
        folder = config.adapter_dir()
        if folder is None:
            raise AdapterError(f"QA_ADAPTER=off: model {base}+adapter needs an adapter folder")
        adapter = load_adapter(folder)
    if base == "e5+use":
        return EnsembleEmbedder(AdaptedEmbedder(get_embedder("e5"), adapter), get_embedder("use"), ENSEMBLE_WEIGHTS)
    if base in ("e5", "hash"):  # hash: the test double, as for qa train --model hash
        return AdaptedEmbedder(get_embedder(base), adapter)
    raise ValueError(f"no adapter for model {base!r}: adapters apply to {' and '.join(ADAPTABLE)}")


class AdaptedEmbedder(Embedder):
    """``base`` with adapted questions. Same ``model_id`` (the passage vectors are the base model's, so its
    index is reused); ``adapter_id`` names the adapter for anything that caches question vectors."""

    def __init__(self, base: Embedder, adapter: QueryAdapter) -> None:
        if adapter.manifest.get("base_model_id") not in (None, base.model_id):
            raise AdapterError(f"adapter was trained for {adapter.manifest.get('base_model_id')!r}, not {base.model_id!r}")
        if adapter.dim != base.dim:
            raise AdapterError(f"adapter is {adapter.dim}-dimensional, model {base.model_id} is {base.dim}")
        self.base = base
        self.adapter = adapter
        self.model_id = base.model_id
        self.dim = base.dim
        self.adapter_id = str(adapter.manifest.get("tensors_sha256", ""))[:12]

    def encode_queries(self, texts: list[str]) -> np.ndarray:
        return self.encode_queries_with_base(texts)[0]

    def encode_queries_with_base(self, texts: list[str]) -> tuple[np.ndarray, np.ndarray | None]:
        """Adapted rows for the adapter's languages, and the base model's rows (for abstention)."""
        from qa.lang.text import detect_lang

        base = self.base.encode_queries(texts)
        chosen = [i for i, t in enumerate(texts) if detect_lang(t) in self.adapter.languages]
        if not chosen:
            return base, None
        vectors = base.copy()
        vectors[chosen] = self.adapter.apply(base[chosen])
        return vectors, base

    def encode_passages(self, texts: list[str], *, batch_size: int = 32, progress: bool = False) -> np.ndarray:
        return self.base.encode_passages(texts, batch_size=batch_size, progress=progress)
