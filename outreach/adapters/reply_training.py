"""Train the reply classifier from the shipped corpus (and a workspace's corrections), cached.

scikit-learn is imported here only, when a model must be trained: once per corpus version
(and again after new corrections), about ten seconds. Every later use loads the cached weights,
plain JSON, without it.
"""

from __future__ import annotations

import base64
import hashlib
import json
import math
import os
import tempfile
from array import array
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from importlib import resources
from pathlib import Path
from typing import Any

from outreach.core.reply_corpus import Example, parse_corpus, varied
from outreach.core.reply_features import features
from outreach.core.reply_labels import ReplyLabel
from outreach.core.reply_model import ReplyModel, softmax

CORPUS_LANGUAGES = ("en", "ja", "ko")
# Bump when features, training or the file format change: cached models are then retrained.
MODEL_VERSION = "1"
# Replies acted on with a wrong label: at most this share of all replies...
MAX_WRONG_AND_SURE = 0.03
# ...unless a person would then read more than this share.
MAX_REVIEW = 0.20
# A linear SVM: as accurate as logistic regression on this corpus and five times faster to
# train (bench/accuracy_labels.py); its scores become probabilities through the temperature.
_REGULARISATION = 1.0
_FOLDS = 5


def corpus_examples() -> list[Example]:
    """The replies shipped with outreach, as written (not varied)."""
    labels = frozenset(label.value for label in ReplyLabel)
    folder = resources.files("outreach") / "data" / "replies"
    examples: list[Example] = []
    for language in CORPUS_LANGUAGES:
        text = (folder / f"{language}.txt").read_text(encoding="utf-8")
        try:
            examples += parse_corpus(text, language, labels)
        except ValueError as exc:
            raise ValueError(f"outreach/data/replies/{language}.txt: {exc}") from None
    return examples


def corpus_digest(extra: Sequence[Example] = ()) -> str:
    """What a trained model depends on: corpus, corrections, and this code's version."""
    digest = hashlib.sha256(MODEL_VERSION.encode())
    for example in [*corpus_examples(), *extra]:
        digest.update(f"{example.language}\t{example.label}\t{example.text}\n".encode())
    return digest.hexdigest()[:16]


def cached_model(cache: Path, extra: Sequence[Example] = ()) -> ReplyModel:
    """The model for the corpus plus `extra` corrections: from the cache, else trained now."""
    path = cache / f"reply-model-{corpus_digest(extra)}.json"
    model = _read_cached(path)
    if model is not None:
        return model
    cache.mkdir(parents=True, exist_ok=True)
    # Several workers starting at once on a fresh machine: one trains, the others wait for its
    # file instead of each spending the same seconds of CPU.
    with _training_lock(cache):
        model = _read_cached(path)
        if model is not None:
            return model
        model = train([*corpus_examples(), *extra])
        # Written whole, then renamed: a reader never sees half a file.
        handle, temporary = tempfile.mkstemp(dir=cache, suffix=".tmp")
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(model_to_json(model))
        os.replace(temporary, path)
    return model


def _read_cached(path: Path) -> ReplyModel | None:
    if not path.is_file():
        return None
    try:
        return model_from_json(path.read_text(encoding="utf-8"))
    except (ValueError, KeyError):
        return None  # a damaged cache file is trained again


@contextmanager
def _training_lock(cache: Path) -> Iterator[None]:
    """Hold an exclusive lock on the cache folder itself (no lock file is left behind)."""
    try:
        import fcntl
    except ImportError:  # not POSIX: workers may train the same model twice, harmlessly
        yield
        return
    handle = os.open(cache, os.O_RDONLY)
    try:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield
    finally:
        os.close(handle)  # closing releases the lock


