"""The thread subject under any reply or forward prefixes, in the languages of our creators."""

from __future__ import annotations

import re

# Re:, Fwd:, and their localised forms (German AW/WG, Nordic SV/VS, French TR, Italian R/RIF,
# Dutch Antw, Chinese 回复/答复/转发, Japanese 返信/転送, Korean 회신/답장/전달), with an
# optional counter ("Re[2]:") and an ASCII or full-width colon.
_PREFIX = re.compile(
    r"^\s*(?:re|fwd?|aw|wg|sv|vs|tr|r|rif|antw|回复|答复|转发|返信|転送|회신|답장|전달)"
    r"\s*(?:\[\d+\]|\(\d+\))?\s*[:：]\s*",
    re.IGNORECASE,
)
_MARKER = re.compile(r"^\s*\((?:광고|広告)\)\s*")


def base_subject(subject: str) -> str:
    """The subject with every leading reply/forward prefix and legal marker removed."""
    return without_prefixes(subject).casefold()


def without_prefixes(subject: str) -> str:
    """`base_subject` with its letters' case kept."""
    text = " ".join(subject.split())
    while True:
        stripped = _MARKER.sub("", _PREFIX.sub("", text, count=1), count=1)
        if stripped == text:
            return text
        text = stripped


def has_reply_prefix(subject: str) -> bool:
    """Whether the subject begins with a reply or forward prefix ("Re:", "AW:", "答复:"...)."""
    return _PREFIX.match(subject) is not None
