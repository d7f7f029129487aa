"""``qa bench``: start-up, index build, query latency, memory and ANN recall, on the bundled corpus and at scale.

Every figure that depends on a clean process (start-up, memory) is measured in a fresh subprocess
(:mod:`~qa.measure.bench.workers`, ``python -m qa.measure.bench --worker``), so one run never pollutes
the next. Retrievers are timed side by side on the same questions, interleaved in rotating order, and
the report gives ratios (hybrid/dense, …) as well as absolute times, because absolute times drift
with the machine's load.

Scale corpora are whole regulations from the law library (``--library``), loaded as the app loads it
(:mod:`~qa.measure.bench.corpora`): the regulations of the evaluation sets first, then others in a
fixed pseudo-random order, until about N articles are loaded (``all`` = every document that
imports). Documents the importer rejects are skipped and counted. Embeddings are cached under
``--index-root`` (``index/bench`` by default), so only the first run at a scale pays for embedding;
that step prints progress and stops after ``--max-embed-minutes``.
"""

from qa.measure.bench.command import DESCRIPTION, add_arguments, main, run, run_args
from qa.measure.bench.corpora import load_regulations, parse_scales, scale_label, scale_library
from qa.measure.bench.report import render, targets
from qa.measure.bench.results import BenchReport, from_json

__all__ = [
    "DESCRIPTION",
    "BenchReport",
    "add_arguments",
    "from_json",
    "load_regulations",
    "main",
    "parse_scales",
    "render",
    "run",
    "run_args",
    "scale_label",
    "scale_library",
    "targets",
]
