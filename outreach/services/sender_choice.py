"""Which mailbox a creator's thread goes from when a campaign lists several `senders`."""

from __future__ import annotations

from sqlalchemy import or_
from sqlmodel import Session, col, select

from outreach.adapters.models import Enrollment, SendCounter, SenderHealth
from outreach.core.campaign_spec import CampaignSpec
from outreach.services.mailboxes import Mailbox, find_mailbox
from outreach.services.send_counters import add_to_counter
from outreach.settings import Settings


def thread_mailbox(
    session: Session, settings: Settings, spec: CampaignSpec, enrollment: Enrollment
) -> Mailbox | None:
    """The enrolment's mailbox, chosen and kept on first use; None when the campaign has none.

    Raises NotFoundError naming the mailbox when a sender is not in mailboxes.toml.
    """
    if not spec.senders:
        return None
    if enrollment.mailbox:
        # Kept for the whole thread, even when the campaign's list changed since.
        return find_mailbox(settings, enrollment.mailbox)
    mailboxes = [find_mailbox(settings, name) for name in spec.senders]
    known = _earlier_mailbox(session, enrollment, spec.senders)
    chosen = (
        next(m for m in mailboxes if m.spec.name == known)
        if known
        else _least_loaded(session, spec, mailboxes)
    )
    enrollment.mailbox = chosen.spec.name
    session.add(enrollment)
    add_to_counter(session, _assigned_scope(spec.name, chosen.spec.name), "*")
    return chosen


def _earlier_mailbox(
    session: Session, enrollment: Enrollment, senders: tuple[str, ...]
) -> str | None:
    """The mailbox this creator heard from before, in any campaign, if this one lists it.

    A creator who knows Luna keeps hearing from Luna: a new name for the same brand reads
    like a form letter.
    """
    statement = (
        select(Enrollment.mailbox)
        .where(
            Enrollment.creator_id == enrollment.creator_id,
            col(Enrollment.mailbox).in_(senders),
            col(Enrollment.id) != enrollment.id,
        )
        .order_by(col(Enrollment.created_at).desc())
        .limit(1)
    )
    return session.exec(statement).first()


def _least_loaded(session: Session, spec: CampaignSpec, mailboxes: list[Mailbox]) -> Mailbox:
    """The working mailbox with the fewest creators for its cap; the list's order breaks ties.

    A failing or paused mailbox gets no new creators while another one works.
    """
    failing = set(
        session.exec(
            select(SenderHealth.mailbox).where(
                col(SenderHealth.mailbox).in_(spec.senders),
                or_(
                    col(SenderHealth.failing_since).is_not(None),
                    col(SenderHealth.paused_at).is_not(None),
                ),
            )
        )
    )
    working = [m for m in mailboxes if m.spec.name not in failing] or mailboxes
    scopes = [_assigned_scope(spec.name, m.spec.name) for m in working]
    counts = dict(
        session.exec(
            select(SendCounter.scope, SendCounter.sent).where(
                col(SendCounter.scope).in_(scopes), SendCounter.day == "*"
            )
        ).all()
    )

    def load(mailbox: Mailbox) -> float:
        cap = _daily_cap(mailbox, spec)
        return (counts.get(_assigned_scope(spec.name, mailbox.spec.name), 0) + 1) / cap

    return min(working, key=load)  # min keeps the first of equals


def _daily_cap(mailbox: Mailbox, spec: CampaignSpec) -> int:
    """New proposals a day from this mailbox (the default mailbox has the campaign's cap)."""
    return mailbox.spec.per_day or spec.limits.per_mailbox_per_day  # the default's is 0


def _assigned_scope(campaign: str, mailbox: str) -> str:
    return f"assigned:{campaign}:{mailbox}"
