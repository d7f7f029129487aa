"""STARD: real citizens' legal questions, each labelled with the statute articles that answer it.

STARD (THUIR 2024, MIT) labels each question with article names such as ``建筑法第四十八条`` or
``中华人民共和国民法典第一千零七十九条``. We map every label to an article of a library loaded by
:func:`qa.corpus.library.load_library` (the same importer, index and :class:`~qa.search.searcher.Searcher` as the
app), ask each question with abstention off, and score the ranking.

The questions are split once, by id, into a tuning part (``dev``) and a ``held-out`` part (every
fifth id) that no tuning decision looks at; both are reported.
"""

from __future__ import annotations

import re
import time
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Sequence

from qa.corpus.library import title_key
from qa.corpus.model import CorpusError, Regulation
from qa.lang.numerals import from_chinese
from qa.measure.inputs import read_json
from qa.measure.metrics import COMPARED_RETRIEVERS, first_rank, hit_at, mean, percentile, recall_at, reciprocal_rank, share
from qa.search.searcher import Searcher

__all__ = [
    "Query",
    "LabelMap",
    "Scores",
    "Report",
    "load_queries",
    "parse_label",
    "map_labels",
    "split_of",
    "run",
    "format_report",
]

#: Every fifth question (by id) is held out from tuning.
HELD_OUT_EVERY = 5
_LABEL = re.compile(r"^(.+?)第([零〇一二三四五六七八九十百千]+)条(?:之([一二三四五六七八九十]+))?$")


@dataclass(frozen=True)
class Query:
    """One question with the names of the articles that answer it (and their text, as STARD gives it)."""

    id: int
    question: str
    labels: tuple[str, ...]
    label_texts: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class LabelMap:
    """Labels found in the library (as ``(title key, article, suffix)``) and those not found, with why."""

    mapped: dict[str, tuple[str, int, int]]
    unmapped: dict[str, str]
    text_agrees: int

    @property
    def share(self) -> float:
        total = len(self.mapped) + len(self.unmapped)
        return len(self.mapped) / total if total else 0.0


@dataclass(frozen=True)
class Scores:
    """Ranking quality of one retriever over a set of questions (recall@k averaged over questions)."""

    retriever: str
    questions: int
    recall_at_5: float
    recall_at_10: float
    recall_at_100: float
    hit_at_1: float
    mrr: float
    p50_ms: float
    p95_ms: float


@dataclass(frozen=True)
class Report:
    """A whole run: label mapping, and scores per retriever for all questions and for each split."""

    questions: int
    scored: int
    labels: int
    mapped_share: float
    unmapped: dict[str, str]
    text_agreement: float
    scores: dict[str, Scores]
    by_split: dict[str, dict[str, Scores]]

    def to_dict(self) -> dict:
        data = asdict(self)
        data.update({name: asdict(s) for name, s in self.scores.items()})
        return data


def load_queries(path: str | Path) -> list[Query]:
    """STARD's JSON list (``query_id``, ``问题``, ``match_name``, ``相关法规``); CorpusError if the file is not that."""
    path = Path(path)
    records = read_json(path)
    if not isinstance(records, list):
        raise CorpusError(path, None, "stard", "expected a JSON list of questions")
    queries = []
    for n, r in enumerate(records, 1):
        try:
            queries.append(Query(int(r["query_id"]), str(r["问题"]), tuple(r["match_name"]), {str(k): str(v) for k, v in (r.get("相关法规") or {}).items()}))
        except (TypeError, KeyError, ValueError, AttributeError) as exc:
            raise CorpusError(path, None, "stard", f"question {n} lacks query_id, 问题 or match_name ({exc!r})") from exc
    return queries


def parse_label(name: str) -> tuple[str, int, int] | None:
    """``中华人民共和国刑法第二百五十三条之一`` → (``刑法``, 253, 1)."""
    match = _LABEL.match(name.strip())
    if not match:
        return None
    return title_key(match.group(1)), from_chinese(match.group(2)), from_chinese(match.group(3)) if match.group(3) else 0


def map_labels(library: Sequence[Regulation], queries: Iterable[Query]) -> LabelMap:
    """Find each label's article; say why for those not found. ``text_agrees`` counts mapped labels
    whose article text (spaces aside) equals the text STARD gives — a check that the right version
    of each law was loaded."""
    by_title = {title_key(r.title): r for r in library}
    mapped: dict[str, tuple[str, int, int]] = {}
    unmapped: dict[str, str] = {}
    agrees = 0
    for query in queries:
        for name in query.labels:
            if name in mapped or name in unmapped:
                continue
            parsed = parse_label(name)
            if parsed is None:
                unmapped[name] = "not of the form <title>第X条"
                continue
            key, number, suffix = parsed
            regulation = by_title.get(key)
            if regulation is None:
                unmapped[name] = f"no regulation titled {key} in the library"
                continue
            article = regulation.article(number, suffix)
            if article is None:
                unmapped[name] = f"{regulation.title} has no such article here"
                continue
            mapped[name] = parsed
            expected = query.label_texts.get(name)
            agrees += expected is not None and _squeeze(expected) == _squeeze(article.text)
    return LabelMap(mapped, unmapped, agrees)


