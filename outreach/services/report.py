"""The reply status report: per-campaign figures, breakdowns and the lists people act on."""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, cast
from zoneinfo import ZoneInfo

from sqlalchemy import String, case, distinct, func, or_, type_coerce
from sqlalchemy import cast as sql_cast
from sqlmodel import Session, col, select

from outreach.adapters.models import (
    Creator,
    Enrollment,
    EnrollmentState,
    Inbound,
    Message,
    MessageState,
)
from outreach.constants import TIER_ABOVE_ALL, TIER_BOUNDS_FOLLOWERS
from outreach.core.report_figures import CampaignFigures, combined_breakdown
from outreach.services.inbox_health import inbox_health_json, waiting_for_inbox
from outreach.services.relationships import list_rights

# sqlmodel types select() for up to four columns; wider reads are typed by hand.
wide_select = cast(Any, select)
LIST_LIMIT = 50  # each list is capped: a morning report, not a dump
TEXT_PREVIEW = 200  # characters of a reply shown in a list


@dataclass(frozen=True)
class ReportRequest:
    """What to report on: one campaign or all, since a date, seen from the brand's zone."""

    now: datetime
    timezone: str
    campaign: str | None = None
    since: date | None = None
    rights_warn_days: int = 30
    known_campaigns: tuple[str, ...] = ()


def build_report(session: Session, request: ReportRequest) -> dict[str, Any]:
    """The whole report as JSON-ready data, read in a handful of grouped queries."""
    zone = ZoneInfo(request.timezone)
    since = datetime.combine(request.since, datetime.min.time(), zone) if request.since else None
    figures: dict[str, CampaignFigures] = {}

    def campaign(name: str) -> CampaignFigures:
        found = figures.get(name)
        if found is None:
            found = figures[name] = CampaignFigures(name)
        return found

    names = [request.campaign] if request.campaign else request.known_campaigns
    for name in names:
        campaign(name)
    _count_enrollments(session, request, since, campaign)
    _count_sent(session, request, since, campaign)
    replies_by_day = _count_inbound(session, request, since, zone, campaign)
    campaigns = []
    for name in sorted(figures):
        summary = figures[name].as_json()
        summary["replies_by_day"] = [
            {"day": day, "replies": count} for day, count in sorted(replies_by_day[name].items())
        ]
        campaigns.append(summary)
    today = request.now.astimezone(zone).date()
    return {
        "generated_at": request.now.isoformat(),
        "timezone": request.timezone,
        "campaign": request.campaign,
        "since": request.since.isoformat() if request.since else None,
        "inboxes": inbox_health_json(session),
        "waiting_for_inbox": waiting_for_inbox(session),
        "campaigns": campaigns,
        "breakdown": combined_breakdown(figures.values()),
        "needs_response": _needs_response(session, request),
        "next_follow_ups": _next_follow_ups(session, request),
        "unknown_deliveries": _unknown_deliveries(session, request),
        "expiring_rights": [
            row.as_json()
            for row in list_rights(session, today, request.rights_warn_days)
            if request.campaign in (None, row.grant.campaign)
        ],
    }


def recorded_campaigns(session: Session) -> set[str]:
    """Names of campaigns the database holds enrolments for (a file may have been removed)."""
    return set(session.exec(select(Enrollment.campaign).distinct()))


def _scoped(statement: Any, column: Any, request: ReportRequest) -> Any:
    return statement.where(column == request.campaign) if request.campaign else statement


def _count_enrollments(
    session: Session, request: ReportRequest, since: datetime | None, campaign: Any
) -> None:
    statement = select(Enrollment.campaign, Enrollment.state, func.count()).group_by(
        col(Enrollment.campaign), col(Enrollment.state)
    )
    if since:
        statement = statement.where(col(Enrollment.created_at) >= since)
    for name, state, count in session.exec(_scoped(statement, Enrollment.campaign, request)):
        campaign(name).enrollment_states[state] += count


def _sent_filter(statement: Any, request: ReportRequest, since: datetime | None) -> Any:
    statement = statement.where(
        Message.state == MessageState.SENT.value, col(Message.campaign).is_not(None)
    )
    if since:
        statement = statement.where(col(Message.sent_at) >= since)
    return _scoped(statement, Message.campaign, request)


