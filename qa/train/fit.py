"""The training loop: a query map fitted by softmax cross-entropy against fixed article vectors.

Each step scores a batch of (question, gold article) rows against the gold, the question's nearest
articles under the *current* map (recomputed every round over the whole library, so they are the hard
negatives of the moment), and a sample of random articles shared by the batch. Scoring all 58,554
articles at every step costs ~10x more on two cores for the same result: the rest of the library is
far below the near-misses and adds almost nothing to the softmax.

Seeded and resumable: the state (tensors, optimiser moments, finished rounds) is written after each round
and a run with the same configuration and data picks up where it stopped, with the same result.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any, Callable

import numpy as np

from qa.files import atomic_write
from qa.models.adapter import QueryAdapter, average

__all__ = ["FitConfig", "Rows", "fit", "data_hash", "nearest"]

KINDS = ("linear", "lowrank")


@dataclass(frozen=True)
class FitConfig:
    """Hyper-parameters (chosen on the dev split only; see docs/stard.md)."""

    kind: str = "linear"
    rank: int = 32
    rounds: int = 4
    epochs_per_round: int = 3
    batch: int = 128
    lr: float = 2e-3
    weight_decay: float = 0.05
    temperature: float = 0.02
    candidates: int = 128
    random_negatives: int = 1024
    mined_weight: float = 0.5
    seed: int = 0
    #: Maps trained from seeds ``seed``, ``seed + 1`` … and averaged (:func:`qa.models.adapter.average`); 1: one map.
    seeds: int = 1

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown adapter kind {self.kind!r}; choose from {', '.join(KINDS)}")
        if self.seeds < 1:
            raise ValueError(f"seeds must be at least 1, not {self.seeds}")


@dataclass(frozen=True)
class Rows:
    """One row per (question, gold article): the question's vector row, the gold's article position,
    every gold of that question (not negatives of each other), and the row's loss weight."""

    query: np.ndarray
    target: np.ndarray
    golds: list[frozenset[int]]
    weight: np.ndarray

    def __len__(self) -> int:
        return len(self.target)


def data_hash(*arrays: np.ndarray) -> str:
    digest = hashlib.sha256()
    for a in arrays:
        digest.update(str(a.shape).encode())
        digest.update(np.ascontiguousarray(a).tobytes())
    return digest.hexdigest()


def nearest(queries: np.ndarray, passages: np.ndarray, k: int, chunk: int = 512) -> np.ndarray:
    """Top-``k`` passage positions per query by inner product (exact, best first)."""
    k = min(k, len(passages))
    out = np.empty((len(queries), k), np.int64)
    for start in range(0, len(queries), chunk):
        scores = queries[start : start + chunk] @ passages.T
        top = np.argpartition(-scores, k - 1, axis=1)[:, :k]
        order = np.argsort(-np.take_along_axis(scores, top, axis=1), axis=1)
        out[start : start + chunk] = np.take_along_axis(top, order, axis=1)
    return out


def _adapter(params: dict[str, Any], config: FitConfig) -> QueryAdapter:
    arrays = {k: v.detach().numpy().copy() for k, v in params.items()}
    return QueryAdapter(arrays["bias"], arrays.get("delta"), arrays.get("down"), arrays.get("up"), {"kind": config.kind})


