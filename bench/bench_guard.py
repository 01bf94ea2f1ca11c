"""How long the sincerity guard takes to judge one first touch's note, by how many notes exist.

.venv/bin/python -m bench.bench_guard [--notes 1000 5000 20000]
Planning and sending both ask about each first touch; the second answer is kept from the first
while no note changes, so both figures are printed.
The notes are drawn from 30 shared words plus a few of each creator's own: the guard's worst
case, as every note shares trigrams with every other. With --real they are real text written
by people instead: two replies of the shipped reply corpus (ja/ko/en) joined, per note.
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from sqlmodel import Session

from outreach.adapters.database import create_schema, make_engine
from outreach.adapters.models import Creator
from outreach.adapters.reply_training import corpus_examples
from outreach.services.sincerity_guard import note_problem

WORDS = [
    "serum", "skincare", "routine", "vegan", "sunscreen", "toner", "texture", "review",
    "honest", "morning", "night", "sensitive", "oily", "dry", "barrier", "niacinamide",
    "ceramide", "rice", "bran", "fragrance", "reel", "post", "video", "week", "month",
    "layering", "travel", "budget", "drugstore",
]  # fmt: skip


SYLLABLES = ["ka", "mi", "ro", "su", "te", "na", "hi", "yo", "ze", "po", "lu", "da", "ki", "ne"]
OWN_WORDS = [a + b + c for a in SYLLABLES for b in SYLLABLES for c in SYLLABLES]


def main() -> None:
    """Print seconds per judged note for each number of notes."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--notes", type=int, nargs="+", default=[1000, 5000, 20000])
    parser.add_argument("--real", action="store_true", help="notes from real replies")
    arguments = parser.parse_args()
    rng = random.Random(7)
    replies = [example.text for example in corpus_examples()] if arguments.real else []
    for count in arguments.notes:
        with tempfile.TemporaryDirectory() as folder:
            engine = make_engine(f"sqlite:///{Path(folder) / 'bench.db'}")
            create_schema(engine)
            now = datetime(2026, 12, 1, tzinfo=UTC)
            with Session(engine) as session:
                for number in range(count):
                    # Shared skincare words, and words of each creator's own (a post, a place).
                    note = (" ".join(rng.sample(replies, 2)) if replies else
                            " ".join([*(rng.choice(WORDS) for _ in range(10)),
                                      *(rng.choice(OWN_WORDS) for _ in range(6))]))  # fmt: skip
                    session.add(Creator(handle=f"c{number}", email=f"c{number}@x.example",
                                        niches=["skincare"], personal_note=note,
                                        created_at=now, updated_at=now))  # fmt: skip
                session.commit()
                creator = session.get(Creator, 1)
                assert creator is not None
                started = time.perf_counter()
                note_problem(session, creator, "Rice Bran Serum")  # builds the index
                cold = time.perf_counter() - started
                # Each first touch is another creator's note, judged for the first time...
                judged = [session.get(Creator, number) for number in range(2, 22)]
                started = time.perf_counter()
                for other in judged:
                    assert other is not None
                    note_problem(session, other, "Rice Bran Serum")
                first = (time.perf_counter() - started) / len(judged)
                # ...and asked about again when it is sent (no note changed meanwhile).
                started = time.perf_counter()
                for other in judged:
                    assert other is not None
                    note_problem(session, other, "Rice Bran Serum")
                again = (time.perf_counter() - started) / len(judged)
            print(f"{count:>7} notes: first check {cold:.2f} s (index built), then "
                  f"{first * 1000:.1f} ms per first touch judged, {again * 1000:.2f} ms when "
                  f"asked again at sending")  # fmt: skip


if __name__ == "__main__":
    main()
