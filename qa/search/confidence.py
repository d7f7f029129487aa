"""Calibrated confidence that a question is answerable: several signals → one logistic probability.

The per-language thresholds of :class:`qa.search.settings.Abstention` look at the best article's cosine and its
term coverage one at a time. Signals that say how much the best article *stands out* — its margin over the
next article, its distance above the corpus's background similarity, whether the dense and lexical channels
agree on it — carry over between regulations better than raw cosines do (each corpus has its own level).
:func:`features` measures them from a question's :class:`~qa.search.fusion.ArticleSignals`; a
:class:`Confidence` (one logistic model per language, fitted by :mod:`qa.measure.calibration` with
leave-one-regulation-out) turns them into P(answerable) and abstains below its threshold. A model may cover
one language only: the other keeps the thresholds (English decides by one for e5+use and for EmbeddingGemma,
:data:`qa.search.settings.MODEL_CONFIDENCE`).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Mapping

import numpy as np

if TYPE_CHECKING:
    from qa.search.fusion import ArticleSignals

__all__ = ["FEATURES", "LanguageModel", "Confidence", "features", "load", "DEFAULT_PATH", "GEMMA_PATH"]

#: The signals, in the order of a model's weights:
#: ``dense`` the best article's cosine; ``margin`` its lead over the second article; ``spread`` its lead over
#: the corpus's mean cosine in standard deviations; ``coverage`` the best idf-weighted share of the question's
#: terms in one article (English: renderings count ``cross_weight``); ``coverage_top`` that share in the
#: dense-best article; ``agree`` 1 when the dense-best article is also the BM25-best; ``role`` 1 when an
#: article plays the structural role the question asks about and holds the rest of it.
FEATURES = ("dense", "margin", "spread", "coverage", "coverage_top", "agree", "role")

#: e5+use's English model (English only; fitted on all sixteen sets of tests/eval/sets.json, provenance inside).
DEFAULT_PATH = Path(__file__).with_name("confidence.json")
#: EmbeddingGemma's English model (English only; fitted on all twelve sets, provenance inside).
GEMMA_PATH = Path(__file__).with_name("confidence-gemma.json")


def features(signals: "ArticleSignals", lang: str, cross_weight: float) -> np.ndarray:
    """The :data:`FEATURES` of one question over the articles in scope (all zeros when none is)."""
    keep = signals.keep
    if signals.dense is None or not keep.any():
        return np.zeros(len(FEATURES))
    dense = signals.evidence_dense()[keep].astype(np.float64)
    coverage = signals.weighted_coverage(lang, cross_weight)[keep]
    lexical = signals.lexical[keep]
    order = np.argsort(-dense, kind="stable")
    best = int(order[0])
    second = float(dense[order[1]]) if dense.size > 1 else float(dense[best])
    spread = (float(dense[best]) - float(dense.mean())) / (float(dense.std()) + 1e-6)
    agree = float(lexical.any() and int(np.argmax(lexical)) == best)
    role = float((signals.role_match[keep] > 1).any())
    return np.array([float(dense[best]), float(dense[best]) - second, spread, float(coverage.max()), float(coverage[best]), agree, role])


@dataclass(frozen=True)
class LanguageModel:
    """``P = σ(intercept + Σ weight·(x − mean)/scale)``; abstain when ``P < threshold``."""

    intercept: float
    weights: tuple[float, ...]
    mean: tuple[float, ...]
    scale: tuple[float, ...]
    threshold: float

    def probability(self, x: np.ndarray) -> float:
        z = self.intercept + float(np.dot(self.weights, (x - np.asarray(self.mean)) / np.asarray(self.scale)))
        return 1 / (1 + math.exp(-z)) if z > -700 else 0.0

    def to_dict(self) -> dict[str, Any]:
        return {"intercept": self.intercept, "weights": list(self.weights), "mean": list(self.mean), "scale": list(self.scale), "threshold": self.threshold}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "LanguageModel":
        return cls(
            float(data["intercept"]), tuple(map(float, data["weights"])), tuple(map(float, data["mean"])),
            tuple(map(float, data["scale"])), float(data["threshold"]),
        )


@dataclass(frozen=True)
class Confidence:
    """One :class:`LanguageModel` per language it covers (None: that language keeps the thresholds; hashable:
    part of the answer cache's key)."""

    zh: LanguageModel | None
    en: LanguageModel | None
    provenance: str = ""

    def covers(self, lang: str) -> bool:
        return (self.en if lang == "en" else self.zh) is not None

    @property
    def languages(self) -> tuple[str, ...]:
        return tuple(lang for lang in ("zh", "en") if self.covers(lang))

    def model(self, lang: str) -> LanguageModel:
        model = self.en if lang == "en" else self.zh
        if model is None:
            raise ValueError(f"this confidence model covers {', '.join(self.languages) or 'no language'}, not {lang}")
        return model

    def probability(self, signals: "ArticleSignals", lang: str, cross_weight: float) -> float:
        return self.model(lang).probability(features(signals, lang, cross_weight))

    def answers(self, signals: "ArticleSignals", lang: str, cross_weight: float) -> tuple[bool, float]:
        """Whether to answer, and P(answerable)."""
        return self.answers_features(features(signals, lang, cross_weight), lang)

    def answers_features(self, x: np.ndarray, lang: str) -> tuple[bool, float]:
        model = self.model(lang)
        p = model.probability(x)
        return p >= model.threshold, p

    def to_dict(self) -> dict[str, Any]:
        return {"features": list(FEATURES), "provenance": self.provenance, "zh": self.zh and self.zh.to_dict(), "en": self.en and self.en.to_dict()}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "Confidence":
        if list(data.get("features", [])) != list(FEATURES):
            raise ValueError(f"confidence model was fitted on features {data.get('features')}, not {list(FEATURES)}")
        zh, en = (None if data[lang] is None else LanguageModel.from_dict(data[lang]) for lang in ("zh", "en"))
        return cls(zh, en, str(data.get("provenance", "")))


def load(path: str | Path = DEFAULT_PATH) -> Confidence:
    """A model written by ``qa eval --fit-confidence``."""
    return Confidence.from_dict(json.loads(Path(path).read_text(encoding="utf-8")))
