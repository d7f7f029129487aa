"""The vectors an adapter is trained on: every article's passage vector, and each question's query vector.

Article vectors are read from the dense index's :class:`~qa.index.dense.EmbeddingCache` (the hour-long
embedding run is never repeated); for an ensemble model only the adapted part's slice is kept, rescaled to
unit length (the cache stores ``[√½·e5 ‖ √½·use]``). Questions are encoded once with the adapted part's own
``encode_queries`` and cached in a work folder, keyed by text, so a resumed or repeated run is instant.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import numpy as np

from qa.corpus.library import title_key
from qa.corpus.model import Regulation
from qa.corpus.passages import Unit, units_of
from qa.index.dense import EmbeddingCache, _safe, cache_file
from qa.models.embedders import Embedder, EnsembleEmbedder

__all__ = ["ArticleKey", "Articles", "adapted_part", "article_vectors", "missing_vectors", "query_vectors"]

#: An article as STARD scoring names it: (title key, number, suffix).
ArticleKey = tuple[str, int, int]


@dataclass(frozen=True)
class Articles:
    """Every article of a library, in index order, with its unit-length vector of the adapted part."""

    keys: list[ArticleKey]
    regulations: list[int]
    texts: list[str]
    vectors: np.ndarray

    def position(self) -> dict[ArticleKey, int]:
        return {key: i for i, key in enumerate(self.keys)}


def adapted_part(embedder: Embedder) -> tuple[Embedder, slice]:
    """The model an adapter transforms (an ensemble's first part, e5) and its columns in the index."""
    if isinstance(embedder, EnsembleEmbedder):
        first = embedder.parts[0]
        return first, slice(0, first.dim)
    return embedder, slice(0, embedder.dim)


def _normalise(x: np.ndarray) -> np.ndarray:
    return (x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-12)).astype(np.float32)


def _article_units(library: Sequence[Regulation]) -> list[tuple[Unit, str]]:
    return [(u, t) for u, t in units_of(library) if u.paragraph is None and u.lang == "zh"]


def _cache(embedder: Embedder, index_dir: Path) -> EmbeddingCache:
    return EmbeddingCache(cache_file(index_dir, embedder.model_id), dim=embedder.dim)


def missing_vectors(library: Sequence[Regulation], embedder: Embedder, index_dir: Path) -> int:
    """How many article vectors ``index_dir``'s cache lacks."""
    cache = _cache(embedder, index_dir)
    return sum(cache.key(t) not in cache.vectors for _, t in _article_units(library))


def article_vectors(
    library: Sequence[Regulation], embedder: Embedder, index_dir: Path, *, embed_missing: bool = True, progress: bool = False
) -> Articles:
    """Article units' vectors from ``index_dir``'s embedding cache. Texts the cache lacks are embedded
    (all of them for a small test library; none once the library's index is built), or with
    ``embed_missing=False`` left out (developing on a partly built cache without starting the hour-long run)."""
    pairs = _article_units(library)
    cache = _cache(embedder, index_dir)
    if not embed_missing:
        pairs = [(u, t) for u, t in pairs if cache.key(t) in cache.vectors]
    texts = [t for _, t in pairs]
    if not texts:
        raise ValueError(f"no article vectors in {cache_file(index_dir, embedder.model_id)} for model {embedder.model_id}")
    full = cache.encode(texts, embedder.encode_passages, progress=progress)
    _, columns = adapted_part(embedder)
    keys = [(title_key(library[u.regulation].title), u.article, u.suffix) for u, _ in pairs]
    return Articles(keys, [u.regulation for u, _ in pairs], texts, _normalise(full[:, columns]))


def query_vectors(texts: Sequence[str], embedder: Embedder, work_dir: Path, *, progress: bool = False) -> np.ndarray:
    """``encode_queries`` of the adapted part for each text, cached in ``work_dir`` (saved as it grows)."""
    part, _ = adapted_part(embedder)
    work_dir.mkdir(parents=True, exist_ok=True)
    cache = EmbeddingCache(work_dir / f"queries-{_safe(part.model_id)}.npz", dim=part.dim)
    vectors = cache.encode(list(texts), part.encode_queries, progress=progress, chunk=64, save_every=60)
    cache.save()
    return vectors.reshape(len(texts), part.dim)
