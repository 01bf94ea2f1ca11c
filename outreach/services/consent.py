"""Consent to be written to, recorded with how it was given, in the creator's history."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from outreach.adapters.models import Creator
from outreach.core.contact_rows import is_http_link
from outreach.errors import OutreachError
from outreach.services.history import record_event


def record_consent(
    session: Session, creator: Creator, how: str, url: str | None, note: str | None,
    now: datetime,
) -> None:  # fmt: skip
    """Mark the address as given with consent (email_source "consent"); commit."""
    how = how.strip()
    if not how or "\n" in how or len(how) > 200:
        raise OutreachError("--source: say in one short line how consent was given, "
                            "e.g. 'reply to our DM on Instagram'")  # fmt: skip
    if url is not None and not is_http_link(url):
        raise OutreachError(f"--url: {url!r} is not an http(s) link")
    detail = "; ".join(part for part in (how, url, note) if part)
    creator.email_source, creator.consent_at, creator.consent_detail = "consent", now, detail
    if url:
        creator.email_source_url = url
    creator.updated_at = now
    session.add(creator)
    record_event(session, creator, "consent", f"consent recorded: {detail}", now,
                 detail={"how": how, "url": url, "note": note})  # fmt: skip
    session.commit()
