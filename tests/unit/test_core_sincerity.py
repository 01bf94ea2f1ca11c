"""The sincerity guard: copies, notes too short to say anything, notes about nothing of theirs."""

from __future__ import annotations

import random

from outreach.core.sincerity import NoteSubject, judge, shingles, similarity

ANN = NoteSubject(
    "ann.glow",
    "Ann, your rice bran toner review was the most honest skincare video I saw this month.",
    "en", names=("Ann Lee", "Ann", "ann.glow"), facts=("skincare", "rice bran toner review"),
)  # fmt: skip
BO = NoteSubject(
    "bo.skin",
    "Bo, your rice bran toner review was the most honest skincare video I saw this month.",
    "en", names=("Bo Kim", "Bo", "bo.skin"), facts=("skincare",),
)  # fmt: skip
CY = NoteSubject(
    "cy.vegan",
    "Cy, the way you test every vegan cleanser on camera for a week made me trust your picks.",
    "en", names=("Cy", "cy.vegan"), facts=("vegan", "cleanser"),
)  # fmt: skip


def verdicts(*subjects: NoteSubject) -> dict[str, str | None]:
    return {v.handle: v.problem for v in judge(subjects)}


def test_a_note_copied_with_the_name_changed_is_held_naming_the_other_creator() -> None:
    found = verdicts(ANN, BO, CY)

    assert found["ann.glow"] is not None and "@bo.skin" in found["ann.glow"]
    assert found["bo.skin"] is not None and "@ann.glow" in found["bo.skin"]
    assert found["cy.vegan"] is None


def test_a_note_too_short_or_about_nothing_of_theirs_is_held_with_the_reason() -> None:
    short = NoteSubject("dee", "Love your work!", "en", facts=("makeup",))
    generic = NoteSubject(
        "eve", "I think you would be a wonderful fit for our brand and our community.",
        "en", facts=("skincare", "sunscreen"),
    )  # fmt: skip
    japanese = NoteSubject("misaki", "敏感肌の成分チェックの投稿、毎回メモしながら読んでいます。",
                           "ja", facts=("敏感肌", "skincare"))  # fmt: skip

    found = verdicts(short, generic, japanese)

    assert found["dee"] == "personal note too short to say why this creator (15 < 60 characters)"
    assert found["eve"] == (
        "personal note names nothing of theirs (a niche, post, product or place of theirs)"
    )
    assert found["misaki"] is None  # 29 characters say a lot in Japanese


def test_earlier_campaigns_notes_count_too() -> None:
    friend = NoteSubject("old.friend", CY.note.replace("Cy, ", "Di, "), "en", names=("Di",))
    [verdict] = judge([CY], others=[friend])

    assert verdict.nearest == "old.friend" and verdict.problem is not None


def test_a_creators_own_note_in_another_campaign_is_no_copy() -> None:
    again = NoteSubject(CY.handle, CY.note, "en", names=CY.names)

    [verdict] = judge([CY], others=[again])

    assert verdict.nearest is None and verdict.problem is None


def test_similarity_is_the_jaccard_index_of_the_trigram_sets() -> None:
    rng = random.Random(3)
    words = ["serum", "toner", "rice", "oily", "reel", "travel", "honest", "barrier"]
    for _ in range(200):
        left = shingles(" ".join(rng.choices(words, k=rng.randint(0, 6))))
        right = shingles(" ".join(rng.choices(words, k=rng.randint(0, 6))))
        union = left | right
        expected = len(left & right) / len(union) if left and right else 0.0
        assert similarity(left, right) == expected
    assert similarity(frozenset({"abc"}), frozenset({"abc"})) == 1.0
    assert similarity(frozenset({"abc"}), frozenset()) == 0.0
