"""Training a query-side adapter for the dense retriever, with the passage vectors fixed (no index rebuild).

Data flow: :mod:`qa.train.vectors` (article vectors from the index's embedding cache, questions encoded
once and cached), :mod:`qa.train.pairs` (STARD question → article pairs, and pairs mined from the library
itself), :mod:`qa.train.fit` (the training loop: full softmax over every article, seeded, resumable),
:mod:`qa.train.evaluate` (exact dense scoring, cross-validation, leave-laws-out), :mod:`qa.train.data` (the
library, questions, pairs and vectors loaded one way, for ``qa train`` and the bench scripts that retrain), :mod:`qa.train.command` (``qa train``).
"""
