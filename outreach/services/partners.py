"""Past partners: score every creator with a history, rank them, promote ambassadors."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import and_, exists, func, or_
from sqlmodel import Session, col, select

from outreach.adapters.models import (
    Agreement,
    ContentItem,
    Creator,
    CreatorStatus,
    Enrollment,
    EnrollmentState,
    Inbound,
    RightsGrant,
    Suppression,
)
from outreach.core.addresses import domain_of
from outreach.core.campaign_spec import CampaignSpec
from outreach.core.partner_scores import (
    PartnerFacts,
    PartnerScore,
    delivery,
    ranking_key,
    score_partner,
)
from outreach.core.selection import selection_misses
from outreach.services.history import record_event

_BLOCKED = (CreatorStatus.OPTED_OUT.value, CreatorStatus.BOUNCED.value)
_REPLIED, _SILENT = EnrollmentState.REPLIED.value, EnrollmentState.COMPLETED.value
# What selection_misses reads of a creator; only these columns are loaded.
_PROFILE = ("platform", "niches", "language", "country", "followers", "engagement_rate")


@dataclass(frozen=True)
class Partner:
    """One past partner: who, the score with its reasons, and how many campaigns."""

    creator_id: int
    handle: str
    platform: str
    name: str | None
    email: str
    ambassador: bool
    score: PartnerScore
    campaigns: int
    agreements: int

    def as_json(self) -> dict[str, Any]:
        """The documented JSON shape of `outreach partners --format json`."""
        return {
            "handle": self.handle,
            "platform": self.platform,
            "name": self.name,
            "email": self.email,
            "score": self.score.points,
            "ambassador": self.ambassador,
            "campaigns": self.campaigns,
            "agreements": self.agreements,
            "reasons": list(self.score.reasons),
        }


def rank_partners(
    session: Session, now: datetime, campaign: CampaignSpec | None = None
) -> list[Partner]:
    """Past partners best first, without opted-out, bounced or suppressed creators.

    With a campaign: only those who fit its [selection] and are not enrolled in it yet.
    """
    counts = _gather_counts(session, now.date())
    enrolled_here: set[int] = set()
    criteria: dict[str, Any] = {}
    if campaign is not None:
        statement = select(Enrollment.creator_id).where(Enrollment.campaign == campaign.name)
        enrolled_here = set(session.exec(statement))
        criteria = campaign.selection.as_mapping()
    partners = []
    for row in _contactable_partners(session, with_profile=campaign is not None):
        creator_id = row[0]
        if campaign is not None and (
            creator_id in enrolled_here
            or selection_misses(dict(zip(_PROFILE, row[6:], strict=True)), criteria)
        ):
            continue
        partner = _partner(row, counts.get(creator_id, _Counts()))
        if partner.score.reasons:
            # Only contacted, nothing happened yet: not a past partner (and it scores 0,
            # like a stranger, wherever partners are preferred).
            partners.append(partner)
    partners.sort(key=lambda p: ranking_key(p.score.points, p.ambassador, p.creator_id))
    return partners


def partner_points(session: Session, now: datetime) -> dict[int, tuple[int, bool]]:
    """(score, ambassador) of every contactable past partner, by creator id."""
    return {p.creator_id: (p.score.points, p.ambassador) for p in rank_partners(session, now)}


def set_ambassador(session: Session, creator: Creator, value: bool, now: datetime) -> bool:
    """Promote (True) or demote (False) a creator; False when nothing changed; in history."""
    if creator.ambassador == value:
        return False
    creator.ambassador = value
    creator.updated_at = now
    session.add(creator)
    summary = "promoted to ambassador" if value else "no longer an ambassador"
    record_event(session, creator, "ambassador", summary, now)
    session.commit()
    return True


@dataclass
class _Counts:
    """Facts of one creator as counted by the grouped queries."""

    campaigns: int = 0
    states: dict[str, int] = field(default_factory=dict)
    declined: int = 0
    deliveries: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    agreements: int = 0
    reused: int = 0


def _gather_counts(session: Session, today: date) -> dict[int, _Counts]:
    """Every creator's counts in five grouped queries (never one query per creator)."""
    counts: dict[int, _Counts] = defaultdict(_Counts)
    by_state = select(Enrollment.creator_id, Enrollment.state, func.count()).group_by(
        col(Enrollment.creator_id), col(Enrollment.state)
    )
    for creator_id, state, number in session.exec(by_state):
        counts[creator_id].states[state] = number
        counts[creator_id].campaigns += number  # one enrolment per campaign (unique key)
    declines = (
        select(Inbound.creator_id, func.count())
        .where(Inbound.kind == "reply", Inbound.label == "declined")
        .group_by(col(Inbound.creator_id))
    )
    for replier, number in session.exec(declines):
        if replier is not None:  # an unmatched reply belongs to nobody
            counts[replier].declined = number
    _count_deliveries(session, counts, today)
    grants = select(RightsGrant.creator_id, func.count()).group_by(col(RightsGrant.creator_id))
    for creator_id, number in session.exec(grants):
        counts[creator_id].reused = number
    return counts


