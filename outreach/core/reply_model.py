"""The trained reply classifier as plain numbers: label a reply without any library.

A linear model over TF-IDF features (see reply_features), with a temperature that calibrates
its probabilities and a threshold under which a person decides. Training is elsewhere
(adapters.reply_training); this is the part every sync runs, so it imports nothing heavy.
"""

from __future__ import annotations

import math
from array import array
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from outreach.core.reply_features import features


@dataclass(frozen=True)
class Prediction:
    """The most likely label, its calibrated probability, and whether a person must decide."""

    label: str
    confidence: float
    needs_review: bool
    probabilities: Mapping[str, float]


@dataclass(frozen=True)
class ReplyModel:
    """Weights of a trained model: vocabulary index, idf, one weight row per label."""

    labels: tuple[str, ...]
    vocabulary: Mapping[str, int]
    idf: array  # float per feature
    weights: Sequence[array]  # per label, float per feature
    intercepts: tuple[float, ...]
    temperature: float  # divides the scores: probabilities that mean what they say
    review_below: float  # a prediction less sure than this goes to a person

    def scores(self, text: str) -> list[float]:
        """The raw score of each label for the text."""
        counts = features(text)
        vector: list[tuple[int, float]] = []
        for feature, count in counts.items():
            index = self.vocabulary.get(feature)
            if index is not None:  # sublinear tf, as in training
                vector.append((index, (1.0 + math.log(count)) * self.idf[index]))
        norm = math.sqrt(sum(value * value for _, value in vector)) or 1.0
        return [
            intercept + sum(row[index] * value for index, value in vector) / norm
            for row, intercept in zip(self.weights, self.intercepts, strict=True)
        ]

    def predict(self, text: str) -> Prediction:
        """The label for a reply, calibrated."""
        probabilities = softmax([s / self.temperature for s in self.scores(text)])
        best = max(range(len(self.labels)), key=probabilities.__getitem__)
        confidence = probabilities[best]
        return Prediction(
            self.labels[best],
            round(confidence, 3),
            confidence < self.review_below,
            dict(zip(self.labels, (round(p, 3) for p in probabilities), strict=True)),
        )


def softmax(scores: Sequence[float]) -> list[float]:
    """Probabilities from scores (shifted by the largest, so nothing overflows)."""
    top = max(scores)
    exps = [math.exp(s - top) for s in scores]
    total = sum(exps)
    return [e / total for e in exps]
