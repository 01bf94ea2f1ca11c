"""Label what a creator answered: the trained model for Japanese, Korean and English replies.

Replies in any other language are `unclear` with the language named: there is no training
data to guess from, so a person reads them. The model is trained once per corpus version and
cached (see adapters.reply_training); loading it takes milliseconds.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from outreach.adapters.reply_training import CORPUS_LANGUAGES, cached_model, default_cache
from outreach.core.languages import detect_language, script_language
from outreach.core.reply_corpus import Example
from outreach.core.reply_labels import ReplyLabel
from outreach.core.reply_model import ReplyModel


@dataclass(frozen=True)
class Classified:
    """A reply's label, how sure the model is (0-1), and whether a person must decide."""

    label: ReplyLabel
    confidence: float
    needs_review: bool
    language: str | None

    def as_json(self) -> dict[str, Any]:
        """The documented JSON shape of `outreach replies classify`."""
        return {
            "label": self.label.value,
            "confidence": self.confidence,
            "needs_review": self.needs_review,
            "language": self.language,
        }


def classify_reply(text: str, corrections: Sequence[Example] = ()) -> Classified:
    """The label of a reply's new text, by the model that learnt the workspace's corrections."""
    if not text.strip():
        return Classified(ReplyLabel.UNCLEAR, 0.0, True, None)
    language = language_of(text)
    if language is not None and language not in CORPUS_LANGUAGES:
        return Classified(ReplyLabel.UNCLEAR, 0.0, True, language)
    prediction = model_with(tuple(corrections)).predict(text)
    label = ReplyLabel(prediction.label)
    needs_review = prediction.needs_review or label is ReplyLabel.UNCLEAR
    return Classified(label, prediction.confidence, needs_review, language)


def language_of(text: str) -> str | None:
    """The reply's language (None: too short to tell, and no script gives it away)."""
    return detect_language(text) or script_language(text)


@lru_cache(maxsize=4)
def model_with(corrections: tuple[Example, ...] = ()) -> ReplyModel:
    """The model for the shipped corpus plus these corrections (trained once, then cached)."""
    # One model per process and set of corrections: every sync after the first reuses it.
    return cached_model(default_cache(), corrections)
