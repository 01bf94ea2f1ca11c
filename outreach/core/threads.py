"""Follow-ups go in the same thread: subject and reference headers from earlier messages."""

from __future__ import annotations

from dataclasses import dataclass

# Korea's Network Act wants "(광고)" at the very start of an advertising subject, so a reply
# keeps it in front: "(광고) Re: ...", never "Re: (광고) ...".
_LEADING_MARKERS = ("(광고)",)
_REPLY_PREFIXES = ("re:", "re：", "答复:", "回复:", "aw:", "sv:")


@dataclass(frozen=True)
class Thread:
    """The messages a follow-up answers: the first subject and every Message-ID, oldest first."""

    first_subject: str
    message_ids: tuple[str, ...]


def follow_up_subject(first_subject: str) -> str:
    """'Re: ' + the first subject, keeping a legal marker first and never doubling 'Re:'."""
    marker = next((m for m in _LEADING_MARKERS if first_subject.startswith(m)), "")
    rest = first_subject[len(marker) :].strip()
    if not rest.lower().startswith(_REPLY_PREFIXES):
        rest = f"Re: {rest}"
    return f"{marker} {rest}" if marker else rest
