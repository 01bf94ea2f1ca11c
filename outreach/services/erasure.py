"""`outreach contacts forget`: remove a person's data everywhere, keep them uncontactable."""

from __future__ import annotations

import csv
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from email.parser import BytesHeaderParser
from email.utils import getaddresses
from pathlib import Path

from sqlmodel import Session, select

from outreach.adapters.models import (
    Agreement,
    ContentItem,
    Creator,
    CreatorStatus,
    Enrollment,
    EnrollmentState,
    Event,
    Inbound,
    Message,
    RightsGrant,
    Shipment,
    Suppression,
)
from outreach.constants import CAPTURE_DIRNAME, CONTACTS_DIRNAME
from outreach.core.erasure import erased_address, forgotten_handle
from outreach.services.suppressions import erasure_key

FORGOTTEN = "forgotten at their request"


@dataclass
class ForgetReport:
    """What was removed, by kind, for the person who asked."""

    removed: Counter[str] = field(default_factory=Counter)
    files: list[Path] = field(default_factory=list)


def forget_creator(
    session: Session, creator: Creator, workspace: Path, now: datetime
) -> ForgetReport:
    """Remove the person's data from every table and the workspace files; commit.

    Kept: an anonymous row (counts in reports stay right), what we sent and when, without
    any words, and the keyed hash of the address that keeps them from ever being contacted.
    """
    assert creator.id is not None
    report = ForgetReport()
    address = creator.email.lower()
    key = erasure_key(session, create=True)
    assert key is not None
    entry = erased_address(key, address)
    if session.exec(select(Suppression).where(Suppression.address == entry)).first() is None:
        session.add(Suppression(address=entry, reason=FORGOTTEN, source="erasure", created_at=now))
    for row in session.exec(select(Suppression).where(Suppression.address == address)):
        session.delete(row)
        report.removed["suppression entries naming the address"] += 1
    _forget_profile(creator, now)
    session.add(creator)
    report.removed["profile"] += 1
    _forget_rows(session, creator.id, now, report)
    session.commit()
    _compact(session)
    report.files += _forget_capture_files(workspace / CAPTURE_DIRNAME, address)
    report.files += _forget_contact_rows(workspace / CONTACTS_DIRNAME, address)
    return report


def _forget_profile(creator: Creator, now: datetime) -> None:
    assert creator.id is not None
    creator.handle = forgotten_handle(creator.id)
    creator.email = f"{creator.handle}@forgotten.invalid"
    for name in ("name", "bio", "recent_post", "recent_post_url", "notes", "personal_note",
                 "timezone", "email_source_url", "consent_detail"):  # fmt: skip
        setattr(creator, name, None)
    creator.custom = {}
    creator.status = CreatorStatus.OPTED_OUT.value
    creator.updated_at = now


def _forget_rows(session: Session, creator_id: int, now: datetime, report: ForgetReport) -> None:
    for enrollment in session.exec(select(Enrollment).where(Enrollment.creator_id == creator_id)):
        enrollment.personal_note = None
        if enrollment.state == EnrollmentState.ACTIVE.value:
            enrollment.state, enrollment.end_reason = EnrollmentState.STOPPED.value, FORGOTTEN
            enrollment.next_due_at = None
        enrollment.updated_at = now
        session.add(enrollment)
        report.removed["campaign notes"] += 1
    for message in session.exec(select(Message).where(Message.creator_id == creator_id)):
        message.to_address = message.subject = message.body_text = message.raw = ""
        message.body_html = message.smtp_response = message.last_error = None
        if message.state in ("queued", "draft", "held"):
            message.state = "cancelled"  # never sent now: nothing left to send
        session.add(message)
        report.removed["messages (their words and address)"] += 1
    for event in session.exec(select(Event).where(Event.creator_id == creator_id)):
        event.summary, event.detail = f"{event.kind}: details removed ({FORGOTTEN})", {}
        session.add(event)
        report.removed["history entries"] += 1
    for inbound in session.exec(select(Inbound).where(Inbound.creator_id == creator_id)):
        inbound.sender = inbound.note = inbound.header_message_id = None
        inbound.subject = inbound.text = inbound.raw = ""
        session.add(inbound)
        report.removed["replies and bounces"] += 1
    _forget_relationship(session, creator_id, report)


def _forget_relationship(session: Session, creator_id: int, report: ForgetReport) -> None:
    for agreement in session.exec(select(Agreement).where(Agreement.creator_id == creator_id)):
        agreement.deliverables = None
        session.add(agreement)
        report.removed["agreements (their terms)"] += 1
    for shipment in session.exec(select(Shipment).where(Shipment.creator_id == creator_id)):
        shipment.tracking = shipment.carrier = None  # a tracking number leads to their address
        session.add(shipment)
        report.removed["shipments (tracking)"] += 1
    for item in session.exec(select(ContentItem).where(ContentItem.creator_id == creator_id)):
        item.url = f"forgotten-{item.id}"
        session.add(item)
        report.removed["posts (their addresses)"] += 1
    for grant in session.exec(select(RightsGrant).where(RightsGrant.creator_id == creator_id)):
        grant.content_url = f"forgotten-{grant.id}"
        session.add(grant)
        report.removed["usage rights (content addresses)"] += 1


def _compact(session: Session) -> None:
    """Make the removed text unrecoverable from the database file (SQLite keeps free pages)."""
    engine = session.get_bind().engine
    if engine.dialect.name != "sqlite":
        return  # PostgreSQL: see the README on backups and VACUUM FULL
    # The driver's own connection: VACUUM cannot run inside the transaction ours would open.
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        cursor.execute("VACUUM")
        cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        cursor.close()
    finally:
        raw.close()


def _forget_capture_files(folder: Path, address: str) -> list[Path]:
    """Captured .eml files sent to the address (the demo's and capture mode's outbox)."""
    removed = []
    for path in sorted(folder.glob("*.eml")) if folder.is_dir() else []:
        with path.open("rb") as handle:
            headers = BytesHeaderParser().parse(handle)
        recipients = [a.lower() for _, a in getaddresses(headers.get_all("To", []))]
        if address in recipients:
            path.unlink()
            removed.append(path)
    return removed


def _forget_contact_rows(folder: Path, address: str) -> list[Path]:
    """Rows for the person in the contacts CSV files (so a re-import cannot bring them back)."""
    changed = []
    for path in sorted(folder.glob("*.csv")) if folder.is_dir() else []:
        raw = path.read_text(encoding="utf-8-sig")
        if address not in raw.lower():
            continue
        rows = list(csv.reader(raw.splitlines()))
        kept = [row for row in rows if address not in (cell.strip().lower() for cell in row)]
        if len(kept) == len(rows):
            continue
        with path.open("w", encoding="utf-8", newline="") as handle:
            csv.writer(handle).writerows(kept)
        changed.append(path)
    return changed
