"""Commands that record what happens outside email: note, agree, ship, delivered, content, paid."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime
from typing import Annotated, TypeVar
from zoneinfo import ZoneInfo

import typer
from sqlmodel import Session

from outreach.adapters.models import Creator
from outreach.cli.clock import NowOption, clock_for
from outreach.cli.output import say, table, table_or_json
from outreach.cli.state import state
from outreach.core.relationship_input import (
    InputError,
    check_offer,
    parse_channels,
    parse_day,
    parse_money,
    parse_territory,
    parse_url,
)
from outreach.errors import OutreachError
from outreach.services.creators import find_creator
from outreach.services.relationships import (
    Fee,
    RightsRequest,
    add_content,
    add_note,
    describe_rights,
    grant_rights,
    list_rights,
    record_agreement,
    record_delivery,
    record_payment,
    record_shipment,
)

content_app = typer.Typer(help="Posts creators published.", no_args_is_help=True)
rights_app = typer.Typer(help="Usage rights (secondary use) of creators' content.",
                         no_args_is_help=True)  # fmt: skip

Handle = Annotated[str, typer.Argument(help="Creator handle, e.g. misaki.hada")]
Campaign = Annotated[str, typer.Option("--campaign", help="The campaign it belongs to")]
FeeOption = Annotated[
    tuple[str, str] | None,
    typer.Option("--fee", help="AMOUNT CURRENCY, e.g. --fee 30000 JPY", show_default=False),
]
T = TypeVar("T")


@contextmanager
def _recording(ctx: typer.Context, handle: str, now: str | None) -> Iterator[_Recorder]:
    """The session, the creator and the moment; typed values checked before anything is kept."""
    workspace_app = state(ctx).app()
    with workspace_app.session() as session:
        creator = find_creator(session, handle)
        moment = clock_for(now)()
        today = moment.astimezone(ZoneInfo(workspace_app.settings.timezone)).date()
        yield _Recorder(session, creator, moment, today)


class _Recorder:
    def __init__(self, session: Session, creator: Creator, now: datetime, today: date) -> None:
        self.session, self.creator, self.now, self.today = session, creator, now, today


def _checked(parse: Callable[[], T]) -> T:
    """Turn a typed value's error into one clear line; nothing has been recorded yet."""
    try:
        return parse()
    except InputError as exc:
        raise OutreachError(f"{exc}; nothing recorded") from None


def _fee(value: tuple[str, str] | None, option: str = "--fee") -> Fee | None:
    if value is None:
        return None
    return Fee(*_checked(lambda: parse_money(value[0], value[1], option)))


def _day(text: str | None, option: str, default: date | None) -> date | None:
    if text is None:
        return default
    return _checked(lambda: parse_day(text, option))


def note(
    ctx: typer.Context,
    handle: Handle,
    text: Annotated[str, typer.Argument(help="The note")],
    now: NowOption = None,
) -> None:
    """Add a note to a creator's history."""
    with _recording(ctx, handle, now) as r:
        add_note(r.session, r.creator, text, r.now)
    say(f"Noted for @{r.creator.handle}.")


def agree(
    ctx: typer.Context,
    handle: Handle,
    campaign: Campaign,
    offer: Annotated[str, typer.Option("--offer", help="gifted, paid, affiliate or none")],
    fee: FeeOption = None,
    deliverables: Annotated[
        str | None, typer.Option("--deliverables", help="What they will post")
    ] = None,
    due: Annotated[str | None, typer.Option("--due", help="Due date, YYYY-MM-DD")] = None,
    now: NowOption = None,
) -> None:
    """Record what a creator agreed to in a campaign."""
    with _recording(ctx, handle, now) as r:
        checked_offer = _checked(lambda: check_offer(offer))
        money, day = _fee(fee), _day(due, "--due", None)
        record_agreement(r.session, r.creator, campaign, checked_offer, money, deliverables,
                         day, r.now)  # fmt: skip
    say(f"Agreement recorded for @{r.creator.handle} in {campaign}.")


def ship(
    ctx: typer.Context,
    handle: Handle,
    campaign: Campaign,
    carrier: Annotated[str | None, typer.Option("--carrier", help="e.g. Yamato")] = None,
    tracking: Annotated[str | None, typer.Option("--tracking", help="Tracking number")] = None,
    now: NowOption = None,
) -> None:
    """Record that a product was sent to a creator."""
    with _recording(ctx, handle, now) as r:
        record_shipment(r.session, r.creator, campaign, carrier, tracking, r.now)
    say(f"Shipment recorded for @{r.creator.handle} in {campaign}.")