def fit(
    queries: np.ndarray,
    rows: Rows,
    passages: np.ndarray,
    config: FitConfig,
    *,
    state_dir: Path | None = None,
    progress: bool = False,
    log: Callable[[str], None] = print,
) -> QueryAdapter:
    """Train an adapter on ``rows`` (positions into ``queries`` and ``passages``, both unit rows).

    With ``config.seeds`` above 1, one map per seed (each resumable in its own ``seed-N`` folder), averaged.
    """
    if config.seeds > 1:
        maps = []
        for i in range(config.seeds):
            if progress:
                log(f"train: seed {config.seed + i} ({i + 1} of {config.seeds})")
            one = replace(config, seed=config.seed + i, seeds=1)
            maps.append(fit(queries, rows, passages, one, state_dir=state_dir / f"seed-{i}" if state_dir else None, progress=progress, log=log))
        return average(maps)
    import torch

    torch.manual_seed(config.seed)
    d = queries.shape[1]
    params: dict[str, torch.Tensor] = {"bias": torch.zeros(d)}
    if config.kind == "linear":
        params["delta"] = torch.zeros(d, d)
    else:
        params["down"] = torch.randn(d, config.rank) * (1.0 / np.sqrt(d))
        params["up"] = torch.zeros(config.rank, d)
    for p in params.values():
        p.requires_grad_(True)
    optimiser = torch.optim.AdamW(list(params.values()), lr=config.lr, weight_decay=config.weight_decay)
    fingerprint = {"config": asdict(config), "data": data_hash(queries, rows.query, rows.target, rows.weight, passages)}
    done = _resume(state_dir, fingerprint, params, optimiser, log) if state_dir is not None else 0

    Q = torch.from_numpy(np.ascontiguousarray(queries, np.float32))
    P = torch.from_numpy(np.ascontiguousarray(passages, np.float32))
    weights = torch.from_numpy(rows.weight.astype(np.float32))
    scale = 1.0 / config.temperature
    steps = (len(rows) + config.batch - 1) // config.batch
    bar = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(total=config.rounds * config.epochs_per_round * steps, initial=done * config.epochs_per_round * steps, desc=f"training {config.kind} adapter", unit="step")
    for round_ in range(done, config.rounds):
        adapted = _adapter(params, config).apply(queries[rows.query])
        near = nearest(adapted, passages, config.candidates + 8)
        cands = torch.from_numpy(_candidate_table(near, rows, config.candidates))
        for epoch in range(config.epochs_per_round):
            rng = np.random.default_rng([config.seed, round_, epoch])
            order = rng.permutation(len(rows))
            for start in range(0, len(rows), config.batch):
                idx = torch.from_numpy(order[start : start + config.batch])
                q = Q[torch.from_numpy(rows.query)[idx]]
                out = q + params["bias"]
                if "delta" in params:
                    out = out + q @ params["delta"]
                else:
                    out = out + (q @ params["down"]) @ params["up"]
                out = torch.nn.functional.normalize(out, dim=1)
                own = torch.einsum("bd,bkd->bk", out, P[cands[idx]])
                shared = out @ P[torch.from_numpy(rng.integers(0, len(P), config.random_negatives))].T
                logits = torch.cat([own, shared], dim=1) * scale
                loss = (torch.nn.functional.cross_entropy(logits, torch.zeros(len(idx), dtype=torch.long), reduction="none") * weights[idx]).sum() / weights[idx].sum()
                optimiser.zero_grad()
                loss.backward()
                optimiser.step()
                if bar is not None:
                    bar.update(1)
                    bar.set_postfix(round=round_ + 1, loss=f"{loss.item():.3f}")
        if state_dir is not None:
            _save_state(state_dir, fingerprint, params, optimiser, round_ + 1)
    if bar is not None:
        bar.close()
    return _adapter(params, config)


def _candidate_table(near: np.ndarray, rows: Rows, k: int) -> np.ndarray:
    """Per row: the target first, then its ``k - 1`` nearest articles that are not one of its golds."""
    table = np.empty((len(rows), k), np.int64)
    for i, (target, golds) in enumerate(zip(rows.target, rows.golds)):
        others = [int(j) for j in near[i] if j not in golds][: k - 1]
        others += [others[-1] if others else int(target)] * (k - 1 - len(others))
        table[i] = [int(target), *others]
    return table


STATE_TENSORS = "state.safetensors"
STATE_JSON = "state.json"


def _save_state(folder: Path, fingerprint: dict, params: dict[str, Any], optimiser: Any, rounds: int) -> None:
    from safetensors.torch import save_file

    folder.mkdir(parents=True, exist_ok=True)
    tensors = {f"param.{k}": v.detach().contiguous() for k, v in params.items()}
    names = list(params)
    step = 0
    for name, p in zip(names, params.values()):
        st = optimiser.state.get(p, {})
        if st:
            tensors[f"exp_avg.{name}"] = st["exp_avg"].contiguous()
            tensors[f"exp_avg_sq.{name}"] = st["exp_avg_sq"].contiguous()
            step = int(st["step"])
    atomic_write(folder / STATE_TENSORS, lambda tmp: save_file(tensors, tmp))
    atomic_write(folder / STATE_JSON, lambda tmp: Path(tmp).write_text(json.dumps({**fingerprint, "rounds_done": rounds, "step": step}, indent=1)))


def _resume(folder: Path, fingerprint: dict, params: dict[str, Any], optimiser: Any, log: Callable[[str], None]) -> int:
    """Rounds already done by a previous run with the same configuration and data (0 when none)."""
    import torch
    from safetensors.torch import load_file

    try:
        saved = json.loads((folder / STATE_JSON).read_text())
        tensors = load_file(str(folder / STATE_TENSORS))
    except (OSError, ValueError):
        return 0
    if saved.get("config") != fingerprint["config"] or saved.get("data") != fingerprint["data"]:
        log(f"train: the state in {folder} is for other settings or data; starting afresh")
        return 0
    with torch.no_grad():
        for name, p in params.items():
            p.copy_(tensors[f"param.{name}"])
    for name, p in params.items():
        if f"exp_avg.{name}" in tensors:
            optimiser.state[p] = {"step": torch.tensor(float(saved["step"])), "exp_avg": tensors[f"exp_avg.{name}"].clone(), "exp_avg_sq": tensors[f"exp_avg_sq.{name}"].clone()}
    log(f"train: resuming after round {saved['rounds_done']} of {fingerprint['config']['rounds']} from {folder}")
    return int(saved["rounds_done"])
