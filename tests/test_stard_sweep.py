"""bench/stard_sweep.py runs the product's own code: at the product's settings it reproduces
``qa.measure.stard.run`` exactly (real STARD questions over a small real library, hash embedder).

Skipped when ../shared (the law library and STARD) is not beside the project.
"""

from __future__ import annotations

from dataclasses import asdict, replace
from pathlib import Path

import pytest

from qa.corpus.library import load_library
from qa.measure.stard import load_queries, map_labels, run
from qa.search import Searcher
from qa.search.settings import ranking_for
from tests.bench import bench_module

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
LIBRARY = SHARED / "regulations" / "library"
QUERIES = SHARED / "benchmarks" / "stard" / "queries-train.json"
FILES = (LIBRARY / "社会法" / "劳动合同法(2012-12-28).md", LIBRARY / "行政法规" / "劳动合同法实施条例(2008-09-18).md")


def test_the_sweep_at_the_product_settings_is_qa_stard(tmp_path: Path) -> None:
    for path in (QUERIES, *FILES):
        if not path.exists():
            pytest.skip(f"{path} is absent (../shared is not beside the project)")
    sweep = bench_module("stard_sweep")
    library = [r for f in FILES for r in load_library(f, log=lambda m: None)]
    labels_all = load_queries(QUERIES)
    mapped = map_labels(library, labels_all)
    queries = [q for q in labels_all if any(n in mapped.mapped for n in q.labels)][:15]
    labels = map_labels(library, queries)
    assert len(queries) == 15
    searcher = Searcher(library, embedder="hash", index_dir=tmp_path, abstain=False, log=lambda m: None, progress=False)
    own = searcher.ranking
    settings = [
        sweep.Setting("dense", "dense", own),
        sweep.Setting("bm25", "bm25", own),
        sweep.Setting("hybrid", "hybrid", own),
        sweep.Setting("hybrid, statute prior 10", "hybrid", replace(own, statute_prior=10.0)),
    ]
    results = sweep.sweep(searcher, queries, labels, settings)
    product = run(searcher, queries, labels, ["dense", "bm25", "hybrid"]).scores

    def figures(scores: object) -> dict:
        return {k: v for k, v in asdict(scores).items() if not k.endswith("_ms")}  # type: ignore[call-overload]

    for setting, scores in results[:3]:
        assert figures(scores) == figures(product[setting.retriever]), setting.label
    assert results[0][1].questions == 15
    strong = Searcher(library, embedder="hash", index_dir=tmp_path, ranking=replace(own, statute_prior=10.0), abstain=False, log=lambda m: None, progress=False)
    assert figures(results[3][1]) == figures(run(strong, queries, labels, ["hybrid"]).scores["hybrid"])


def test_the_default_settings_include_the_products() -> None:
    sweep = bench_module("stard_sweep")
    own = ranking_for("e5+use", regulations=2)
    assert {(s.retriever, s.ranking) for s in sweep.SETTINGS} >= {("dense", own), ("bm25", own), ("hybrid", own)}
