"""VERP: a per-message return path, so a bounce names the message it belongs to without parsing."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable

_TOKEN = re.compile(r"^(?P<row>\d{1,18})-(?P<check>[0-9a-f]{10})$")


def envelope_sender(return_path: str | None, row_id: int | None, message_id: str,
                    from_address: str) -> str:  # fmt: skip
    """The SMTP MAIL FROM: base+ROW-CHECK@domain with VERP on, else the From address."""
    if return_path is None or row_id is None:
        return from_address
    local, _, domain = return_path.rpartition("@")
    return f"{local}+{row_id}-{_check(message_id)}@{domain}"


def verp_row(return_path: str | None, addresses: Iterable[str]) -> tuple[int, str] | None:
    """The (outbox row id, check) a bounce was addressed to, when one address is ours."""
    if return_path is None:
        return None
    local, _, domain = return_path.lower().rpartition("@")
    for address in addresses:
        box, _, host = address.strip().strip("<>").lower().rpartition("@")
        head, plus, token = box.partition("+")
        if host != domain or head != local or not plus:
            continue
        match = _TOKEN.match(token)
        if match:
            return int(match.group("row")), match.group("check")
    return None


def check_matches(message_id: str, check: str) -> bool:
    """True when the check belongs to this Message-ID (a forged or guessed token does not)."""
    return _check(message_id) == check


def _check(message_id: str) -> str:
    # Message-IDs hold random parts nobody outside has seen: a row id alone could be guessed
    # and used to suppress a creator by a forged bounce; the hash of the Message-ID cannot.
    return hashlib.sha256(message_id.encode("utf-8")).hexdigest()[:10]