def _count_sent(
    session: Session, request: ReportRequest, since: datetime | None, campaign: Any
) -> None:
    groups = (Message.campaign, Message.step, Message.template, Message.language,
              Message.from_address)  # fmt: skip
    statement = wide_select(*groups, func.count()).group_by(*(col(c) for c in groups))
    for name, step, template, language, mailbox, count in session.exec(
        _sent_filter(statement, request, since)
    ):
        figures = campaign(name)
        figures.messages_sent += count
        for dimension, group in (("step", step), ("template", template),
                                 ("language", language), ("mailbox", mailbox)):  # fmt: skip
            figures.tally(dimension, group).sent += count
    # Tier and niche belong to the creator: count each creator reached once per campaign.
    # Grouped in SQL by tier and by the niche list as text (PostgreSQL cannot group JSON), so
    # 200,000 creators come back as a few dozen rows.
    pairs = _sent_filter(select(Message.campaign, Message.creator_id), request, since)
    reached = pairs.distinct().subquery()
    tier, niches = tier_expression(), cast_text(Creator.niches, _dialect(session))
    creators = (
        wide_select(reached.c.campaign, tier, niches, func.count())
        .join(Creator, col(Creator.id) == reached.c.creator_id)
        .group_by(reached.c.campaign, tier, niches)
    )
    for name, tier_name, niche_list, count in session.exec(creators):
        figures = campaign(name)
        figures.creators_reached += count
        figures.tally("tier", tier_name).sent += count
        for niche in json.loads(niche_list or "[]") or ["none"]:
            figures.tally("niche", niche).sent += count
    unknown = select(Message.campaign, func.count()).where(
        Message.state == MessageState.UNKNOWN.value, col(Message.campaign).is_not(None)
    )
    for name, count in session.exec(
        _scoped(unknown, Message.campaign, request).group_by(col(Message.campaign))
    ):
        campaign(name).unknown_delivery += count


def _dialect(session: Session) -> str:
    return session.get_bind().dialect.name


def tier_expression() -> Any:
    """The creator's tier computed in SQL, with the same bounds as core.tiers."""
    whens = [(col(Creator.followers) < bound, name) for name, bound in TIER_BOUNDS_FOLLOWERS]
    return case((col(Creator.followers).is_(None), None), *whens, else_=TIER_ABOVE_ALL)


def cast_text(column: Any, dialect: str) -> Any:
    """A JSON column read as its text: PostgreSQL cannot group JSON; SQLite stores it as text
    already, and casting each of 200,000 values cost a quarter of the report's main query."""
    return type_coerce(column, String) if dialect == "sqlite" else sql_cast(column, String)


def _count_inbound(
    session: Session, request: ReportRequest, since: datetime | None, zone: ZoneInfo, campaign: Any
) -> dict[str, Counter[str]]:
    def answering(statement: Any) -> Any:
        statement = statement.join(Message, col(Inbound.message_id) == col(Message.id)).where(
            col(Message.campaign).is_not(None)
        )
        if since:
            statement = statement.where(col(Inbound.received_at) >= since)
        return _scoped(statement, Message.campaign, request)

    others = answering(
        select(Message.campaign, Inbound.kind, func.count(distinct(col(Inbound.creator_id))))
        .where(Inbound.kind != "reply")
        # A delay notice is no bounce (older versions stored it as one, labelled "delayed").
        .where(or_(col(Inbound.label).is_(None), col(Inbound.label) != "delayed"))
        .group_by(col(Message.campaign), col(Inbound.kind))
    )
    for name, kind, count in session.exec(others):
        figures = campaign(name)
        if kind == "bounce":
            figures.bounced_creators += count
        elif kind == "opt_out":
            figures.opted_out_creators += count
        elif kind == "auto_reply":
            figures.auto_replied += count
    # Each creator's latest reply in a campaign gives the label (ids follow arrival order).
    latest = answering(
        select(func.max(Inbound.id).label("id"))
        .where(Inbound.kind == "reply")
        .group_by(col(Message.campaign), col(Inbound.creator_id))
    ).subquery()
    tier, niches = tier_expression(), cast_text(Creator.niches, _dialect(session))
    groups = (Message.campaign, Inbound.label, Message.step, Message.template, Message.language,
              Message.from_address, tier, niches)  # fmt: skip
    labelled = (
        wide_select(*groups, func.count())
        .join(latest, col(Inbound.id) == latest.c.id)
        .join(Message, col(Inbound.message_id) == col(Message.id))
        .join(Creator, col(Inbound.creator_id) == col(Creator.id))
        .group_by(*groups)
    )
    for row in session.exec(labelled):
        _count_replies(campaign(row[0]), row)
    by_day: dict[str, Counter[str]] = defaultdict(Counter)
    moments = answering(
        select(Message.campaign, Inbound.received_at).where(Inbound.kind == "reply")
    )
    for name, received_at in session.exec(moments):
        by_day[name][received_at.astimezone(zone).date().isoformat()] += 1
    return by_day


