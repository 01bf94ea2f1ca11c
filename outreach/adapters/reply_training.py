"""Train the reply classifier from the shipped corpus (and a workspace's corrections), cached.

scikit-learn is imported here only, when a model must be trained: once per corpus version
(and again after new corrections), a few seconds (about 1 s to import scikit-learn, 2.8 s to
train on this machine). Every later use loads the cached weights, plain JSON, without it.
"""

from __future__ import annotations

import base64
import hashlib
import json
import math
import os
import tempfile
from array import array
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from importlib import resources
from pathlib import Path
from typing import Any

from outreach.core.reply_corpus import Example, parse_corpus, variants
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
    counted = _Counted.of(examples)  # the six fits share texts: each is counted once
    scores, truth = held_out_scores(examples, labels, counted=counted)
    temperature = fit_temperature(scores, truth)
    return replace(
        _fit_plain(counted, range(len(examples)), labels),
        temperature=temperature,
        review_below=choose_review_threshold(scores, truth, temperature, _unclear(labels)),
    )


def _unclear(labels: tuple[str, ...]) -> int | None:
    return labels.index(ReplyLabel.UNCLEAR.value) if ReplyLabel.UNCLEAR.value in labels else None


def held_out_scores(
    examples: Sequence[Example],
    labels: tuple[str, ...],
    folds: int = _FOLDS,
    counted: _Counted | None = None,
) -> tuple[list[list[float]], list[int]]:
    """Scores of every example from a model that never saw it (nor its varied copies)."""
    counted = counted or _Counted.of(examples)
    scores: list[list[float]] = [[] for _ in examples]
    for fold in range(folds):
        kept = [i for i in range(len(examples)) if i % folds != fold]
        model = _fit_plain(counted, kept, labels)
        for i, example in enumerate(examples):
            if i % folds == fold:
                scores[i] = model.scores(example.text)
    return scores, [labels.index(e.label) for e in examples]


@dataclass(frozen=True)
class _Counted:
    """The token counts of every example and of its varied copies, counted once for all fits.

    Counting was most of a fit (six per training); a fit now takes its rows and the features
    they use, which is what fitting a TfidfVectorizer on those texts alone would give.
    """

    counts: Any  # a sparse matrix: a row per text, a column per feature (sorted)
    features: list[str]
    rows_of: list[list[int]]  # each example's rows: its own text first, then its copies
    labels: list[str]  # each row's label

    @classmethod
    def of(cls, examples: Sequence[Example]) -> _Counted:
        """Count every example's features and its copies' (scikit-learn imported here)."""
        from sklearn.feature_extraction.text import CountVectorizer

        copies = [variants(example) for example in examples]
        texts = [*examples, *(copy for group in copies for copy in group)]
        rows_of, next_row = [], len(examples)
        for index, group in enumerate(copies):
            rows_of.append([index, *range(next_row, next_row + len(group))])
            next_row += len(group)
        # float64 counts, as TfidfVectorizer keeps them, so the weights come out the same.
        vectorizer = CountVectorizer(analyzer=_Analyser(), lowercase=False, dtype=float)
        counts = vectorizer.fit_transform([text.text for text in texts])
        features = [str(name) for name in vectorizer.get_feature_names_out()]
        return cls(counts, features, rows_of, [text.label for text in texts])

    def rows(self, chosen: Iterable[int]) -> list[int]:
        """The rows of these examples, ordered as `varied` orders their texts."""
        picked = [self.rows_of[index] for index in chosen]
        return [rows[0] for rows in picked] + [row for rows in picked for row in rows[1:]]


def _fit_plain(counted: _Counted, chosen: Iterable[int], labels: tuple[str, ...]) -> ReplyModel:
    """A fitted model of these examples (and their copies), without calibration."""
    import numpy
    from sklearn.feature_extraction.text import TfidfTransformer
    from sklearn.svm import LinearSVC

    rows = counted.rows(chosen)
    counts = counted.counts[rows]
    # Only the features these texts use, as a vectorizer fitted on them alone would keep.
    used = numpy.flatnonzero(numpy.bincount(counts.indices, minlength=counts.shape[1]))
    transformer = TfidfTransformer(sublinear_tf=True)
    matrix = transformer.fit_transform(counts[:, used])
    classifier = LinearSVC(C=_REGULARISATION)
    classifier.fit(matrix, [counted.labels[row] for row in rows])
    classes = list(classifier.classes_)
    zero = array("f", [0.0]) * len(used)
    return ReplyModel(
        labels=labels,
        vocabulary={counted.features[column]: index for index, column in enumerate(used)},
        idf=array("f", transformer.idf_.tolist()),
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
