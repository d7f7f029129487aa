"""The benchmark's typed results: what each worker process returns, and the whole report.

Workers run in fresh processes and hand their result back as one JSON line; :func:`from_json` and
:func:`to_json` convert (pydantic, which Gradio already brings, validates the nested dataclasses).
A field a step did not measure is None and left out of the JSON, so ``qa bench --json`` lists
only what was measured (hence every optional field has the default None). ``error`` is set when a step failed; its other fields are then empty.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, TypeVar

from pydantic import TypeAdapter

from qa.measure.bench.host import Machine
from qa.measure.bench.stream import CacheRun
from qa.measure.metrics import Percentiles

__all__ = [
    "WorkerSpec",
    "Warm",
    "Build",
    "Start",
    "Memory",
    "SearchTiming",
    "AnnSetting",
    "Ann",
    "CitationCheck",
    "Measure",
    "ScaleEntry",
    "Target",
    "BenchReport",
    "from_json",
    "to_json",
]

T = TypeVar("T")


@dataclass(frozen=True)
class WorkerSpec:
    """What one worker process measures: the bundled corpus, or a scale of ``library``."""

    model: str
    corpus: str
    library: str
    queries: int
    folder: str
    max_embed_minutes: float = 45.0
    ann_sweep: bool = False
    bundled: bool = True
    scale_articles: int | None = None
    store: str | None = None
    approximate: bool | None = None
    query_encoder: str | None = None
    eval_dir: str | None = None
    launched: float = 0.0


@dataclass(frozen=True)
class Warm:
    """Filling the shared embedding store before a scale's index is built."""

    complete: bool
    embedded: int
    missing: int
    seconds: float
    passages_per_s: float | None = None


@dataclass(frozen=True)
class Build:
    """Worker ``build``: corpus and model loaded, the index built (bundled: cold, then with the cache warm)."""

    regulations: int | None = None
    articles: int | None = None
    units: int | None = None
    skipped_documents: dict[str, int] = field(default_factory=dict)
    corpus_load_s: float | None = None
    model_load_s: float | None = None
    index_build_s: float | None = None
    index_rebuild_cached_s: float | None = None
    embedded: int | None = None
    kind: str | None = None
    passages_per_s: float | None = None
    warm: Warm | None = None
    reused_index_built_at: str | None = None
    index_build_per_1k_articles_s: float | None = None
    error: str | None = None


@dataclass(frozen=True)
class Start:
    """Worker ``start``: seconds from launching a fresh process to its first answers."""

    imports_s: float | None = None
    first_answer_s: float | None = None
    first_answer_ok: bool | None = None
    first_answer_citation: str | None = None
    first_dense_answer_s: float | None = None
    dense_ok: bool | None = None
    error: str | None = None


@dataclass(frozen=True)
class Memory:
    """RSS in MB, by differences in one process: corpus → model → Searcher → a second copy of the vectors."""

    baseline_mb: float
    corpus_mb: float
    model_mb: float
    vectors_mb: float
    bm25_and_docs_mb: float
    peak_rss_mb: float


@dataclass(frozen=True)
class SearchTiming(Percentiles):
    """FAISS search alone, for ``k`` neighbours (what the Searcher asks for at k = 5)."""

    k: int = 0


@dataclass(frozen=True)
class AnnSetting:
    index: str
    build_s: float
    ms_p50: float
    ms_p95: float
    recall_at_10: float


@dataclass(frozen=True)
class Ann:
    """Recall@10 of the approximate index against exact search; ``sweep`` compares other settings."""

    recall_at_10: float
    exact_ms_per_query: float
    sweep: list[AnnSetting] | None = None


@dataclass(frozen=True)
class CitationCheck:
    """A citation question at scale and whether its first hit is the article it names."""

    question: str
    ok: bool
    ms: float
    got: str | None = None
    message: str | None = None


@dataclass(frozen=True)
class Measure:
    """Worker ``measure``: memory, warm latency per retriever, ANN recall and citations."""

    regulations: int | None = None
    articles: int | None = None
    vectors: int | None = None
    kind: str | None = None
    dim: int | None = None
    query_ms: dict[str, Percentiles] | None = None
    query_cpu_ms: dict[str, Percentiles] | None = None
    memory: Memory | None = None
    ratios: dict[str, float] | None = None
    searcher_init_s: float | None = None
    index_load_s: float | None = None
    dense_top_k: int | None = None
    faiss_search_ms: SearchTiming | None = None
    ann: Ann | None = None
    citations: list[CitationCheck] = field(default_factory=list)
    cache: CacheRun | None = None
    error: str | None = None

    @property
    def recall_at_10(self) -> float | None:
        """ANN recall@10; 1 for an exact (flat) index."""
        if self.ann is not None:
            return self.ann.recall_at_10
        return 1.0 if self.kind == "flat" else None


@dataclass(frozen=True)
class ScaleEntry:
    scale: str
    build: Build
    measure: Measure | None = None


@dataclass(frozen=True)
class Target:
    """One goal of the benchmark and whether the run met it (None: not measured)."""

    target: str
    goal: str
    measured: float | None = None
    met: bool | None = None


@dataclass(frozen=True)
class BenchReport:
    """A whole ``qa bench`` run."""

    model: str
    queries: int
    machine: Machine
    corpus: str
    build: Build
    start: Start
    bundled: Measure
    start_cold: Start | None = None
    scales: list[ScaleEntry] = field(default_factory=list)
    targets: list[Target] = field(default_factory=list)
    query_encoder: str | None = None

    @property
    def failed(self) -> dict[str, str]:
        """The bundled steps that failed, with their errors."""
        steps = {"build": self.build.error, "start": self.start.error, "bundled": self.bundled.error}
        return {step: error for step, error in steps.items() if error}

    def to_dict(self) -> dict[str, Any]:
        """The JSON of ``qa bench --json``: the report, with the headline figures also at the top level."""
        data = to_json(self)
        data.update(
            index_build_s=self.build.index_build_s,
            start_to_first_answer_s=self.start.first_answer_s,
            start_to_first_dense_answer_s=self.start.first_dense_answer_s,
            query_ms=data["bundled"].get("query_ms"),
            ratios=self.bundled.ratios,
            memory=data["bundled"].get("memory"),
        )
        return data


_ADAPTERS: dict[type, TypeAdapter[Any]] = {}


def _adapter(kind: type) -> TypeAdapter[Any]:
    if kind not in _ADAPTERS:
        _ADAPTERS[kind] = TypeAdapter(kind)
    return _ADAPTERS[kind]


def from_json(kind: type[T], data: Any) -> T:
    """A result of type ``kind`` from its JSON form (a dict); raises pydantic's ValidationError if it is not one."""
    result: T = _adapter(kind).validate_python(data)
    return result


def to_json(result: Any) -> dict[str, Any]:
    """The JSON form of a result: plain dicts and lists, unmeasured (None) fields left out."""
    data: dict[str, Any] = _adapter(type(result)).dump_python(result, exclude_none=True)
    return data
