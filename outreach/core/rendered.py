"""A rendered message: what one creator would read, apart from the engine that rendered it."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class RenderedMessage:
    """What one creator would read: subject, text, optional HTML."""

    subject: str | None  # None: a follow-up that takes "Re:" + its thread's subject
    text: str
    html: str | None
