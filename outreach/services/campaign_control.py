"""Pause and resume campaigns; a paused campaign sends nothing, follow-ups included."""

from __future__ import annotations

from collections import Counter
from datetime import datetime

from sqlmodel import Session, col, select

from outreach.adapters.models import CampaignState, Enrollment, EnrollmentState


def set_paused(session: Session, name: str, paused: bool, now: datetime) -> bool:
    """Pause or resume; returns the previous state."""
    state = session.get(CampaignState, name)
    before = bool(state and state.paused)
    if state is None:
        state = CampaignState(name=name, paused=paused, updated_at=now)
    state.paused, state.updated_at = paused, now
    session.add(state)
    session.commit()
    return before


def is_paused(session: Session, name: str) -> bool:
    """True when a person paused the campaign."""
    state = session.get(CampaignState, name)
    return bool(state and state.paused)


def enrollment_counts(session: Session, name: str) -> Counter[str]:
    """Enrolments of the campaign by state."""
    statement = select(Enrollment.state).where(Enrollment.campaign == name)
    return Counter(session.exec(statement))


# Built once: the worker asks both at every pass (paused names twice).
_ACTIVE_CAMPAIGNS = (
    select(Enrollment.campaign).where(Enrollment.state == EnrollmentState.ACTIVE.value).distinct()
)
_PAUSED = select(CampaignState.name).where(col(CampaignState.paused).is_(True))


def orphan_campaigns(session: Session, known: set[str]) -> list[str]:
    """Campaigns with active enrolments whose file is gone: their sequences cannot go on."""
    return sorted(set(session.connection().execute(_ACTIVE_CAMPAIGNS).scalars()) - known)


def paused_names(session: Session) -> list[str]:
    """Every paused campaign, by name."""
    return sorted(session.connection().execute(_PAUSED).scalars())
