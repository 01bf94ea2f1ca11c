"""What is left of a forgotten person: a keyed hash of their address, never the address."""

from __future__ import annotations

import hashlib
import hmac

ERASED_PREFIX = "erased:"  # how the hash is stored among the suppressions
ERASURE_KEY = "erasure"  # the name of the database's key for it (stored_keys)


def erased_address(key: bytes, address: str) -> str:
    """The suppression entry that stands for an erased address (HMAC-SHA256, keyed).

    Keyed, so the list cannot be matched against addresses by anyone without this database's
    key; one-way, so the address itself cannot be read back from it.
    """
    digest = hmac.new(key, address.strip().lower().encode("utf-8"), hashlib.sha256).hexdigest()
    return ERASED_PREFIX + digest


def forgotten_handle(creator_id: int) -> str:
    """The handle an erased creator's row keeps, so counts and links stay whole."""
    return f"forgotten-{creator_id}"
