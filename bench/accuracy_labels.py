"""How well replies are labelled: k-fold accuracy on the shipped corpus, and speed.

Every reply is labelled by a model trained without it (nor its varied copies), calibrated as
the shipped model is. Prints accuracy per language and label, the confusion matrix, the share
of replies sent to a person, and the share acted on with a wrong label; then load time and
labels per second of the cached model.

    .venv/bin/python -m bench.accuracy_labels [--folds 5]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections import Counter
from pathlib import Path

from outreach.adapters.reply_training import (
    cached_model,
    choose_review_threshold,
    corpus_examples,
    fit_temperature,
    held_out_scores,
    model_from_json,
    model_to_json,
)
from outreach.core.reply_model import softmax


def main() -> None:
    """Print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folds", type=int, default=5)
    folds = parser.parse_args().folds
    examples = corpus_examples()
    labels = tuple(sorted({e.label for e in examples}))
    started = time.perf_counter()
    scores, truth = held_out_scores(examples, labels, folds)
    temperature = fit_temperature(scores, truth)
    unclear = labels.index("unclear")
    threshold = choose_review_threshold(scores, truth, temperature, unclear)
    print(f"{len(examples)} replies, {folds}-fold, {time.perf_counter() - started:.1f} s; "
          f"temperature {temperature}, review below {threshold:.2f}")  # fmt: skip
    rows = []
    for example, row, right in zip(examples, scores, truth, strict=True):
        probabilities = softmax([s / temperature for s in row])
        best = max(range(len(row)), key=probabilities.__getitem__)
        # As labelling does: unsure, or unclear whatever the confidence, goes to a person.
        read = probabilities[best] < threshold or best == unclear
        rows.append((example, labels[best], read, best == right))
    print("\nlanguage  replies  accuracy  to a person  acted on wrongly  accuracy of the rest")
    for language in [*sorted({e.language for e in examples}), "all"]:
        mine = [r for r in rows if language in ("all", r[0].language)]
        _line(language, mine)
    print("\nlabel         replies  accuracy")
    for label in labels:
        mine = [r for r in rows if r[0].label == label]
        print(f"{label:<13} {len(mine):>7}  {sum(r[3] for r in mine) / len(mine):8.1%}")
    print("\nconfusion (rows: true label, columns: predicted)")
    pairs = Counter((r[0].label, r[1]) for r in rows)
    print(" " * 13 + "".join(f"{label[:8]:>9}" for label in labels))
    for true in labels:
        print(f"{true:<13}" + "".join(f"{pairs[(true, p)]:>9}" for p in labels))
    print("\ntrade-off: share sent to a person (unsure, or unclear) vs accuracy of the rest")
    for review_below in (0.0, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9):
        sure = [(e, right) for e, confidence, best, right
                in _calibrated(examples, scores, truth, temperature)
                if confidence >= review_below and best != unclear]  # fmt: skip
        share = 1 - len(sure) / len(rows)
        accuracy = sum(right for _, right in sure) / len(sure) if sure else 1.0
        print(f"  review below {review_below:.1f}: {share:6.1%} to a person, "
              f"{accuracy:6.1%} right of the rest")  # fmt: skip
    _speed(examples)


def _line(name: str, rows: list[tuple[object, str, bool, bool]]) -> None:
    total = len(rows)
    review = sum(1 for r in rows if r[2])
    wrong = sum(1 for r in rows if not r[2] and not r[3])
    rest = total - review
    print(f"{name:<9} {total:>7}  {sum(r[3] for r in rows) / total:8.1%}  {review / total:11.1%}"
          f"  {wrong / total:16.1%}  {(rest - wrong) / rest if rest else 1:20.1%}")  # fmt: skip


def _calibrated(examples, scores, truth, temperature):  # type: ignore[no-untyped-def]
    for example, row, right in zip(examples, scores, truth, strict=True):
        probabilities = softmax([s / temperature for s in row])
        best = max(range(len(row)), key=probabilities.__getitem__)
        yield example, probabilities[best], best, best == right


def _speed(examples: list) -> None:  # type: ignore[type-arg]
    with tempfile.TemporaryDirectory() as folder:
        started = time.perf_counter()
        model = cached_model(Path(folder))
        trained = time.perf_counter() - started
        text = model_to_json(model)
        started = time.perf_counter()
        loaded = model_from_json(text)
        load = time.perf_counter() - started
    replies = [e.text for e in examples] * 3
    started = time.perf_counter()
    for reply in replies:
        loaded.predict(reply)
    rate = len(replies) / (time.perf_counter() - started)
    print(f"\ntraining {trained:.1f} s (once per corpus version), model {len(text) / 1e6:.1f} MB, "
          f"load {load * 1000:.0f} ms, {rate:,.0f} replies labelled per second")  # fmt: skip


if __name__ == "__main__":
    main()
