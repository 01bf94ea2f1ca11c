"""Signed one-click unsubscribe tokens (RFC 8058): one per message, unguessable, expiring.

A token names the message it came with (its Message-ID) and the day it was made, signed with
HMAC-SHA256 under the workspace's secret. Nothing in it can be guessed or changed without
the secret, and it says nothing about the person beyond what the message's own headers do.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import date, timedelta

# US CAN-SPAM asks that an opt-out keep working for at least 30 days after sending; a link
# that still works after a year is kinder to someone clearing an old mailbox.
TOKEN_LIFETIME = timedelta(days=400)
_EPOCH = date(2020, 1, 1)
_SIGNATURE_BYTES = 16


class TokenError(ValueError):
    """A token that is not ours, was changed, or has expired (`expired` tells which)."""

    def __init__(self, reason: str, expired: bool = False) -> None:
        super().__init__(reason)
        self.expired = expired


def make_token(secret: bytes, message_id: str, issued_on: date) -> str:
    """The token for one message, made on that day."""
    payload = f"{message_id.strip('<>')}|{(issued_on - _EPOCH).days}".encode()
    return f"{_encode(payload)}.{_encode(_sign(secret, payload))}"


def read_token(secret: bytes, token: str, today: date) -> str:
    """The Message-ID (with <>) a valid token was made for; raises TokenError otherwise."""
    try:
        encoded_payload, encoded_signature = token.strip().split(".")
        payload, signature = _decode(encoded_payload), _decode(encoded_signature)
    except ValueError:
        raise TokenError("not an unsubscribe token") from None
    if not hmac.compare_digest(signature, _sign(secret, payload)):
        raise TokenError("the token was changed or is not ours")
    message_id, _, day = payload.decode("utf-8", "replace").rpartition("|")
    issued_on = _EPOCH + timedelta(days=int(day))
    if today - issued_on > TOKEN_LIFETIME:
        raise TokenError(f"the link expired (made {issued_on.isoformat()})", expired=True)
    return f"<{message_id}>"


def _sign(secret: bytes, payload: bytes) -> bytes:
    return hmac.new(secret, payload, hashlib.sha256).digest()[:_SIGNATURE_BYTES]


def _encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


def _decode(text: str) -> bytes:
    if not text or not all(c.isalnum() or c in "-_" for c in text):
        raise ValueError("not base64url")
    data = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    if _encode(data) != text:
        # Only our own spelling: the unused low bits of the last character must be zero, so
        # each token has exactly one form and a changed character never still passes.
        raise ValueError("not canonical base64url")
    return data