def _squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


def split_of(query: Query) -> str:
    return "held-out" if query.id % HELD_OUT_EVERY == HELD_OUT_EVERY - 1 else "dev"


def run(
    searcher: Searcher,
    queries: Sequence[Query],
    labels: LabelMap,
    retrievers: Sequence[str] = COMPARED_RETRIEVERS,
    *,
    progress: bool = False,
    on_result: Callable[[Query, str, list[tuple[str, int, int]]], None] | None = None,
) -> Report:
    """Ask every question whose labels map to the library, top 100 articles per retriever."""
    scorable = [q for q in queries if any(n in labels.mapped for n in q.labels)]
    per: dict[str, dict[str, list[tuple[set, list, float]]]] = {r: defaultdict(list) for r in retrievers}
    for retriever in retrievers:
        items: Iterable[Query] = scorable
        if progress:
            from tqdm import tqdm

            items = tqdm(scorable, desc=f"STARD · {retriever}", unit="q")
        for query in items:
            gold = {labels.mapped[n] for n in query.labels if n in labels.mapped}
            started = time.perf_counter()
            answer = searcher.search(query.question, k=100, retriever=retriever)
            elapsed = (time.perf_counter() - started) * 1000
            ranked = [(title_key(h.regulation_title), h.article, h.suffix) for h in answer.hits]
            per[retriever][split_of(query)].append((gold, ranked, elapsed))
            if on_result is not None:
                on_result(query, retriever, ranked)
    total = len(labels.mapped) + len(labels.unmapped)
    return Report(
        questions=len(queries),
        scored=len(scorable),
        labels=total,
        mapped_share=round(labels.share, 4),
        unmapped=dict(sorted(labels.unmapped.items())),
        text_agreement=round(labels.text_agrees / len(labels.mapped), 4) if labels.mapped else 0.0,
        scores={r: _scores(r, [x for rows in per[r].values() for x in rows]) for r in retrievers},
        by_split={s: {r: _scores(r, per[r][s]) for r in retrievers} for s in ("dev", "held-out")},
    )


def _scores(retriever: str, rows: list[tuple[set, list, float]]) -> Scores:
    if not rows:
        return Scores(retriever, 0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0)

    def recall(k: int) -> float:
        return mean([recall_at(ranked, gold, k) for gold, ranked, _ in rows])

    ranks = [first_rank(ranked, gold) for gold, ranked, _ in rows]
    times = [t for _, _, t in rows]
    return Scores(
        retriever=retriever,
        questions=len(rows),
        recall_at_5=round(recall(5), 4),
        recall_at_10=round(recall(10), 4),
        recall_at_100=round(recall(100), 4),
        hit_at_1=round(share([hit_at(rank, 1) for rank in ranks]), 4),
        mrr=round(mean([reciprocal_rank(rank) for rank in ranks]), 4),
        p50_ms=round(percentile(times, 50), 1),
        p95_ms=round(percentile(times, 95), 1),
    )


def format_report(report: Report) -> str:
    lines = [
        f"STARD: {report.scored} of {report.questions} questions scored; {report.mapped_share:.2%} of {report.labels} labelled articles "
        f"mapped to the library (text identical for {report.text_agreement:.0%} of those)",
    ]
    for name, scores in [("all", report.scores)] + [(s, v) for s, v in report.by_split.items()]:
        n = next(iter(scores.values())).questions if scores else 0
        if not n and name != "all":
            continue  # a split none of the asked questions belong to (--split held-out)
        lines += ["", f"{name} ({n} questions)", "retriever  R@5    R@10   R@100  hit@1  MRR@10  p50 ms  p95 ms"]
        lines += [
            f"{s.retriever:<9}  {s.recall_at_5:.3f}  {s.recall_at_10:.3f}  {s.recall_at_100:.3f}  {s.hit_at_1:.3f}  {s.mrr:.3f}   {s.p50_ms:>6.1f}  {s.p95_ms:>6.1f}"
            for s in scores.values()
        ]
    if report.unmapped:
        lines += ["", f"labels not mapped ({len(report.unmapped)}):"] + [f"  {name}: {why}" for name, why in report.unmapped.items()]
    return "\n".join(lines)
