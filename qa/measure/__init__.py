"""Measuring the engine: retrieval quality (evaluate, stard), speed and memory (bench), load (loadtest).

Every report takes its figures from :mod:`qa.measure.metrics` (one definition of each measure) and
drives the product only through its public API: the Searcher, the library loader, the app's
``/search`` (:mod:`qa.measure.client`). The modules are not imported here: each is also run as
``python -m qa.measure.<name>``.
"""

__all__ = ["bench", "client", "evaluate", "inputs", "loadtest", "metrics", "stard"]
