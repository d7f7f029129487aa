"""Measuring the engine: retrieval quality (evaluate, stard), speed and memory (bench), load (loadtest).

Every report takes its figures from :mod:`qa.measure.metrics` (one definition of each measure) and
drives the product only through its public API: the Searcher, the library loader, the app's ``/search``.
"""

from qa.measure import metrics, inputs, evaluate, stard, client, loadtest, bench

__all__ = ["bench", "client", "evaluate", "inputs", "loadtest", "metrics", "stard"]
