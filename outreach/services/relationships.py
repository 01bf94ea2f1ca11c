"""Record what happens outside email: notes, agreements, shipments, posts, payments, rights."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlmodel import Session, col, select

from outreach.adapters.models import (
    Agreement,
    ContentItem,
    Creator,
    Enrollment,
    Payment,
    RightsGrant,
    Shipment,
)
from outreach.core.relationship_input import check_period, check_text
from outreach.errors import OutreachError
from outreach.services.history import record_event


@dataclass(frozen=True)
class Fee:
    """An amount as a decimal string and its currency code."""

    amount: str
    currency: str

    def __str__(self) -> str:
        return f"{self.amount} {self.currency}"


def add_note(session: Session, creator: Creator, text: str, now: datetime) -> None:
    """A free note in the creator's history."""
    record_event(session, creator, "note", check_text(text, "TEXT"), now)
    session.commit()


def record_agreement(
    session: Session, creator: Creator, campaign: str, offer: str, fee: Fee | None,
    deliverables: str | None, due: date | None, now: datetime,
) -> Agreement:  # fmt: skip
    """What the creator agreed to in a campaign they are enrolled in."""
    require_enrollment(session, creator, campaign)
    if offer == "paid" and fee is None:
        raise OutreachError("--offer paid needs --fee AMOUNT CURRENCY (e.g. --fee 30000 JPY)")
    row = Agreement(
        creator_id=_id(creator), campaign=campaign, offer=offer,
        fee_amount=fee.amount if fee else None, fee_currency=fee.currency if fee else None,
        deliverables=check_text(deliverables, "--deliverables") if deliverables else None,
        due_on=due, agreed_at=now,
    )  # fmt: skip
    session.add(row)
    parts = [f"{offer} in {campaign}"] + ([f"fee {fee}"] if fee else [])
    parts += [f"deliverables: {row.deliverables}"] if row.deliverables else []
    parts += [f"due {due}"] if due else []
    record_event(session, creator, "agreed", "; ".join(parts), now,
                 detail=_plain(campaign=campaign, offer=offer, fee=str(fee) if fee else None,
                               due=due))  # fmt: skip
    session.commit()
    return row


def record_shipment(
    session: Session, creator: Creator, campaign: str, carrier: str | None,
    tracking: str | None, now: datetime,
) -> Shipment:  # fmt: skip
    """A product sent to the creator for a campaign."""
    require_enrollment(session, creator, campaign)
    row = Shipment(creator_id=_id(creator), campaign=campaign, carrier=carrier,
                   tracking=tracking, shipped_at=now)  # fmt: skip
    session.add(row)
    how = " ".join(part for part in (carrier, tracking) if part)
    detail = _plain(campaign=campaign, carrier=carrier, tracking=tracking)
    summary = campaign + (f" via {how}" if how else "")
    record_event(session, creator, "shipped", summary, now, detail=detail)
    session.commit()
    return row


def record_delivery(
    session: Session, creator: Creator, campaign: str, on: date, now: datetime
) -> Shipment:
    """The product arrived; a delivery with no shipment recorded records the shipment too."""
    require_enrollment(session, creator, campaign)
    pending = session.exec(
        select(Shipment)
        .where(Shipment.creator_id == creator.id, Shipment.campaign == campaign,
               col(Shipment.delivered_on).is_(None))
        .order_by(col(Shipment.shipped_at))
    ).first()  # fmt: skip
    if pending is None:
        pending = Shipment(creator_id=_id(creator), campaign=campaign, shipped_at=now)
    if on < pending.shipped_at.date():
        raise OutreachError(
            f"--on {on} is before the shipment of {pending.shipped_at:%Y-%m-%d}; nothing recorded"
        )
    pending.delivered_on = on
    session.add(pending)
    record_event(session, creator, "delivered", f"{campaign}: delivered on {on}", now,
                 detail=_plain(campaign=campaign, delivered_on=on))  # fmt: skip
    session.commit()
    return pending


def add_content(
    session: Session, creator: Creator, url: str, campaign: str, posted: date | None,
    now: datetime,
) -> ContentItem:  # fmt: skip
    """A post the creator published for a campaign (each URL once per creator)."""
    require_enrollment(session, creator, campaign)
    existing = session.exec(
        select(ContentItem).where(ContentItem.creator_id == creator.id, ContentItem.url == url)
    ).first()
    if existing is not None:
        raise OutreachError(f"{url} is already recorded for @{creator.handle} "
                            f"({existing.campaign}); nothing recorded")  # fmt: skip
    row = ContentItem(creator_id=_id(creator), campaign=campaign, url=url, posted_on=posted,
                      recorded_at=now)  # fmt: skip
    session.add(row)
    record_event(session, creator, "posted",
                 f"{campaign}: {url}" + (f" (posted {posted})" if posted else ""), now,
                 detail=_plain(campaign=campaign, url=url, posted_on=posted))  # fmt: skip
    session.commit()
    return row