def _count_replies(figures: CampaignFigures, row: Iterable[Any]) -> None:
    _, label, step, template, language, mailbox, tier, niche_list, count = row
    figures.reply_labels[label or "unclear"] += count
    positive = count if label == "interested" else 0
    groups = [("step", step), ("template", template), ("language", language),
              ("mailbox", mailbox), ("tier", tier)]  # fmt: skip
    groups += [("niche", niche) for niche in json.loads(niche_list or "[]") or ["none"]]
    for dimension, group in groups:
        tally = figures.tally(dimension, group)
        tally.replied += count
        tally.interested += positive


def _needs_response(session: Session, request: ReportRequest) -> list[dict[str, Any]]:
    statement = (
        select(Inbound, Creator.handle, Message.campaign)
        .join(Creator, col(Inbound.creator_id) == col(Creator.id), isouter=True)
        .join(Message, col(Inbound.message_id) == col(Message.id), isouter=True)
        .where(
            col(Inbound.kind).in_(["reply", "unmatched", "quarantined"]),
            col(Inbound.handled_at).is_(None),
        )
        .order_by(col(Inbound.received_at), col(Inbound.id))
        .limit(LIST_LIMIT)
    )
    return [
        {
            "id": inbound.id,
            "creator": handle,
            "campaign": name,
            "kind": inbound.kind,
            "label": inbound.label,
            "confidence": inbound.confidence,
            "received_at": inbound.received_at.isoformat(),
            "age_hours": _hours(request.now - inbound.received_at),
            "subject": inbound.subject,
            "text": inbound.text[:TEXT_PREVIEW],
        }
        for inbound, handle, name in session.exec(_scoped(statement, Message.campaign, request))
    ]


def _next_follow_ups(session: Session, request: ReportRequest) -> list[dict[str, Any]]:
    statement = (
        select(Enrollment, Creator.handle)
        .join(Creator)
        .where(
            Enrollment.state == EnrollmentState.ACTIVE.value,
            col(Enrollment.next_due_at).is_not(None),
            col(Enrollment.next_step) > 1,
        )
        .order_by(col(Enrollment.next_due_at), col(Enrollment.id))
        .limit(LIST_LIMIT)
    )
    return [
        {
            "creator": handle,
            "campaign": e.campaign,
            "step": e.next_step,
            "due_at": e.next_due_at.isoformat() if e.next_due_at else None,
        }
        for e, handle in session.exec(_scoped(statement, Enrollment.campaign, request))
    ]


def _unknown_deliveries(session: Session, request: ReportRequest) -> list[dict[str, Any]]:
    statement = (
        select(Message, Creator.handle)
        .join(Creator)
        .where(Message.state == MessageState.UNKNOWN.value)
        .order_by(col(Message.id))
        .limit(LIST_LIMIT)
    )
    return [
        {
            "id": m.id,
            "creator": handle,
            "campaign": m.campaign,
            "step": m.step,
            "to": m.to_address,
            "since": (m.first_attempt_at or m.created_at).isoformat(),
            "error": m.last_error,
        }
        for m, handle in session.exec(_scoped(statement, Message.campaign, request))
    ]


def _hours(span: Any) -> float:
    return round(span.total_seconds() / 3600, 1)
