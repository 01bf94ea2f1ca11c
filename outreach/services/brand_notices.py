"""The daemon's mail to the brand: expiring usage rights once each, and the daily digest."""

from __future__ import annotations

import logging
from datetime import datetime, time, timedelta
from email.utils import parseaddr
from zoneinfo import ZoneInfo

from sqlmodel import col, select

from outreach.adapters.campaign_files import load_all_campaigns
from outreach.adapters.models import RightsGrant, SendCounter
from outreach.core.brand_notices import notice_bytes, rights_warning_text
from outreach.core.report_html import report_html
from outreach.core.report_text import percent, report_text
from outreach.services.app import App
from outreach.services.relationships import list_rights
from outreach.services.report import ReportRequest, build_report
from outreach.services.send_counters import claim_until

log = logging.getLogger("outreach.notices")
NOTICE_LEASE = timedelta(minutes=10)  # one worker writes a notice; others wait this long
DEFAULT_DIGEST_AT = "08:00"  # the brand's local morning, when OUTREACH_DIGEST_AT is not set
DIGEST_DONE = timedelta(days=2)  # a day's digest, once sent, is held past that day


async def warn_expiring_rights(app: App, now: datetime) -> int:
    """Mail the brand once about each grant entering the warning period; returns how many."""
    settings = app.settings
    if not settings.digest_to or not settings.sender:
        return 0
    today = now.astimezone(ZoneInfo(settings.timezone)).date()
    with app.session() as session:
        if claim_until(session, "notice:rights", now, NOTICE_LEASE) is not None:
            return 0
        session.commit()
        rows = [row for row in list_rights(session, today, settings.rights_warn_days)
                if row.grant.warned_at is None]  # fmt: skip
    if not rows:
        return 0
    text = rights_warning_text(
        [(r.handle, r.grant.ends_on, r.days_left, ",".join(r.grant.channels),
          r.grant.content_url) for r in rows],
        settings.rights_warn_days,
    )  # fmt: skip
    subject = f"Usage rights ending soon: {len(rows)} (first on {rows[0].grant.ends_on})"
    raw = notice_bytes(settings.sender, settings.digest_to, subject, text, now)
    await app.transport.send(raw, parseaddr(settings.sender)[1], [settings.digest_to])
    # Marked after the mail went: a failure means a second try, never a silent miss.
    with app.session() as session:
        ids = [row.grant.id for row in rows]
        for grant in session.exec(select(RightsGrant).where(col(RightsGrant.id).in_(ids))):
            grant.warned_at = now
            session.add(grant)
        session.commit()
    log.info("mailed %s about %d expiring usage right(s)", settings.digest_to, len(rows))
    return len(rows)


async def send_daily_digest(app: App, now: datetime) -> bool:
    """Mail the report to the brand once a day, at OUTREACH_DIGEST_AT (08:00) local or later."""
    settings = app.settings
    if not settings.digest_to or not settings.sender:
        return False
    local = now.astimezone(ZoneInfo(settings.timezone))
    if local.time() < time.fromisoformat(settings.digest_at or DEFAULT_DIGEST_AT):
        return False
    scope = f"digest:{local.date().isoformat()}"
    with app.session() as session:
        # The lease is short until the mail has gone: a failed send is tried again later today.
        if claim_until(session, scope, now, NOTICE_LEASE) is not None:
            return False
        session.commit()
    request = ReportRequest(
        now=now, timezone=settings.timezone, rights_warn_days=settings.rights_warn_days,
        known_campaigns=tuple(sorted(load_all_campaigns(app.schedules))),
    )  # fmt: skip
    with app.reading() as session:  # a report holds no other worker or command up
        report = build_report(session, request)
    waiting = len(report["needs_response"])
    rates = ", ".join(f"{c['name']} {percent(c['reply_rate'])}" for c in report["campaigns"])
    subject = f"Outreach {local.date()}: {waiting} waiting; reply rate {rates or '-'}"
    raw = notice_bytes(
        settings.sender, settings.digest_to, subject, report_text(report), now,
        html=report_html(report),
    )  # fmt: skip
    await app.transport.send(raw, parseaddr(settings.sender)[1], [settings.digest_to])
    with app.session() as session:
        counter = session.get(SendCounter, (scope, "*"))
        if counter is not None:
            counter.next_send_at = now + DIGEST_DONE
            session.add(counter)
            session.commit()
    log.info("mailed the daily digest to %s", settings.digest_to)
    return True