def record_payment(
    session: Session, creator: Creator, campaign: str, fee: Fee, on: date, now: datetime
) -> Payment:
    """A fee paid to the creator."""
    require_enrollment(session, creator, campaign)
    row = Payment(creator_id=_id(creator), campaign=campaign, amount=fee.amount,
                  currency=fee.currency, paid_on=on, recorded_at=now)  # fmt: skip
    session.add(row)
    record_event(session, creator, "paid", f"{campaign}: {fee} on {on}", now,
                 detail=_plain(campaign=campaign, fee=str(fee), paid_on=on))  # fmt: skip
    session.commit()
    return row


@dataclass(frozen=True)
class RightsRequest:
    """The scope of re-use a creator agreed to."""

    content_url: str
    channels: list[str]
    territory: list[str]
    starts_on: date
    ends_on: date
    exclusive: bool = False
    fee: Fee | None = None
    campaign: str | None = None


def grant_rights(
    session: Session, creator: Creator, request: RightsRequest, now: datetime
) -> RightsGrant:
    """Record usage rights for one piece of the creator's content."""
    check_period(request.starts_on, request.ends_on)
    campaign = request.campaign or _content_campaign(session, creator, request.content_url)
    if request.campaign:
        require_enrollment(session, creator, request.campaign)
    row = RightsGrant(
        creator_id=_id(creator), campaign=campaign, content_url=request.content_url,
        channels=request.channels, territory=request.territory, starts_on=request.starts_on,
        ends_on=request.ends_on, exclusive=request.exclusive,
        fee_amount=request.fee.amount if request.fee else None,
        fee_currency=request.fee.currency if request.fee else None, granted_at=now,
    )  # fmt: skip
    session.add(row)
    record_event(session, creator, "rights_granted", describe_rights(row), now,
                 detail=_plain(content_url=row.content_url, channels=row.channels,
                               territory=row.territory, starts_on=row.starts_on,
                               ends_on=row.ends_on, exclusive=row.exclusive,
                               fee=str(request.fee) if request.fee else None))  # fmt: skip
    session.commit()
    return row


def describe_rights(row: RightsGrant) -> str:
    """One line: channels, territory, period, exclusivity, fee, content."""
    where = ",".join(row.territory) or "worldwide"
    fee = f", fee {row.fee_amount} {row.fee_currency}" if row.fee_amount else ""
    exclusive = ", exclusive" if row.exclusive else ""
    return (f"{','.join(row.channels)} in {where}, {row.starts_on} to {row.ends_on}"
            f"{exclusive}{fee}: {row.content_url}")  # fmt: skip


@dataclass(frozen=True)
class RightsRow:
    """A rights grant with its creator's handle and the days left."""

    grant: RightsGrant
    handle: str
    days_left: int

    def as_json(self) -> dict[str, Any]:
        """The documented JSON shape of `outreach rights list --format json`."""
        g = self.grant
        return {
            "id": g.id, "creator": self.handle, "campaign": g.campaign,
            "content_url": g.content_url, "channels": g.channels, "territory": g.territory,
            "from": g.starts_on.isoformat(), "until": g.ends_on.isoformat(),
            "exclusive": g.exclusive,
            "fee": f"{g.fee_amount} {g.fee_currency}" if g.fee_amount else None,
            "days_left": self.days_left,
        }  # fmt: skip


def list_rights(session: Session, today: date, expiring_days: int | None = None) -> list[RightsRow]:
    """Rights grants by end date; with expiring_days, only those still running that end soon."""
    statement = select(RightsGrant, Creator.handle).join(Creator)
    if expiring_days is not None:
        statement = statement.where(
            col(RightsGrant.ends_on) >= today,
            col(RightsGrant.ends_on) <= date.fromordinal(today.toordinal() + expiring_days),
        )
    statement = statement.order_by(col(RightsGrant.ends_on), col(RightsGrant.id))
    return [RightsRow(grant, handle, (grant.ends_on - today).days)
            for grant, handle in session.exec(statement)]  # fmt: skip


def require_enrollment(session: Session, creator: Creator, campaign: str) -> Enrollment:
    """The creator's enrolment in the campaign, or an error naming where they are enrolled."""
    found = session.exec(
        select(Enrollment).where(
            Enrollment.creator_id == creator.id, Enrollment.campaign == campaign
        )
    ).first()
    if found is not None:
        return found
    others = session.exec(
        select(Enrollment.campaign).where(Enrollment.creator_id == creator.id)
    ).all()
    where = f"enrolled in: {', '.join(sorted(others))}" if others else "not in any campaign"
    raise OutreachError(f"@{creator.handle} is not enrolled in campaign {campaign!r} ({where}); "
                        "nothing recorded")  # fmt: skip


def _content_campaign(session: Session, creator: Creator, url: str) -> str | None:
    return session.exec(
        select(ContentItem.campaign).where(
            ContentItem.creator_id == creator.id, ContentItem.url == url
        )
    ).first()


def _id(creator: Creator) -> int:
    assert creator.id is not None
    return creator.id


def _plain(**values: Any) -> dict[str, Any]:
    """Event detail as JSON-safe values (dates as ISO text), without the empty ones."""
    return {key: value.isoformat() if isinstance(value, date) else value
            for key, value in values.items() if value is not None}  # fmt: skip
