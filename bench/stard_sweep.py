"""Fusion sweep on STARD: the product's ranking settings (dense weight, statute prior, role prior), per split.

Runs the product itself: the library, ``Searcher``, lexical and dense indexes of ``qa stard`` (same
folder, so the index ``qa stard`` built is reused). Each question is prepared once
(``Searcher.prepare``: BM25, coverage, FAISS) and ranked under every setting (``Searcher.answer``
with a ``qa.search.Ranking``), then scored by ``qa.measure.stard.run``: the row marked ``*`` (the
product's settings) is exactly ``qa stard``'s figure. The defaults in ``qa.search.Ranking``
(``hybrid_weight``, ``statute_prior``) were chosen on ``--split dev``; ``--split held-out`` checks them. A
collection's role prior (``COLLECTION_ROLE_PRIOR``) was checked on dev and kept.

    .venv/bin/python bench/stard_sweep.py --split dev
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Iterable, Sequence

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from qa.measure.stard import LabelMap, Query, Scores, run  # noqa: E402
from qa.search import Searcher  # noqa: E402
from qa.search.settings import Ranking, ranking_for  # noqa: E402


@dataclass(frozen=True)
class Setting:
    label: str
    retriever: str
    ranking: Ranking


#: The product's ranking over a library (a collection's defaults: ``qa.search.settings.ranking_for``).
BASE = ranking_for("e5+use", regulations=2)

#: What the sweep compares; the product's settings are ``BASE``.
SETTINGS = (
    Setting("dense", "dense", BASE),
    Setting("bm25", "bm25", BASE),
    *(Setting(f"hybrid, dense weight {w}, no statute prior", "hybrid", replace(BASE, hybrid_weight=w, statute_prior=0.0)) for w in (0.5, 0.6, 0.7, 0.8, 0.9)),
    *(Setting(f"hybrid 0.7 + statute prior {p}", "hybrid", replace(BASE, statute_prior=p)) for p in (0.05, 0.1, 0.15)),
    *(Setting(f"hybrid 0.7 + statute prior 0.1, role prior {r}", "hybrid", replace(BASE, role_prior=r)) for r in (0.0, 0.3, 0.4)),
)


@dataclass(frozen=True)
class _Shown:
    """What ``qa.measure.stard.run`` reads of a hit."""

    regulation_title: str
    article: int
    suffix: int


@dataclass(frozen=True)
class _Ranked:
    hits: tuple[_Shown, ...]


class _Replay:
    """What ``qa.measure.stard.run`` asks of a searcher, answered from rankings made beforehand."""

    def __init__(self, answers: dict[str, _Ranked]):
        self.answers = answers

    def search(self, question: str, k: int = 5, retriever: str = "hybrid") -> _Ranked:
        return self.answers[question]


def sweep(
    searcher: Searcher, queries: Sequence[Query], labels: LabelMap, settings: Iterable[Setting] = SETTINGS, *, progress: bool = False
) -> list[tuple[Setting, Scores]]:
    """Every setting's scores over ``queries`` (those with a label in the library), as ``qa stard`` scores them.

    Each question is prepared once and answered under every setting; only the ranked article keys
    are kept, so a thousand questions over the whole library fit in memory."""
    settings = list(settings)
    scorable = [q for q in queries if any(n in labels.mapped for n in q.labels)]
    kind = "bm25" if all(s.retriever == "bm25" for s in settings) else "hybrid"
    items: Iterable[Query] = scorable
    if progress:
        from tqdm import tqdm

        items = tqdm(scorable, desc="STARD sweep", unit="q")
    answers: list[dict[str, _Ranked]] = [{} for _ in settings]
    for query in items:
        prepared = searcher.prepare(query.question, k=100, retriever=kind)
        for setting, store in zip(settings, answers):
            answer = searcher.answer(prepared, ranking=setting.ranking, retriever=setting.retriever)
            store[query.question] = _Ranked(tuple(_Shown(h.regulation_title, h.article, h.suffix) for h in answer.hits))
    return [
        (setting, run(_Replay(store), scorable, labels, [setting.retriever]).scores[setting.retriever])  # type: ignore[arg-type]
        for setting, store in zip(settings, answers)
    ]


def main(argv: list[str] | None = None) -> int:
    from qa.config import library_dir, stard_index_dir, stard_queries
    from qa.corpus.library import load_library
    from qa.measure.stard import load_queries, map_labels, split_of

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--split", choices=["dev", "held-out"], default="dev")
    parser.add_argument("--model", default="e5+use", help="embedding model, as for qa stard")
    parser.add_argument("--index-dir", help="where qa stard keeps the library's index (default: as qa stard)")
    args = parser.parse_args(argv)
    if not stard_queries().is_file() or not library_dir().exists():
        print(f"STARD or the library not found ({stard_queries()}, {library_dir()})", file=sys.stderr)
        return 2
    library = load_library(library_dir(), exclude=["DLC"], log=lambda m: None)
    queries = [q for q in load_queries(stard_queries()) if split_of(q) == args.split]
    labels = map_labels(library, queries)
    folder = stard_index_dir(library_dir(), args.index_dir)
    searcher = Searcher(library, embedder=args.model, index_dir=folder, abstain=False, log=lambda m: print(m, file=sys.stderr))
    results = sweep(searcher, queries, labels, progress=True)
    print(f"STARD {args.split}: {results[0][1].questions} questions, {len(searcher.docs)} articles (* = the product's settings)")
    for setting, s in results:
        mark = "*" if setting.ranking == searcher.ranking else " "
        print(f"{mark} {setting.label:<48} R@5 {s.recall_at_5:.3f}  R@10 {s.recall_at_10:.3f}  R@100 {s.recall_at_100:.3f}  hit@1 {s.hit_at_1:.3f}  MRR@10 {s.mrr:.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
