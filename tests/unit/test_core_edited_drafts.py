"""A draft edited by hand: read back from the editor and refused when it would go out wrong."""

from __future__ import annotations

import pytest

from outreach.core.edited_drafts import EditError, editor_text, read_edited

HELP = ["Edit above the line."]


def test_the_editor_text_reads_back_as_the_subject_and_body_without_the_help() -> None:
    text = editor_text("Hello from Glowlab", "Hi Ann,\n\nA line.\n", HELP)

    edited = read_edited(text.replace("A line.", "A line I wrote myself."))

    assert edited.subject == "Hello from Glowlab"
    assert edited.body == "Hi Ann,\n\nA line I wrote myself."


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("Hi Ann,\n\nNo subject line.", "the first line must be 'Subject: ...'"),
        ("Subject: \n\nHi", "the subject is empty"),
        ("Subject: Hi\n\n   \n", "the message text is empty"),
        ("Subject: Hi\n\nHi {{ first_name }},", "template code '{{'"),
        ("Subject: Hi {% if x %}\n\nHi", "the subject still holds template code '{%'"),
        ("Subject: Hi\n\nDear None,", "the text says 'None' where a value belongs"),
        ("Subject: Hi\n\n[note here] thanks", "the text still holds '[note here]'"),
    ],
)
def test_an_edit_that_would_go_out_wrong_is_refused_with_the_reason(text: str, reason: str) -> None:
    with pytest.raises(EditError) as caught:
        read_edited(text, ("[note here]",))

    assert reason in str(caught.value)
