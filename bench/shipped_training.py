"""What the adapter benches share: the options naming their data, and the shipped adapter's settings with the data
``qa train`` trained it on (``qa.train.data``), so each fold or variant is trained as the shipped adapter was."""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from qa import config  # noqa: E402
from qa.models.adapter import load_adapter  # noqa: E402
from qa.train.data import TrainingData, training_data  # noqa: E402
from qa.train.fit import FitConfig  # noqa: E402

SHIPPED = ROOT / "qa" / "models" / "adapters" / "stard-e5"


class _Figures(Protocol):
    recall_at_10: float
    recall_at_100: float
    hit_at_1: float


def objective(s: _Figures) -> float:
    """What the adapter benches' choices maximise: the three STARD targets' figures, equally."""
    return (s.recall_at_10 + s.recall_at_100 + s.hit_at_1) / 3


@dataclass(frozen=True)
class Shipped:
    """The shipped adapter's training settings and strength, and the data to train like it on."""

    config: FitConfig
    strength: float
    data: TrainingData
    index_dir: Path


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--library", type=Path, help="folder of law documents (default: as qa stard)")
    parser.add_argument("--queries", type=Path, help="STARD questions (default: as qa stard); only the dev split is read")
    parser.add_argument("--model", choices=("e5+use", "e5", "hash"), default="e5+use", help="the index's model (hash: the test double)")
    parser.add_argument("--index-dir", help="the library's index (default: as qa stard)")
    parser.add_argument("--work-dir", default=str(config.cache_dir() / "train"), help="question-vector cache (as qa train)")


def load(args: argparse.Namespace) -> Shipped:
    """Raises ValueError (one line for the user) when the data or the library's index is missing."""
    adapter = load_adapter(SHIPPED)
    fit_config = FitConfig(**adapter.manifest["config"])
    library_path = args.library or config.library_dir()
    index_dir = config.stard_index_dir(library_path, args.index_dir)
    data = training_data(
        library_path, args.queries or config.stard_queries(), index_dir, Path(args.work_dir), model=args.model,
        seed=fit_config.seed, mined_per_law=int(adapter.manifest["data"]["mined_per_law"]), progress=True, log=lambda m: None,
    )
    return Shipped(fit_config, float(adapter.manifest["strength"]), data, index_dir)