def default_cache() -> Path:
    """Where models are kept between runs: $XDG_CACHE_HOME/outreach (else ~/.cache/outreach)."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "outreach"


def train(examples: Sequence[Example]) -> ReplyModel:
    """Fit the classifier, calibrate it on held-out folds, and choose when a person decides."""
    labels = tuple(sorted({e.label for e in examples}))
    analyse = _Analyser()  # the six fits share texts: each is read once
    scores, truth = held_out_scores(examples, labels, analyse=analyse)
    temperature = fit_temperature(scores, truth)
    return replace(
        _fit_plain(examples, labels, analyse),
        temperature=temperature,
        review_below=choose_review_threshold(scores, truth, temperature, _unclear(labels)),
    )


def _unclear(labels: tuple[str, ...]) -> int | None:
    return labels.index(ReplyLabel.UNCLEAR.value) if ReplyLabel.UNCLEAR.value in labels else None


def held_out_scores(
    examples: Sequence[Example],
    labels: tuple[str, ...],
    folds: int = _FOLDS,
    analyse: Callable[[str], list[str]] | None = None,
) -> tuple[list[list[float]], list[int]]:
    """Scores of every example from a model that never saw it (nor its varied copies)."""
    analyse = analyse or _Analyser()
    scores: list[list[float]] = [[] for _ in examples]
    for fold in range(folds):
        kept = [e for i, e in enumerate(examples) if i % folds != fold]
        model = _fit_plain(kept, labels, analyse)
        for i, example in enumerate(examples):
            if i % folds == fold:
                scores[i] = model.scores(example.text)
    return scores, [labels.index(e.label) for e in examples]


def _fit_plain(
    examples: Sequence[Example], labels: tuple[str, ...], analyse: Callable[[str], list[str]]
) -> ReplyModel:
    """A fitted model without calibration (temperature 1, nobody reviews)."""
    from sklearn.feature_extraction.text import TfidfVectorizer  # heavy: only when training
    from sklearn.svm import LinearSVC

    training = varied(list(examples))
    vectorizer = TfidfVectorizer(analyzer=analyse, sublinear_tf=True, lowercase=False)
    matrix = vectorizer.fit_transform([e.text for e in training])
    classifier = LinearSVC(C=_REGULARISATION)
    classifier.fit(matrix, [e.label for e in training])
    classes = list(classifier.classes_)
    zero = array("f", [0.0]) * len(vectorizer.idf_)
    return ReplyModel(
        labels=labels,
        vocabulary={str(k): int(v) for k, v in vectorizer.vocabulary_.items()},
        idf=array("f", vectorizer.idf_.tolist()),
        weights=[_row(classifier.coef_, classes, label, zero) for label in labels],
        intercepts=tuple(
            float(classifier.intercept_[classes.index(label)]) if label in classes else -1e9
            for label in labels
        ),
        temperature=1.0,
        review_below=0.0,
    )


def _row(coef: Any, classes: list[str], label: str, zero: array) -> array:
    # A label no training example had (a small fold) scores nothing.
    return array("f", coef[classes.index(label)].tolist()) if label in classes else zero


def fit_temperature(scores: Sequence[Sequence[float]], truth: Sequence[int]) -> float:
    """The temperature that makes held-out probabilities most honest (least log loss)."""
    import numpy  # comes with scikit-learn; training only

    # All 150 candidates at once: the loss of each is a sum over every held-out example.
    candidates = [round(0.02 * step, 2) for step in range(1, 151)]  # 0.02 .. 3.0
    held_out = numpy.asarray(scores, dtype=float)
    scaled = held_out[None, :, :] / numpy.asarray(candidates)[:, None, None]
    shifted = scaled - scaled.max(axis=2, keepdims=True)
    log_sums = numpy.log(numpy.exp(shifted).sum(axis=2))
    right = shifted[:, numpy.arange(len(truth)), numpy.asarray(truth)]
    # log p = right - log_sums, floored at log(1e-12) as a probability would be
    losses = -numpy.maximum(right - log_sums, math.log(1e-12)).sum(axis=1)
    return candidates[int(numpy.argmin(losses))]


def choose_review_threshold(
    scores: Sequence[Sequence[float]],
    truth: Sequence[int],
    temperature: float,
    read_anyway: int | None = None,
) -> float:
    """The lowest confidence to act on: wrong-and-sure at most 3%, people reading at most 20%.

    Predictions of `read_anyway` (unclear) go to a person whatever their confidence.
    """
    outcomes, always_read = [], 0
    for row, right in zip(scores, truth, strict=True):
        probabilities = softmax([s / temperature for s in row])
        best = max(range(len(row)), key=probabilities.__getitem__)
        if best == read_anyway:
            always_read += 1
        else:
            outcomes.append((probabilities[best], best == right))
    outcomes.sort()
    total = len(outcomes) + always_read
    for cut in range(len(outcomes) + 1):
        wrong = sum(1 for _, right in outcomes[cut:] if not right)
        if wrong / total <= MAX_WRONG_AND_SURE or (cut + always_read) / total >= MAX_REVIEW:
            return outcomes[cut][0] if cut < len(outcomes) else 1.0
    return 1.0


def model_to_json(model: ReplyModel) -> str:
    """The model as one JSON document (weights as base64 float32)."""
    words = sorted(model.vocabulary, key=model.vocabulary.__getitem__)
    return json.dumps({
        "version": MODEL_VERSION, "labels": model.labels, "vocabulary": words,
        "idf": _packed(model.idf), "weights": [_packed(row) for row in model.weights],
        "intercepts": model.intercepts, "temperature": model.temperature,
        "review_below": model.review_below,
    }, ensure_ascii=False)  # fmt: skip


def model_from_json(text: str) -> ReplyModel:
    """A model read back from model_to_json; ValueError when it is not one."""
    data: dict[str, Any] = json.loads(text)
    if data.get("version") != MODEL_VERSION:
        raise ValueError("a model from another version")
    return ReplyModel(
        labels=tuple(data["labels"]),
        vocabulary={word: index for index, word in enumerate(data["vocabulary"])},
        idf=_unpacked(data["idf"]),
        weights=[_unpacked(row) for row in data["weights"]],
        intercepts=tuple(float(v) for v in data["intercepts"]),
        temperature=float(data["temperature"]),
        review_below=float(data["review_below"]),
    )


def _packed(values: array) -> str:
    return base64.b64encode(array("f", values).tobytes()).decode("ascii")


def _unpacked(text: str) -> array:
    values = array("f")
    values.frombytes(base64.b64decode(text))
    return values


class _Analyser:
    """The features of each text as tokens, worked out once per text and kept."""

    def __init__(self) -> None:
        self._seen: dict[str, list[str]] = {}

    def __call__(self, text: str) -> list[str]:
        tokens = self._seen.get(text)
        if tokens is None:
            tokens = self._seen[text] = list(features(text).elements())
        return tokens
