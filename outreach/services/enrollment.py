"""Enrol the creators who fit a campaign; say why each one left out was left out."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from outreach.adapters.models import (
    Creator,
    CreatorStatus,
    Enrollment,
    EnrollmentState,
    Message,
    MessageState,
    Suppression,
)
from outreach.core.addresses import domain_of
from outreach.core.campaign_spec import CampaignSpec
from outreach.core.fit import Fit, FitInput, score_fit
from outreach.core.legal_profiles import source_refusal
from outreach.core.partner_scores import ranking_key
from outreach.core.selection import selection_misses
from outreach.core.tiers import tier_for
from outreach.services.history import record_event
from outreach.services.partners import partner_points

_BLOCKING_STATUS = {
    CreatorStatus.OPTED_OUT.value: "opted out",
    CreatorStatus.BOUNCED.value: "address bounced",
}


@dataclass
class EnrollmentPlan:
    """Who is (or would be) enrolled, who already was, and who is left out and why."""

    enrolled: list[Creator] = field(default_factory=list)
    already: list[Creator] = field(default_factory=list)
    left_out: list[tuple[Creator, str]] = field(default_factory=list)
    fits: dict[int, Fit] = field(default_factory=dict)  # by creator id, for those who fit

    def fit_of(self, creator: Creator) -> Fit | None:
        """The creator's fit score and reasons (None for those left out by selection)."""
        return self.fits.get(creator.id or 0)


def plan_enrollment(
    session: Session, spec: CampaignSpec, now: datetime, cool_off_days: int
) -> EnrollmentPlan:
    """Decide for every creator: enrol, already enrolled, or left out with the reason."""
    plan = EnrollmentPlan()
    facts = _Facts.gather(session, spec.name, now - timedelta(days=cool_off_days))
    creators = session.exec(select(Creator).order_by(col(Creator.handle), col(Creator.id)))
    for creator in creators:
        if creator.id in facts.enrolled_here:
            plan.already.append(creator)
            continue
        reason = _reason_to_leave_out(creator, spec, facts, cool_off_days)
        if reason:
            plan.left_out.append((creator, reason))
        else:
            plan.enrolled.append(creator)
    points = partner_points(session, now)
    plan.fits = {c.id or 0: score_fit(fit_input(c, spec, points)) for c in plan.enrolled}
    _order_and_cap(spec, plan, points)
    return plan


def fit_input(
    creator: Creator, spec: CampaignSpec, points: dict[int, tuple[int, bool]]
) -> FitInput:
    """What the fit score reads of a creator for a campaign."""
    selection = spec.selection
    partner = points.get(creator.id or 0)
    return FitInput(
        niches=creator.niches, wanted_niches=selection.niches, followers=creator.followers,
        tier=tier_for(creator.followers), engagement_rate=creator.engagement_rate,
        platform=creator.platform, language=creator.language,
        wanted_languages=selection.languages, country=creator.country,
        wanted_countries=selection.countries,
        partner_points=partner[0] if partner else None,
        ambassador=creator.ambassador or bool(partner and partner[1]),
    )  # fmt: skip


def _order_and_cap(
    spec: CampaignSpec, plan: EnrollmentPlan, points: dict[int, tuple[int, bool]]
) -> None:
    """Who goes first (best fit, or best partner with prefer_partners), and who is over the cap.

    Enrolment order is planning order: the planner takes due enrolments by (next_due_at, id)
    and every new enrolment is due at the same moment, so those enrolled first get the
    lower ids and their proposals are planned first. Equal fits keep import order.
    """
    selection = spec.selection
    if selection.prefer_partners:

        def by_score(creator: Creator) -> tuple[int, bool, int]:
            assert creator.id is not None
            score, ambassador = points.get(creator.id, (0, creator.ambassador))
            return ranking_key(score, ambassador, creator.id)

        plan.enrolled.sort(key=by_score)
    else:
        plan.enrolled.sort(key=lambda c: (-plan.fits[c.id or 0].score, c.id or 0))
    if selection.max_creators is not None:
        # The cap is on the campaign, not on one run: enrolling again must not add N more.
        room = max(0, selection.max_creators - len(plan.already))
        reason = f"over max_creators ({selection.max_creators})"
        plan.left_out += [(creator, reason) for creator in plan.enrolled[room:]]
        del plan.enrolled[room:]


def enroll(
    session: Session, spec: CampaignSpec, now: datetime, cool_off_days: int
) -> EnrollmentPlan:
    """Enrol everyone plan_enrollment picks; enrolling twice changes nothing."""
    plan = plan_enrollment(session, spec, now, cool_off_days)
    first_delay = spec.steps[0].delay
    for creator in plan.enrolled:
        assert creator.id is not None
        enrollment = Enrollment(
            campaign=spec.name, creator_id=creator.id, next_step=1,
            next_due_at=now + first_delay, created_at=now, updated_at=now,
        )  # fmt: skip
        session.add(enrollment)
        record_event(session, creator, "enrolled", f"enrolled in campaign {spec.name!r}", now)
    try:
        session.commit()
    except IntegrityError:
        # Another enrol ran at the same moment; the unique key kept one row per creator.
        session.rollback()
        return enroll(session, spec, now, cool_off_days)
    return plan


@dataclass
class _Facts:
    """What selection needs to know beyond the creator row, read in a few queries."""

    enrolled_here: set[int]
    active_elsewhere: dict[int, str]
    recently_contacted: set[int]
    suppressed: dict[str, str]

    @classmethod
    def gather(cls, session: Session, campaign: str, contacted_since: datetime) -> _Facts:
        enrollments = list(session.exec(select(Enrollment)))
        recent = select(Message.creator_id).where(
            Message.state == MessageState.SENT.value,
            col(Message.sent_at) >= contacted_since,
            Message.campaign != campaign,
        )
        return cls(
            enrolled_here={e.creator_id for e in enrollments if e.campaign == campaign},
            active_elsewhere={
                e.creator_id: e.campaign
                for e in enrollments
                if e.campaign != campaign and e.state == EnrollmentState.ACTIVE.value
            },
            recently_contacted=set(session.exec(recent)),
            suppressed={s.address: s.reason for s in session.exec(select(Suppression))},
        )


def _reason_to_leave_out(
    creator: Creator, spec: CampaignSpec, facts: _Facts, cool_off_days: int
) -> str | None:
    for key in (creator.email, "@" + domain_of(creator.email)):
        if key in facts.suppressed:
            return f"suppressed ({key}: {facts.suppressed[key]})"
    if creator.status in _BLOCKING_STATUS:
        return _BLOCKING_STATUS[creator.status]
    if creator.id in facts.active_elsewhere:
        return f"active in campaign {facts.active_elsewhere[creator.id]!r}"
    if creator.id in facts.recently_contacted:
        return f"contacted by another campaign in the last {cool_off_days} days"
    misses = selection_misses(creator.model_dump(), spec.selection.as_mapping())
    if misses:
        return "; ".join(misses)
    # Last: the law of their country only matters for a creator the campaign wants.
    return source_refusal(creator.country, creator.email_source, spec.advertising)
