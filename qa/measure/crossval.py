"""Leave-one-regulation-out: abstention thresholds chosen on the other sets, scored on the one left out.

A threshold calibrated on the questions it is then scored on flatters itself; the product is judged on
regulations and questions nobody tuned it on. Each fold calibrates on every set but one
(:func:`qa.measure.evaluate.calibrate`), asks that one set again with those thresholds, and reports it next
to its in-sample figure. ``tests/eval/sets.json`` names the sets and their regulations.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import cached_property
from pathlib import Path
from typing import Any, Callable, Sequence

from qa import config
from qa.corpus.model import CorpusError
from qa.measure.evaluate import Outcome, Question, calibrate, run, summarize
from qa.measure.inputs import read_json
from qa.search import Abstention, Searcher
from qa.search.confidence import Confidence

__all__ = ["EvalSet", "Fold", "folds_json", "format_folds", "leave_one_out", "load_sets"]


@dataclass(frozen=True)
class EvalSet:
    """One question file and the corpus (folder or document) it is asked of."""

    name: str
    corpus: Path
    questions: Path
    kind: str = ""


@dataclass(frozen=True)
class Fold:
    """One set's outcomes: with the searcher's own thresholds, and with ``abstention`` chosen without it."""

    name: str
    abstention: Abstention
    in_sample_outcomes: tuple[Outcome, ...]
    held_out_outcomes: tuple[Outcome, ...]

    @cached_property
    def in_sample(self) -> dict[str, Any]:
        return summarize(self.in_sample_outcomes)

    @cached_property
    def held_out(self) -> dict[str, Any]:
        return summarize(self.held_out_outcomes)


def load_sets(path: str | Path, *, log: Any = print) -> list[EvalSet]:
    """The sets of a ``sets.json`` whose regulation is present (others are skipped with a note):
    ``corpus`` is relative to the ``sets.json`` itself (so a file kept outside the checkout finds its own
    corpora), ``library`` to the law library ($QA_LIBRARY)."""
    manifest = Path(path)
    data = read_json(manifest)
    if not isinstance(data, dict) or not isinstance(data.get("sets"), dict):
        raise CorpusError(manifest, None, "sets", 'expected {"sets": {name: {"corpus" or "library": path}}}')
    sets: list[EvalSet] = []
    for name, entry in data["sets"].items():
        if "corpus" in entry:
            corpus = (manifest.parent / entry["corpus"]).resolve()
        elif "library" in entry:
            corpus = config.library_dir() / entry["library"]
        else:
            raise CorpusError(manifest, None, "sets", f"{name}: needs 'corpus' or 'library'")
        if not corpus.exists():
            log(f"note: skipped {name}: {corpus} not found")
            continue
        sets.append(EvalSet(name, corpus, manifest.parent / f"{name}.jsonl", str(entry.get("kind", ""))))
    return sets


def leave_one_out(
    sets: Sequence[tuple[str, Searcher, Sequence[Question]]],
    in_sample: dict[str, list[Outcome]],
    *,
    max_false_abstain: float = 0.05,
    refit: Callable[[str], Confidence] | None = None,
) -> list[Fold]:
    """A fold per set: calibrate on the other sets' hybrid outcomes, ask the set again with the result. A
    searcher whose abstention has a confidence model gets ``refit(name)`` instead, a model fitted without
    the set (else the languages it decides would be scored in-sample)."""
    folds: list[Fold] = []
    for name, searcher, questions in sets:
        others = [o for other, outcomes in in_sample.items() if other != name for o in outcomes]
        chosen, _ = calibrate(others, max_false_abstain)
        own = searcher.abstention
        confidence = refit(name) if refit is not None and own.confidence is not None else own.confidence
        searcher.abstention = own.with_thresholds(chosen, confidence)
        try:
            outcomes = run(searcher, questions, retriever="hybrid")
        finally:
            searcher.abstention = own
        folds.append(Fold(name, replace(chosen, confidence=confidence), tuple(in_sample[name]), tuple(outcomes)))
    return folds


def _cell(summary: dict[str, Any], group: str, metric: str) -> float | None:
    value = summary.get("by_kind_lang", {}).get(group, {}).get(metric)
    return value if isinstance(value, (int, float)) else None


COLUMNS = (
    ("para zh hit@3", "paraphrase/zh", "hit_at_3"),
    ("para en hit@3", "paraphrase/en", "hit_at_3"),
    ("kw zh hit@3", "keyword/zh", "hit_at_3"),
    ("kw en hit@3", "keyword/en", "hit_at_3"),
    ("OOS zh abst", "out_of_scope/zh", "abstain_accuracy"),
    ("OOS en abst", "out_of_scope/en", "abstain_accuracy"),
    ("false abst", None, "false_abstain_rate"),
)


def _value(summary: dict[str, Any], group: str | None, metric: str) -> float | None:
    if group is not None:
        return _cell(summary, group, metric)
    value = summary.get(metric)
    return value if isinstance(value, (int, float)) else None


def _fmt(value: float | None) -> str:
    return "  —" if value is None else f"{value:.2f}"


def format_folds(folds: Sequence[Fold]) -> str:
    """One row per set: in-sample → held-out for each headline figure, then the pooled held-out row."""
    head = ["set".ljust(28)] + [c[0].rjust(13) for c in COLUMNS]
    lines = ["leave-one-regulation-out (hybrid): in-sample → held-out", "  ".join(head)]
    for fold in folds:
        cells = [f"{_fmt(_value(fold.in_sample, g, m))}→{_fmt(_value(fold.held_out, g, m))}".rjust(13) for _, g, m in COLUMNS]
        lines.append("  ".join([Path(fold.name).stem[:28].ljust(28), *cells]))
    pooled_in = summarize([o for f in folds for o in f.in_sample_outcomes])
    pooled_out = summarize([o for f in folds for o in f.held_out_outcomes])
    cells = [f"{_fmt(_value(pooled_in, g, m))}→{_fmt(_value(pooled_out, g, m))}".rjust(13) for _, g, m in COLUMNS]
    lines.append("  ".join(["all sets pooled".ljust(28), *cells]))
    return "\n".join(lines)


def folds_json(folds: Sequence[Fold]) -> dict[str, Any]:
    return {
        Path(f.name).stem: {
            "abstention": f.abstention.thresholds(),
            "in_sample": {c[0]: _value(f.in_sample, c[1], c[2]) for c in COLUMNS},
            "held_out": {c[0]: _value(f.held_out, c[1], c[2]) for c in COLUMNS},
        }
        for f in folds
    }
