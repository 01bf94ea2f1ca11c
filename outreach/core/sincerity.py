"""The sincerity guard: a personal note must say something, about this creator, in its own words.

Similarity is shingled Jaccard on character trigrams of the note with the creator's names and
handle taken out: "Hi Ann, I loved your serum review" and "Hi Bo, I loved your serum review"
are the same note. Trigrams of characters, not words, so Japanese and Korean (no spaces) are
compared as well as English.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass

from outreach.core.languages import CJK_CHARACTER

# Below this many characters a note cannot say why this creator (CJK packs more per character).
MIN_NOTE_CHARACTERS = {"ja": 25, "ko": 25, "zh": 25}
MIN_NOTE_CHARACTERS_DEFAULT = 60
# Notes this alike are one note copied with the name changed.
NEAR_DUPLICATE = 0.6
_SHINGLE = 3
# Why a first touch waits when its campaign requires a note and none is written (not an error).
NEEDS_PERSONAL_NOTE = (
    "waiting for a personal note: write why this creator, in their language, with "
    "'outreach drafts write HANDLE --campaign NAME' (or the personal_note column of their row)"
)
# A note was written for a waiting first touch: the planner renders it on its next pass
# (not starting with GUARD_PREFIX: it is no longer the guard's hold).
NOTE_WRITTEN = "note written: planned on the worker's next pass"
# Every problem the guard finds starts so: held messages the guard holds are found by it.
GUARD_PREFIX = "personal note "
_NOT_WORD = re.compile(r"[\W_]+", re.UNICODE)


@dataclass(frozen=True)
class NoteSubject:
    """What a note is checked against: whose it is and what is known of them."""

    handle: str
    note: str
    language: str | None
    names: tuple[str, ...] = ()  # the creator's name, first name, handle: taken out to compare
    facts: tuple[str, ...] = ()  # niches, recent post, bio words, country: what it may name


@dataclass(frozen=True)
class Verdict:
    """The guard's answer for one note."""

    handle: str
    nearest: str | None
    similarity: float
    length: int
    problem: str | None  # None: the note may go


def normalised(note: str, names: Iterable[str]) -> str:
    """The note lowercased without the creator's names and without punctuation or spaces."""
    text = note.lower()
    for name in sorted((n.lower() for n in names if n), key=len, reverse=True):
        text = text.replace(name, " ")
    return _NOT_WORD.sub("", text)


def shingles(text: str) -> frozenset[str]:
    """Character trigrams (the whole text when shorter)."""
    if len(text) <= _SHINGLE:
        return frozenset({text}) if text else frozenset()
    return frozenset(text[i : i + _SHINGLE] for i in range(len(text) - _SHINGLE + 1))


def similarity(left: frozenset[str], right: frozenset[str]) -> float:
    """Jaccard similarity of two shingle sets, 0..1."""
    if not left or not right:
        return 0.0
    # The union's size from the intersection's: building the union set tripled the cost of
    # the guard's inner loop (it compares a note with every note that shares a rare trigram).
    shared = len(left & right)
    return shared / (len(left) + len(right) - shared)


def minimum_length(language: str | None, note: str) -> int:
    """The shortest note that can say something, by language (CJK text: the CJK minimum)."""
    if language in MIN_NOTE_CHARACTERS:
        return MIN_NOTE_CHARACTERS[language]
    return 25 if CJK_CHARACTER.search(note) else MIN_NOTE_CHARACTERS_DEFAULT


class NoteIndex:
    """Notes by their trigrams, to find a note's nearest other without comparing with all.

    Exact for what the guard decides: a note at least NEAR_DUPLICATE alike must share one of
    the other's rarest trigrams (prefix filtering: J(A, B) >= t needs |A & B| >= t|A|, so B
    holds one of any |A| - ceil(t|A|) + 1 trigrams of A). Notes less alike are found when
    they share such a trigram, which is what `campaign check` shows as the nearest.
    """

    def __init__(self, notes: Iterable[tuple[str, frozenset[str]]]) -> None:
        self.notes: list[tuple[str, frozenset[str]]] = []
        self.postings: dict[str, list[int]] = {}
        for handle, grams in notes:
            self.add(handle, grams)

    def add(self, handle: str, grams: frozenset[str]) -> None:
        """Index one more note."""
        number = len(self.notes)
        self.notes.append((handle, grams))
        for gram in grams:
            self.postings.setdefault(gram, []).append(number)

    def nearest(self, handle: str, grams: frozenset[str]) -> tuple[str | None, float]:
        """The most alike note of another creator, and how alike (0 when none shares enough)."""
        if not grams:
            return None, 0.0
        rarest = sorted(grams, key=lambda gram: len(self.postings.get(gram, ())))
        prefix = rarest[: len(grams) - math.ceil(NEAR_DUPLICATE * len(grams)) + 1]
        candidates = {n for gram in prefix for n in self.postings.get(gram, ())}
        best, score = None, 0.0
        for number in sorted(candidates):
            other, theirs = self.notes[number]
            if other == handle:
                continue
            value = similarity(grams, theirs)
            if value > score:
                best, score = other, value
        return best, score


def judge(subjects: Iterable[NoteSubject], others: Iterable[NoteSubject] = ()) -> list[Verdict]:
    """A verdict for each note: too short, about nothing of theirs, or a copy of another's.

    `others` are notes the subjects are compared with but not judged themselves: other
    creators' notes, e.g. in the brand's earlier campaigns. Notes of the same creator are never
    compared with each other (a creator's own words may come back in a later campaign).
    """
    people = [s for s in subjects if s.note.strip()]
    index = NoteIndex(fingerprint(s) for s in [*people, *others] if s.note.strip())
    return [judge_one(subject, index) for subject in people]


def fingerprint(subject: NoteSubject) -> tuple[str, frozenset[str]]:
    """A note as the index keeps it: whose it is and its trigrams, names taken out."""
    return subject.handle, shingles(normalised(subject.note, subject.names))


def judge_one(subject: NoteSubject, index: NoteIndex) -> Verdict:
    """The verdict for one note against an index of the others (its own may be in it)."""
    _, own = fingerprint(subject)
    nearest, score = index.nearest(subject.handle, own)
    length = len(subject.note.strip())
    return Verdict(subject.handle, nearest, round(score, 2), length,
                   _problem(subject, nearest, score, length))  # fmt: skip


def _problem(subject: NoteSubject, nearest: str | None, score: float, length: int) -> str | None:
    if nearest is not None and score >= NEAR_DUPLICATE:
        return (
            f"personal note nearly the same as @{nearest}'s ({score:.0%} alike): write one for each"
        )
    shortest = minimum_length(subject.language, subject.note)
    if length < shortest:
        return f"personal note too short to say why this creator ({length} < {shortest} characters)"
    if subject.facts and not _names_a_fact(subject.note, subject.facts):
        return "personal note names nothing of theirs (a niche, post, product or place of theirs)"
    return None


def _names_a_fact(note: str, facts: Iterable[str]) -> bool:
    """Whether the note uses a word of a fact (three characters of it, in CJK text)."""
    text = note.lower()
    for fact in facts:
        for word in re.split(r"[\s,.;:!?、。「」]+", fact.lower()):
            if CJK_CHARACTER.search(word):
                pieces = (
                    [word] if len(word) <= 3 else [word[i : i + 3] for i in range(len(word) - 2)]
                )
                if any(piece in text for piece in pieces):
                    return True
            elif len(word) >= 3 and word in text:
                return True
    return False
