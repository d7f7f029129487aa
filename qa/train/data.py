"""What an adapter is trained and checked on, loaded one way for ``qa train`` and the bench scripts that retrain it.

``bench/adapter_fusion_cv.py`` trains fold adapters exactly as ``qa train`` does; loading the library, STARD's
dev questions, the article vectors, the pairs and their question vectors in one place keeps the two from drifting.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Sequence

import numpy as np

from qa.corpus.library import Library, load_library
from qa.index.dense import cache_file
from qa.measure.stard import LabelMap, Query, load_queries, map_labels, split_of
from qa.models import get_embedder
from qa.models.embedders import Embedder
from qa.train.pairs import Pair, mined_pairs, stard_pairs
from qa.train.vectors import Articles, article_vectors, missing_vectors, query_vectors

__all__ = ["MAX_MISSING", "TrainingData", "training_data"]

#: More article vectors missing from the cache than this means the index was never built: embedding them
#: here would take more than a minute (and for the whole library an hour), so training refuses instead.
MAX_MISSING = 2000


def _err(message: str) -> None:
    print(message, file=sys.stderr)


@dataclass(frozen=True)
class TrainingData:
    """The library, STARD's dev questions and their labels in it, the index model, the article vectors of its
    adapted part, the training pairs (STARD's first, then mined) and each pair's question vector."""

    library: Library
    queries: list[Query]
    labels: LabelMap
    embedder: Embedder
    articles: Articles
    pairs: list[Pair]
    vectors: np.ndarray


def training_data(
    library_path: Path,
    queries_path: Path,
    index_dir: Path,
    work_dir: Path,
    *,
    model: str = "e5+use",
    seed: int = 0,
    mined_per_law: int = 3,
    limit: int | None = None,
    exclude: Sequence[str] = ("DLC",),
    progress: bool = False,
    log: Callable[[str], None] = _err,
) -> TrainingData:
    """Load everything training reads; only STARD's dev split (never the held-out fifth). Raises ValueError when
    an input is missing or the index's embedding cache was never built."""
    for what, path in (("questions", queries_path), ("library", library_path)):
        if not path.exists():
            raise ValueError(f"STARD {what} not found at {path} (is ../shared beside the project?)")
    queries = [q for q in load_queries(queries_path) if split_of(q) == "dev"][:limit]
    library = load_library(library_path, log=log, progress=progress, exclude=exclude)
    if note := library.skipped_note():
        log(f"note: {note}")
    embedder = get_embedder(model)
    missing = missing_vectors(library, embedder, index_dir)
    if missing > MAX_MISSING:
        raise ValueError(
            f"the embedding cache {cache_file(index_dir, embedder.model_id)} lacks {missing} of the library's article vectors; "
            "build the index first (qa stard --index-dir …): embedding them here would take an hour"
        )
    articles = article_vectors(library, embedder, index_dir, progress=progress)
    labels = map_labels(library, queries)
    pairs = stard_pairs(queries, labels) + (mined_pairs(library, seed=seed, per_law=mined_per_law) if mined_per_law else [])
    vectors = query_vectors([p.question for p in pairs], embedder, work_dir, progress=progress)
    return TrainingData(library, queries, labels, embedder, articles, pairs, vectors)
