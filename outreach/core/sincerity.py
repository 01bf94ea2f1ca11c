"""The sincerity guard: a personal note must say something, about this creator, in its own words.

Similarity is shingled Jaccard on character trigrams of the note with the creator's names and
handle taken out: "Hi Ann, I loved your serum review" and "Hi Bo, I loved your serum review"
are the same note. Trigrams of characters, not words, so Japanese and Korean (no spaces) are
compared as well as English.
"""

from __future__ import annotations

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
    return len(left & right) / len(left | right)


def minimum_length(language: str | None, note: str) -> int:
    """The shortest note that can say something, by language (CJK text: the CJK minimum)."""
    if language in MIN_NOTE_CHARACTERS:
        return MIN_NOTE_CHARACTERS[language]
    return 25 if CJK_CHARACTER.search(note) else MIN_NOTE_CHARACTERS_DEFAULT


def judge(subjects: Iterable[NoteSubject], others: Iterable[NoteSubject] = ()) -> list[Verdict]:
    """A verdict for each note: too short, about nothing of theirs, or a copy of another's.

    `others` are notes the subjects are compared with but not judged themselves: other
    creators' notes, e.g. in the brand's earlier campaigns. Notes of the same creator are never
    compared with each other (a creator's own words may come back in a later campaign).
    """
    people = [s for s in subjects if s.note.strip()]
    mine = [(s.handle, shingles(normalised(s.note, s.names))) for s in people]
    theirs = [(s.handle, shingles(normalised(s.note, s.names))) for s in others if s.note.strip()]
    everyone = mine + theirs
    verdicts = []
    for subject, (_, own) in zip(people, mine, strict=True):
        nearest, score = None, 0.0
        for handle, other in everyone:
            if handle == subject.handle:
                continue
            value = similarity(own, other)
            if value > score:
                nearest, score = handle, value
        length = len(subject.note.strip())
        verdicts.append(Verdict(subject.handle, nearest, round(score, 2), length,
                                _problem(subject, nearest, score, length)))  # fmt: skip
    return verdicts


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
