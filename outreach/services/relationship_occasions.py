"""The recorded events and dates relationship steps are timed from, and why one is moot."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from typing import Any

from sqlalchemy import and_, bindparam
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from outreach.adapters.models import (
    Agreement,
    ContentItem,
    Creator,
    Enrollment,
    EnrollmentState,
    RightsGrant,
    Shipment,
)
from outreach.core.campaign_spec import CampaignSpec
from outreach.core.relationship_steps import RelationshipStep, day_start
from outreach.core.timing import recipient_zone

# A creator who replied is in a relationship and gets these; these enrolments never do.
BLOCKED_STATES = (
    EnrollmentState.BOUNCED.value,
    EnrollmentState.OPTED_OUT.value,
    EnrollmentState.STOPPED.value,
)
# Each anchor: the table it is read from, its moment column, and a fallback column.
_SOURCES: dict[str, tuple[Any, Any, Any]] = {
    "agreed": (Agreement, Agreement.agreed_at, None),
    "shipped": (Shipment, Shipment.shipped_at, None),
    "delivered": (Shipment, Shipment.delivered_on, None),
    "posted": (ContentItem, ContentItem.posted_on, ContentItem.recorded_at),
    "due": (Agreement, Agreement.due_on, None),
    "rights_end": (RightsGrant, RightsGrant.ends_on, None),
}


@dataclass(frozen=True)
class Occasion:
    """One moment a relationship step is due for one enrolment."""

    enrollment_id: int
    step: RelationshipStep
    row_id: int  # the agreement, shipment, content or rights row it is timed from
    moment: datetime


def occasions(session: Session, spec: CampaignSpec, step: RelationshipStep) -> Iterator[Occasion]:
    """Every recorded event or date of this step's anchor in the campaign, with its moment."""
    window_zone = spec.window.timezone if spec.window else None
    rows = session.execute(_occasions_of(step.anchor), {"campaign": spec.name})
    for row_id, at, backup, enrollment_id, timezone, country in rows:
        zone = recipient_zone(timezone, country, window_zone)
        anchor = at if at is not None else backup
        moment_at = anchor if isinstance(anchor, datetime) else day_start(anchor, zone)
        yield Occasion(enrollment_id, step, row_id, step.moment(moment_at))


@cache
def _occasions_of(anchor: str) -> Any:
    """The query of one anchor's rows, built once: the worker asks it at every pass."""
    model, value, fallback = _SOURCES[anchor]
    same_enrollment = and_(
        Enrollment.creator_id == model.creator_id, Enrollment.campaign == model.campaign
    )
    statement = (
        # SQLAlchemy's own select: SQLModel's overloads stop at four columns. Columns, not
        # whole rows: the worker reads every recorded event of the campaign at each pass.
        sa_select(
            model.id,
            value,
            fallback if fallback is not None else value,
            col(Enrollment.id),
            col(Creator.timezone),
            col(Creator.country),
        )
        .join(Enrollment, same_enrollment)
        .join(Creator, col(Creator.id) == model.creator_id)
        .where(
            model.campaign == bindparam("campaign"), col(Enrollment.state).not_in(BLOCKED_STATES)
        )
    )
    if fallback is None:
        statement = statement.where(col(value).is_not(None))
    return statement


def moot_reason(
    session: Session, anchor: str, row_id: int, creator: Creator, campaign: str, today: date
) -> str | None:
    """Why a step is no longer wanted: content already posted, rights renewed or ended."""
    if anchor == "due":
        posted = select(ContentItem.id).where(
            ContentItem.creator_id == creator.id, ContentItem.campaign == campaign
        )
        return "content already posted" if session.exec(posted).first() else None
    if anchor == "rights_end":
        grant = session.get(RightsGrant, row_id)
        if grant is None or grant.ends_on < today:
            return "rights already ended"
        later = select(RightsGrant.id).where(
            RightsGrant.creator_id == grant.creator_id,
            RightsGrant.content_url == grant.content_url,
            col(RightsGrant.id) > row_id,
        )
        return "rights already renewed" if session.exec(later).first() else None
    return None
