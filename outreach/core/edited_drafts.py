"""A draft a person edited by hand: read back from the editor, and checked before it may go."""

from __future__ import annotations

import re
from dataclasses import dataclass

# Everything below this line in the editor is help, not the message (as git's commit scissors).
SCISSORS = "# ------------------------ >8 ------------------------"
_RESIDUE = re.compile(r"\{\{|\}\}|\{%|%\}|\{#|#\}")
# Words a failed merge leaves where a value was missing (next to any non-Latin letter too:
# "None님" is a Korean greeting to nobody).
_EMPTY_FIELD = re.compile(r"(?<![A-Za-z])(None|undefined|nan)(?![A-Za-z])")
_SUBJECT = "Subject:"


class EditError(ValueError):
    """The edited text cannot be sent as it is; the reason says what to fix."""


@dataclass(frozen=True)
class EditedDraft:
    """The subject and body a person wrote, checked."""

    subject: str
    body: str


def editor_text(subject: str, body: str, help_lines: list[str]) -> str:
    """What the editor opens: the subject line, a blank line, the body, then the help."""
    return (
        f"{_SUBJECT} {subject}\n\n{body.rstrip()}\n\n{SCISSORS}\n"
        + "\n".join(f"# {line}" for line in help_lines)
        + "\n"
    )


def read_edited(text: str, placeholders: tuple[str, ...] = ()) -> EditedDraft:
    """The edited subject and body; EditError names what would go out wrong."""
    kept = text.split(SCISSORS, 1)[0].replace("\r\n", "\n")
    head, blank, body = kept.lstrip("\n").partition("\n\n")
    if not head.startswith(_SUBJECT) or not blank:
        raise EditError("the first line must be 'Subject: ...', then a blank line, then the text")
    if "\n" in head:
        raise EditError("the subject must be one line (a line break there would make a header)")
    subject, body = head[len(_SUBJECT) :].strip(), body.strip("\n")
    if not subject:
        raise EditError("the subject is empty")
    if not body.strip():
        raise EditError("the message text is empty")
    for part, value in (("subject", subject), ("text", body)):
        residue = _RESIDUE.search(value)
        if residue:
            raise EditError(f"the {part} still holds template code {residue.group()!r}")
        empty = _EMPTY_FIELD.search(value)
        if empty:
            raise EditError(f"the {part} says {empty.group()!r} where a value belongs")
        for placeholder in placeholders:
            if placeholder in value:
                raise EditError(f"the {part} still holds {placeholder!r}")
    return EditedDraft(subject, body)
