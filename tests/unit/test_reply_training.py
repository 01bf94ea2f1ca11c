"""Training's own arithmetic and its cache lock, without training a real model."""

from __future__ import annotations

import math
import random
import threading
import time
from array import array
from pathlib import Path

import pytest

from outreach.adapters import reply_training
from outreach.adapters.reply_training import cached_model, fit_temperature
from outreach.core.reply_model import ReplyModel, softmax


def _log_loss(scores: list[list[float]], truth: list[int], temperature: float) -> float:
    """The held-out log loss, written the plain way."""
    return -sum(
        math.log(max(softmax([s / temperature for s in row])[right], 1e-12))
        for row, right in zip(scores, truth, strict=True)
    )


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_temperature_chosen_has_the_least_log_loss_of_all_candidates(seed: int) -> None:
    rng = random.Random(seed)
    spread = rng.choice([0.3, 1.0, 4.0])
    scores = [[rng.gauss(0, spread) for _ in range(6)] for _ in range(300)]
    # Mostly the highest score is right, sometimes not: some temperature in the middle wins.
    truth = [max(range(6), key=row.__getitem__) if rng.random() < 0.7 else rng.randrange(6)
             for row in scores]  # fmt: skip

    chosen = fit_temperature(scores, truth)

    candidates = [round(0.02 * step, 2) for step in range(1, 151)]
    best = min(candidates, key=lambda t: _log_loss(scores, truth, t))
    assert chosen == pytest.approx(best) or _log_loss(scores, truth, chosen) == pytest.approx(
        _log_loss(scores, truth, best)
    )


def test_workers_wanting_the_same_model_at_once_train_it_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    trained: list[int] = []
    model = ReplyModel(labels=("interested",), vocabulary={"a": 0}, idf=array("f", [1.0]),
                       weights=[array("f", [0.5])], intercepts=(0.0,), temperature=1.0,
                       review_below=0.0)  # fmt: skip

    def slow_train(examples: object) -> ReplyModel:
        trained.append(1)
        time.sleep(0.3)  # long enough for the other worker to arrive while this one trains
        return model

    monkeypatch.setattr(reply_training, "train", slow_train)
    got: list[ReplyModel] = []
    workers = [threading.Thread(target=lambda: got.append(cached_model(tmp_path)))
               for _ in range(3)]  # fmt: skip
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()

    assert len(trained) == 1
    assert len(got) == 3 and all(found.weights[0][0] == 0.5 for found in got)
    assert [path.suffix for path in tmp_path.iterdir()] == [".json"]  # no lock file left


def test_a_fit_from_the_shared_counts_is_a_vectorizer_fitted_on_its_texts_alone() -> None:
    # Training counts every text once for its six fits; each fit must still see only its own
    # texts' features, with their idf, as fitting a TfidfVectorizer on them would give.
    from sklearn.feature_extraction.text import TfidfVectorizer

    from outreach.core.reply_corpus import varied

    examples = reply_training.corpus_examples()[::9]  # every language and label, quickly
    labels = tuple(sorted({e.label for e in examples}))
    counted = reply_training._Counted.of(examples)
    kept = [i for i in range(len(examples)) if i % 5 != 2]  # one fold's training examples
    model = reply_training._fit_plain(counted, kept, labels)

    texts = [e.text for e in varied([examples[i] for i in kept])]
    alone = TfidfVectorizer(analyzer=reply_training._Analyser(), sublinear_tf=True,
                            lowercase=False)  # fmt: skip
    alone.fit(texts)
    assert model.vocabulary == {str(k): int(v) for k, v in alone.vocabulary_.items()}
    assert list(model.idf) == list(array("f", alone.idf_.tolist()))
    assert len(model.vocabulary) < len(counted.features)  # held-out texts' features left out
