"""The email package's modern parsing policy, with each header value parsed only once."""

from __future__ import annotations

from email.policy import EmailPolicy, default
from functools import lru_cache
from typing import Any


@lru_cache(maxsize=1024)  # headers repeat within a message, and across a thread
def _parsed(name: str, value: str) -> Any:
    return default.header_fetch_parse(name, value)


class _HeadersReadOnce(EmailPolicy):
    """policy.default, except that reading a header again does not parse it again.

    EmailMessage parses a header on every read: Content-Type alone is read dozens of times
    while one message is walked (parts, charsets, bounce and auto-reply checks), which was
    half the time of an inbox sync. Parsed headers are immutable strings, safe to share.
    """

    def header_fetch_parse(self, name: str, value: str) -> Any:
        """The parsed header object, from the cache when this name and value were seen."""
        if hasattr(value, "name"):
            return value
        return _parsed(name, value)


READ_ONCE = _HeadersReadOnce()