def delivered(
    ctx: typer.Context,
    handle: Handle,
    campaign: Campaign,
    on: Annotated[str | None, typer.Option("--on", help="Delivery date (default today)")] = None,
    now: NowOption = None,
) -> None:
    """Record that the product arrived."""
    with _recording(ctx, handle, now) as r:
        day = _day(on, "--on", r.today)
        assert day is not None
        record_delivery(r.session, r.creator, campaign, day, r.now)
    say(f"Delivery on {day} recorded for @{r.creator.handle} in {campaign}.")


def paid(
    ctx: typer.Context,
    handle: Handle,
    campaign: Campaign,
    amount: Annotated[tuple[str, str], typer.Option("--amount", help="AMOUNT CURRENCY")],
    on: Annotated[str | None, typer.Option("--on", help="Payment date (default today)")] = None,
    now: NowOption = None,
) -> None:
    """Record a fee paid to a creator."""
    with _recording(ctx, handle, now) as r:
        money = _fee(amount, "--amount")
        day = _day(on, "--on", r.today)
        assert money is not None and day is not None
        record_payment(r.session, r.creator, campaign, money, day, r.now)
    say(f"Payment of {money} recorded for @{r.creator.handle} in {campaign}.")


@content_app.command("add")
def content_add(
    ctx: typer.Context,
    handle: Handle,
    url: Annotated[str, typer.Argument(help="The post's address")],
    campaign: Campaign,
    posted: Annotated[str | None, typer.Option("--posted", help="Date posted, YYYY-MM-DD")] = None,
    now: NowOption = None,
) -> None:
    """Record a post a creator published for a campaign."""
    with _recording(ctx, handle, now) as r:
        checked_url = _checked(lambda: parse_url(url))
        day = _day(posted, "--posted", None)
        add_content(r.session, r.creator, checked_url, campaign, day, r.now)
    say(f"Post recorded for @{r.creator.handle} in {campaign}: {checked_url}")


@rights_app.command("grant")
def rights_grant(
    ctx: typer.Context,
    handle: Handle,
    content: Annotated[str, typer.Option("--content", help="URL of the post")],
    channels: Annotated[str, typer.Option("--channels", help="e.g. organic,ads,product-page")],
    starts: Annotated[str, typer.Option("--from", help="First day, YYYY-MM-DD")],
    ends: Annotated[str, typer.Option("--until", help="Last day, YYYY-MM-DD")],
    territory: Annotated[
        str | None, typer.Option("--territory", help="e.g. JP,KR (default: worldwide)")
    ] = None,
    exclusive: Annotated[
        bool, typer.Option("--exclusive", help="The creator may not license it to others")
    ] = False,
    fee: FeeOption = None,
    campaign: Annotated[
        str | None, typer.Option("--campaign", help="Campaign (default: the post's)")
    ] = None,
    now: NowOption = None,
) -> None:
    """Record the agreed scope of re-using a creator's content."""
    with _recording(ctx, handle, now) as r:
        request = RightsRequest(
            content_url=_checked(lambda: parse_url(content, "--content")),
            channels=_checked(lambda: parse_channels(channels)),
            territory=_checked(lambda: parse_territory(territory)),
            starts_on=_checked(lambda: parse_day(starts, "--from")),
            ends_on=_checked(lambda: parse_day(ends, "--until")),
            exclusive=exclusive, fee=_fee(fee), campaign=campaign,
        )  # fmt: skip
        try:
            row = grant_rights(r.session, r.creator, request, r.now)
        except InputError as exc:
            raise OutreachError(f"{exc}; nothing recorded") from None
        summary = describe_rights(row)
    say(f"Rights recorded for @{r.creator.handle}: {summary}")


@rights_app.command("list")
def rights_list(
    ctx: typer.Context,
    expiring: Annotated[
        int | None, typer.Option("--expiring", help="Only those ending within DAYS", min=0)
    ] = None,
    output: Annotated[str, typer.Option("--format", help="table or json")] = "table",
    now: NowOption = None,
) -> None:
    """Usage rights by end date, with the days left."""
    table_or_json(output)
    workspace_app = state(ctx).app()
    today = clock_for(now)().astimezone(ZoneInfo(workspace_app.settings.timezone)).date()
    with workspace_app.reading() as session:
        rows = list_rights(session, today, expiring)
    if output == "json":
        say(json.dumps([row.as_json() for row in rows], ensure_ascii=False, indent=2))
        return
    table(
        ("id", "creator", "until", "days left", "channels", "territory", "content"),
        [(row.grant.id, "@" + row.handle, row.grant.ends_on, _days_left(row.days_left),
          ",".join(row.grant.channels), ",".join(row.grant.territory) or "worldwide",
          row.grant.content_url) for row in rows],
        max_cell=60,
    )  # fmt: skip


def _days_left(days: int) -> str:
    return "expired" if days < 0 else str(days)
