"""Score retrieval on a gold question set: hit@k, MRR@10, abstention, latency — per kind and language.

Question files are JSON Lines, exactly
``{"id", "question", "lang": "zh"|"en", "kind": "paraphrase"|"keyword"|"citation"|"out_of_scope", "expected": [int | str]}``:
article numbers, and the names of front matter (``"announcement"``, ``"adoption"``, ``"contents"``)
where that answers the question. An answer's ranking is its articles, then the front matter it shows.
An abstained answer shows nothing, so it scores as a miss on in-scope questions.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from itertools import product
from pathlib import Path
from typing import Any, Iterable, Sequence

import numpy as np

from qa.corpus.model import FRONT_KINDS, CorpusError
from qa.measure.inputs import json_lines
from qa.measure.metrics import first_rank, hit_at, mean, percentile, reciprocal_rank, share
from qa.search import Abstention, Answer, Searcher

__all__ = ["Question", "Outcome", "load_questions", "outcome_of", "run", "summarize", "format_table", "calibrate", "KINDS", "LANGS"]

KINDS = ("paraphrase", "keyword", "citation", "out_of_scope")
LANGS = ("zh", "en")
_KEYS = {"id", "question", "lang", "kind", "expected"}
_FRONT = (*FRONT_KINDS, "contents")


@dataclass(frozen=True)
class Question:
    id: str
    question: str
    lang: str
    kind: str
    expected: tuple[int | str, ...]

    @property
    def in_scope(self) -> bool:
        return self.kind != "out_of_scope"


@dataclass(frozen=True)
class Outcome:
    """One question's result: the 1-based rank of the first expected article (None if absent)."""

    question: Question
    rank: int | None
    abstained: bool
    latency_ms: float
    signals: dict[str, float]
    returned: tuple[int | str, ...]


def load_questions(path: str | Path) -> list[Question]:
    """Read and validate a question file; any defect (a missing file too) raises CorpusError, with the line number."""
    path = Path(path)
    questions: list[Question] = []
    seen: set[str] = set()
    for lineno, rec in json_lines(path):
        if not isinstance(rec, dict) or set(rec) != _KEYS:
            raise CorpusError(path, lineno, "keys", f"expected exactly the keys {sorted(_KEYS)}")
        if rec["lang"] not in LANGS or rec["kind"] not in KINDS:
            raise CorpusError(path, lineno, "value", f"lang must be one of {LANGS} and kind one of {KINDS}")
        expected = rec["expected"]
        if not isinstance(expected, list) or not all((isinstance(n, int) and not isinstance(n, bool)) or n in _FRONT for n in expected):
            raise CorpusError(path, lineno, "expected", f"expected must be a list of article numbers (integers) and front matter names ({', '.join(_FRONT)})")
        if (rec["kind"] == "out_of_scope") != (not expected):
            raise CorpusError(path, lineno, "expected", "expected is [] exactly for out_of_scope questions")
        if rec["id"] in seen:
            raise CorpusError(path, lineno, "id", f"duplicate id {rec['id']!r}")
        seen.add(rec["id"])
        questions.append(Question(rec["id"], rec["question"], rec["lang"], rec["kind"], tuple(expected)))
    return questions


def outcome_of(question: Question, answer: Answer) -> Outcome:
    """Score one answer against its question."""
    returned: tuple[int | str, ...] = (*(h.article for h in answer.hits), *(f.kind for f in answer.front))
    return Outcome(question, first_rank(returned, question.expected), answer.abstained, answer.elapsed_ms, dict(answer.signals), returned)


def run(searcher: Searcher, questions: Iterable[Question], retriever: str = "hybrid", k: int = 10) -> list[Outcome]:
    return [outcome_of(q, searcher.search(q.question, k=k, retriever=retriever)) for q in questions]


def _metrics(outcomes: Sequence[Outcome]) -> dict[str, float | int | None]:
    scoped = [o for o in outcomes if o.question.in_scope]
    oos = [o for o in outcomes if not o.question.in_scope]

    def rate(flags: Sequence[bool]) -> float | None:
        return round(share(flags), 4) if flags else None

    def hit(k: int) -> float | None:
        return rate([hit_at(o.rank, k) for o in scoped])

    return {
        "n": len(outcomes),
        "n_in_scope": len(scoped),
        "n_out_of_scope": len(oos),
        "hit_at_1": hit(1),
        "hit_at_3": hit(3),
        "hit_at_5": hit(5),
        "mrr": round(mean([reciprocal_rank(o.rank) for o in scoped]), 4) if scoped else None,
        "abstain_accuracy": rate([o.abstained for o in oos]),
        "false_abstain_rate": rate([o.abstained for o in scoped]),
    }