def _count_deliveries(session: Session, counts: dict[int, _Counts], today: date) -> None:
    """Agreements and posts per (creator, campaign), joined here: both are small tables."""
    posts = select(
        ContentItem.creator_id, ContentItem.campaign, func.min(ContentItem.posted_on)
    ).group_by(col(ContentItem.creator_id), col(ContentItem.campaign))
    first_post: dict[tuple[int, str], date | None] = {
        (creator_id, campaign): posted for creator_id, campaign, posted in session.exec(posts)
    }
    enrolled = and_(
        col(Enrollment.creator_id) == col(Agreement.creator_id),
        col(Enrollment.campaign) == col(Agreement.campaign),
    )
    # A renegotiated agreement keeps its latest due date; count(enrolment) = 0 means the
    # agreement came without a campaign sequence, so it adds a campaign to the count.
    agreements = (
        select(
            Agreement.creator_id,
            Agreement.campaign,
            func.max(Agreement.due_on),
            func.count(col(Enrollment.id)),
        )
        .join(Enrollment, enrolled, isouter=True)
        .group_by(col(Agreement.creator_id), col(Agreement.campaign))
    )
    agreed = set()
    for creator_id, campaign, due_on, enrolments in session.exec(agreements):
        key = (creator_id, campaign)
        agreed.add(key)
        found = counts[creator_id]
        found.agreements += 1
        found.campaigns += 0 if enrolments else 1
        outcome = delivery(due_on, first_post.get(key), key in first_post, today)
        found.deliveries[outcome] += 1
    for creator_id, _ in set(first_post) - agreed:
        counts[creator_id].deliveries["unprompted"] += 1


def _contactable_partners(session: Session, with_profile: bool) -> list[tuple[Any, ...]]:
    """Creators with an enrolment or an agreement (or promoted), not blocked or suppressed.

    The profile (for a campaign's selection) is read only when asked: decoding 200,000
    niches lists costs more than the rest of the query.
    """
    has_history = or_(
        col(Creator.ambassador),
        exists().where(col(Enrollment.creator_id) == col(Creator.id)),
        exists().where(col(Agreement.creator_id) == col(Creator.id)),
    )
    columns: list[Any] = [
        Creator.id, Creator.handle, Creator.platform, Creator.name, Creator.email,
        Creator.ambassador,
    ]  # fmt: skip
    if with_profile:
        columns += [getattr(Creator, name) for name in _PROFILE]
    statement = select(*columns).where(col(Creator.status).not_in(_BLOCKED), has_history)
    suppressed = set(session.exec(select(Suppression.address)))
    return [
        tuple(row)
        for row in session.exec(statement)
        if row[4] not in suppressed and "@" + domain_of(row[4]) not in suppressed
    ]


def _partner(row: tuple[Any, ...], counts: _Counts) -> Partner:
    creator_id, handle, platform, name, email, ambassador = row[:6]
    facts = PartnerFacts(
        replied=counts.states.get(_REPLIED, 0),
        silent=counts.states.get(_SILENT, 0),
        declined=counts.declined,
        accepted=counts.agreements,
        on_time=counts.deliveries["on_time"],
        late=counts.deliveries["late"],
        overdue=counts.deliveries["overdue"],
        unprompted=counts.deliveries["unprompted"],
        reused=counts.reused,
        ambassador=bool(ambassador),
    )
    return Partner(
        creator_id=creator_id,
        handle=handle,
        platform=platform,
        name=name,
        email=email,
        ambassador=bool(ambassador),
        score=score_partner(facts),
        campaigns=counts.campaigns,
        agreements=counts.agreements,
    )
