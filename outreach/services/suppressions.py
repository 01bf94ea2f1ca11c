"""The do-not-contact list: addresses and whole domains, honoured for every campaign."""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterable
from datetime import datetime

from sqlalchemy import bindparam
from sqlmodel import Session, col, select

from outreach.adapters.models import Creator, StoredKey, Suppression, table_of
from outreach.core.addresses import AddressError, domain_of, normalise_address
from outreach.core.erasure import ERASED_PREFIX, ERASURE_KEY, erased_address
from outreach.errors import NotFoundError, OutreachError
from outreach.services.history import add_event


def normalise_entry(entry: str) -> str:
    """'Foo@X.example' becomes 'foo@x.example'; '@x.example' or 'x.example' a domain entry."""
    value = entry.strip().lower()
    if "*" in value:
        raise OutreachError(
            f"{entry!r}: wildcards are not supported; '@example.com' suppresses a whole domain"
        )
    if "@" in value.lstrip("@"):
        try:
            return normalise_address(value)
        except AddressError as exc:
            raise OutreachError(f"{entry!r} is not a valid address: {exc}") from None
    domain = value.lstrip("@")
    try:
        normalise_address(f"postmaster@{domain}")
    except AddressError:
        raise OutreachError(f"{entry!r} is neither an address nor a domain") from None
    return "@" + domain


def suppression_for(session: Session, address: str) -> Suppression | None:
    """The entry that blocks this address (the address itself or its domain), if any."""
    keys = _blocking_entries(erasure_key(session), address)
    return session.exec(_BLOCKING, params={"b_keys": keys}).first()


# Built once: asked for every message sent.
_BLOCKING = select(Suppression).where(
    col(Suppression.address).in_(bindparam("b_keys", expanding=True))
)


def suppressed_among(session: Session, addresses: Iterable[str]) -> set[str]:
    """Which of these addresses a suppression blocks (itself, its domain, or its erasure
    hash), in one query: suppression_for for many at once."""
    key = erasure_key(session)
    keys_of = {address: _blocking_entries(key, address) for address in addresses}
    wanted = {k for keys in keys_of.values() for k in keys}
    statement = select(Suppression.address).where(col(Suppression.address).in_(wanted))
    found = set(session.exec(statement))
    return {address for address, keys in keys_of.items() if found.intersection(keys)}


def _blocking_entries(key: bytes | None, address: str) -> list[str]:
    """The suppression entries that would block this address: itself, its domain, and, once
    anyone was forgotten, the hash a forgotten person is known by."""
    normal = address.lower()
    entries = [normal, "@" + domain_of(normal)]
    if key is not None:
        entries.append(erased_address(key, normal))
    return entries


_KEYS = table_of(StoredKey)
_STORED_KEY = select(_KEYS.c.value).where(_KEYS.c.name == ERASURE_KEY)
_KEY_SEEN = "outreach.erasure_key"  # session.info: the key as this session read it


def erasure_key(session: Session, create: bool = False) -> bytes | None:
    """The database's key for erased addresses (made the first time someone is forgotten)."""
    if not create and _KEY_SEEN in session.info:
        # Asked once per message when planning or sending: read once per session (a key
        # made meanwhile by another process only concerns rows it already anonymised).
        return session.info[_KEY_SEEN]
    value = session.connection().execute(_STORED_KEY).scalar_one_or_none()
    if value is None and create:
        value = secrets.token_hex(32)
        session.add(StoredKey(name=ERASURE_KEY, value=value))
        session.flush()
    key = bytes.fromhex(value) if value is not None else None
    session.info[_KEY_SEEN] = key
    return key


def forgotten_test(session: Session) -> Callable[[str], bool]:
    """A quick test of many addresses: was this one forgotten at its owner's request?"""
    key = erasure_key(session)
    if key is None:
        return lambda _address: False
    statement = select(Suppression.address).where(
        col(Suppression.address).startswith(ERASED_PREFIX)
    )
    erased = set(session.exec(statement))
    return lambda address: erased_address(key, address) in erased


def add_suppression(
    session: Session, entry: str, reason: str, now: datetime, source: str = "manual"
) -> tuple[Suppression, bool]:
    """Suppress an address or domain; returns (entry, created); noted in creators' history.

    Nothing is committed: the caller's transaction holds it with whatever caused it.
    """
    key = normalise_entry(entry)
    found = session.exec(_ENTRY, params={"b_entry": key}).first()
    if found:
        return found, False
    suppression = Suppression(address=key, reason=reason, source=source, created_at=now)
    session.add(suppression)
    for creator_id in _creators_matching(session, key):
        add_event(session, creator_id, "suppressed", f"{key} suppressed: {reason}", now)
    return suppression, True


def remove_suppression(session: Session, entry: str, now: datetime) -> Suppression:
    """Lift a suppression; the removal itself stays in the affected creators' history."""
    key = normalise_entry(entry)
    found = session.exec(_ENTRY, params={"b_entry": key}).first()
    if not found:
        raise NotFoundError(f"{key} is not on the suppression list")
    session.delete(found)
    for creator_id in _creators_matching(session, key):
        add_event(session, creator_id, "unsuppressed", f"{key} removed from suppressions", now)
    session.commit()
    return found


def list_suppressions(session: Session) -> list[Suppression]:
    """Every suppression, oldest first."""
    statement = select(Suppression).order_by(col(Suppression.created_at), col(Suppression.id))
    return list(session.exec(statement))


# Built once: every bounce and opt-out read suppresses an address.
_ENTRY = select(Suppression).where(Suppression.address == bindparam("b_entry"))
# Ids only, in Core: each match gets one history line, and loading whole creators cost more.
_CREATORS = table_of(Creator)
_AT_ADDRESS = select(_CREATORS.c.id).where(_CREATORS.c.email == bindparam("b_entry"))
_AT_DOMAIN = select(_CREATORS.c.id).where(_CREATORS.c.email.endswith(bindparam("b_entry")))


def _creators_matching(session: Session, key: str) -> list[int]:
    statement = _AT_DOMAIN if key.startswith("@") else _AT_ADDRESS
    session.flush()  # as the ORM's query would: a creator changed in this session counts
    return list(session.connection().execute(statement, {"b_entry": key}).scalars())