def summarize(outcomes: Sequence[Outcome]) -> dict[str, Any]:
    """Overall metrics plus ``by_kind``, ``by_lang`` and ``by_kind_lang`` breakdowns and latency."""
    latencies = [o.latency_ms for o in outcomes] or [0.0]
    summary: dict[str, Any] = dict(_metrics(outcomes))
    summary["by_kind"] = {k: _metrics([o for o in outcomes if o.question.kind == k]) for k in KINDS if any(o.question.kind == k for o in outcomes)}
    summary["by_lang"] = {l: _metrics([o for o in outcomes if o.question.lang == l]) for l in LANGS if any(o.question.lang == l for o in outcomes)}
    summary["by_kind_lang"] = {
        f"{k}/{l}": _metrics(group)
        for k, l in product(KINDS, LANGS)
        if (group := [o for o in outcomes if o.question.kind == k and o.question.lang == l])
    }
    summary["latency_ms"] = {"p50": round(percentile(latencies, 50), 2), "p95": round(percentile(latencies, 95), 2)}
    summary["misses"] = [
        {"id": o.question.id, "question": o.question.question, "expected": list(o.question.expected), "returned": list(o.returned), "abstained": o.abstained}
        for o in outcomes
        if (o.question.in_scope and (o.rank is None or o.rank > 3)) or (not o.question.in_scope and not o.abstained)
    ]
    return summary


def _fmt(value: float | int | None) -> str:
    return "—" if value is None else (f"{value:.2f}" if isinstance(value, float) else str(value))


def format_table(summary: dict, title: str = "") -> str:
    """A plain-text table: one row per kind/language group, then per kind, per language and overall."""
    cols = ("n", "hit_at_1", "hit_at_3", "hit_at_5", "mrr", "abstain_accuracy", "false_abstain_rate")
    head = ("group", "n", "hit@1", "hit@3", "hit@5", "MRR@10", "abstain", "false-abst")
    rows = [(name, *(_fmt(m[c]) for c in cols)) for name, m in summary["by_kind_lang"].items()]
    rows += [(f"{name} (all)", *(_fmt(m[c]) for c in cols)) for name, m in summary["by_kind"].items()]
    rows += [(f"{name} (all)", *(_fmt(m[c]) for c in cols)) for name, m in summary["by_lang"].items()]
    rows.append(("OVERALL", *(_fmt(summary[c]) for c in cols)))
    widths = [max(len(str(r[i])) for r in (head, *rows)) for i in range(len(head))]
    lines = [title] if title else []
    lines.append("  ".join(h.ljust(w) for h, w in zip(head, widths)))
    lines += ["  ".join(str(c).ljust(w) for c, w in zip(r, widths)) for r in rows]
    lat = summary["latency_ms"]
    lines.append(f"latency p50 {lat['p50']:.1f} ms, p95 {lat['p95']:.1f} ms")
    return "\n".join(lines)


def _abstains(o: Outcome, dense: float, lexical: float, monolingual: float) -> bool:
    """Whether the top article's signals fall below every threshold (role evidence and front matter answer
    whatever the thresholds), or the quantity veto holds (``no_quantity``; front matter still answers).
    ``translated`` is an English question's coverage of our translation, judged by ``monolingual``
    (``Abstention.lexical_translated``, never calibrated)."""
    signals = o.signals
    return (
        signals.get("dense", 0) < dense and signals.get("lexical", 0) < lexical and signals.get("translated", 0) < monolingual
        and not signals.get("role") and not signals.get("front")
    ) or (bool(signals.get("no_quantity")) and not signals.get("front"))


def calibrate(outcomes: Sequence[Outcome], max_false_abstain: float = 0.05) -> tuple[Abstention, dict]:
    """Pick, per language, the dense and lexical thresholds that abstain most on out-of-scope questions
    while false abstention on in-scope ones stays at or below ``max_false_abstain``.

    Citation questions are excluded (they never abstain). Run it on several sets at once so that no
    single set dictates the thresholds; the outcomes must come from a hybrid run (both signals). Among
    equally good pairs the middle of the band is taken.
    """
    usable = [o for o in outcomes if o.question.kind != "citation"]
    chosen: dict[str, Any] = {}
    figures: dict[str, float] = {}
    monolingual = Abstention().lexical_translated
    for lang in LANGS:
        group = [o for o in usable if o.question.lang == lang]
        if not group:
            continue
        scoped = [o for o in group if o.question.in_scope]
        oos = [o for o in group if not o.question.in_scope]
        feasible: list[tuple[float, float, float, float]] = []
        for lexical in np.arange(0.2, 1.01, 0.05):
            for dense in np.arange(0.30, 0.95, 0.005):
                false_rate = sum(_abstains(o, dense, lexical, monolingual) for o in scoped) / max(len(scoped), 1)
                if false_rate <= max_false_abstain:
                    accuracy = sum(_abstains(o, dense, lexical, monolingual) for o in oos) / max(len(oos), 1)
                    feasible.append((accuracy, -false_rate, float(dense), float(lexical)))
        if not feasible:
            continue
        top = max(f[:2] for f in feasible)
        band = sorted((f[3], f[2]) for f in feasible if f[:2] == top)
        lexical, dense = band[len(band) // 2]
        chosen |= {f"dense_{lang}": round(dense, 3), f"lexical_{lang}": round(lexical, 3)}
        figures |= {f"abstain_accuracy_{lang}": round(top[0], 4), f"false_abstain_rate_{lang}": round(-top[1], 4)}
    return replace(Abstention(), **chosen), figures
