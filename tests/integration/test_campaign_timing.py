"""Polite timing end to end: windows in each recipient's zone across DST, caps, random gaps."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from outreach.adapters.models import Message
from outreach.services.app import App
from tests.campaign_helpers import (
    MAILBOX,
    MONDAY,
    add_creator,
    enroll_in,
    make_app,
    messages,
    run_once,
    write_campaign,
)

WEEKDAYS = ["mon", "tue", "wed", "thu", "fri"]
WINDOW = {"days": WEEKDAYS, "start": "10:00", "end": "18:00", "timezone": "America/New_York"}
# handle -> (creator's own zone, country, the zone the test expects the window to be read in)
RECIPIENTS = {
    "tokyo": ("Asia/Tokyo", "JP", "Asia/Tokyo"),
    "seoul": ("Asia/Seoul", "KR", "Asia/Seoul"),
    "paris": ("Europe/Paris", "FR", "Europe/Paris"),
    "losangeles": ("America/Los_Angeles", "US", "America/Los_Angeles"),
    "london": (None, "GB", "Europe/London"),  # only a country
    "nowhere": (None, None, "America/New_York"),  # neither: the campaign's zone
}


def add_recipients(app: App, suffix: str = "") -> None:
    for handle, (zone, country, _) in RECIPIENTS.items():
        add_creator(app, handle + suffix, timezone=zone, country=country, email_source="consent")


def run_every(app: App, start: datetime, end: datetime, step: timedelta) -> None:
    moment = start
    while moment <= end:
        run_once(app, moment)
        moment += step


def expected_zone(handle: str) -> ZoneInfo:
    return ZoneInfo(RECIPIENTS[handle.rstrip("0123456789")][2])


def handle_of(app: App, message: Message) -> str:
    return message.to_address.split("@")[0]


def sent_on(app: App, day: datetime) -> set[tuple[str, int | None]]:
    """(handle, step) of every message sent on the UTC date of day."""
    return {
        (handle_of(app, m), m.step)
        for m in messages(app, state="sent")
        if m.sent_at and m.sent_at.date() == day.date()
    }


def sent_per_utc_day(sent: list[Message]) -> list[int]:
    days = Counter(m.sent_at.astimezone(UTC).date() for m in sent if m.sent_at)
    return [days[day] for day in sorted(days)]


@pytest.mark.parametrize(
    ("saturday", "opening_utc"),
    [
        # Paris and London went back an hour on Sunday 25 October; LA and New York did not.
        (
            datetime(2026, 10, 24, 12, 0, tzinfo=UTC),
            {"tokyo": "2026-10-26 01:00", "seoul": "2026-10-26 01:00",
             "paris": "2026-10-26 09:00", "london": "2026-10-26 10:00",
             "losangeles": "2026-10-26 17:00", "nowhere": "2026-10-26 14:00"},
        ),
        # LA and New York went back an hour on Sunday 1 November.
        (
            datetime(2026, 10, 31, 12, 0, tzinfo=UTC),
            {"tokyo": "2026-11-02 01:00", "seoul": "2026-11-02 01:00",
             "paris": "2026-11-02 09:00", "london": "2026-11-02 10:00",
             "losangeles": "2026-11-02 18:00", "nowhere": "2026-11-02 15:00"},
        ),
    ],
)  # fmt: skip
def test_a_proposal_enrolled_at_the_weekend_goes_at_ten_on_monday_in_the_recipients_zone(
    workspace: Path, database_url: str, saturday: datetime, opening_utc: dict[str, str]
) -> None:
    app = make_app(workspace, database_url)
    spec = write_campaign(workspace, "serum", steps=[("pitch_ad", "0d")], window=WINDOW)
    add_recipients(app)
    enroll_in(app, spec, saturday)

    run_every(app, saturday, saturday + timedelta(days=3), timedelta(hours=1))

    sent = {handle_of(app, m): f"{m.sent_at:%Y-%m-%d %H:%M}" for m in messages(app)}
    assert sent == opening_utc


def test_every_send_over_two_weeks_falls_inside_the_recipients_window(
    workspace: Path, database_url: str
) -> None:
    app = make_app(workspace, database_url)
    steps = [("pitch_ad", "0d"), ("nudge", "1d"), ("nudge", "2d"), ("nudge", "3d")]
    spec = write_campaign(workspace, "serum", steps=steps, window=WINDOW)
    start = datetime(2026, 10, 21, 0, 0, tzinfo=UTC)  # a Wednesday
    add_recipients(app, "1")
    enroll_in(app, spec, start)
    for wave, moment in (("2", datetime(2026, 10, 23, 15, 0, tzinfo=UTC)),
                         ("3", datetime(2026, 10, 29, 7, 0, tzinfo=UTC))):  # fmt: skip
        run_every(app, start, moment - timedelta(hours=1), timedelta(hours=1))
        add_recipients(app, wave)
        enroll_in(app, spec, moment)
        start = moment

    # Every hour on the hour: all these zones are whole hours from UTC, so each run falls on
    # a local hour too, and the window's first (10:00) and excluded last (18:00) hours are hit.
    run_every(app, start, datetime(2026, 11, 6, 0, 0, tzinfo=UTC), timedelta(hours=1))

    sent = messages(app)
    assert [m.state for m in sent] == ["sent"] * (3 * 6 * 4)
    outside = []
    for message in sent:
        assert message.sent_at is not None
        local = message.sent_at.astimezone(expected_zone(handle_of(app, message)))
        if local.weekday() >= 5 or not (10 <= local.hour < 18):
            outside.append((handle_of(app, message), message.step, local.isoformat()))
    assert outside == []
    late = [m for m in sent if m.sent_at and m.sent_at >= datetime(2026, 11, 2, tzinfo=UTC)]
    assert {handle_of(app, m).rstrip("0123456789") for m in late} == set(RECIPIENTS)


def test_a_mailbox_never_sends_more_than_its_daily_cap_across_campaigns(
    workspace: Path, database_url: str
) -> None:
    app = make_app(workspace, database_url)
    tight = {"per_mailbox_per_day": 3}
    first = write_campaign(workspace, "first", steps=[("pitch", "0d")], limits=tight)
    second = write_campaign(workspace, "second", steps=[("pitch", "0d")], limits=tight)
    for number in range(4):
        add_creator(app, f"first{number}")
    enroll_in(app, first, MONDAY)
    for number in range(4):
        add_creator(app, f"second{number}")
    enroll_in(app, second, MONDAY)

    run_every(app, MONDAY, MONDAY + timedelta(days=4), timedelta(hours=3))

    sent = messages(app)
    assert {m.from_address for m in sent} == {MAILBOX}
    assert [m.state for m in sent] == ["sent"] * 8
    assert sent_per_utc_day(sent) == [3, 3, 2]


def test_a_campaign_never_sends_more_than_its_daily_cap(workspace: Path, database_url: str) -> None:
    app = make_app(workspace, database_url)
    capped = write_campaign(
        workspace, "capped", steps=[("pitch", "0d")], limits={"per_campaign_per_day": 2}
    )
    free = write_campaign(workspace, "free", steps=[("pitch", "0d")])
    for number in range(5):
        add_creator(app, f"capped{number}")
    enroll_in(app, capped, MONDAY)
    for number in range(3):
        add_creator(app, f"free{number}")
    enroll_in(app, free, MONDAY)

    run_every(app, MONDAY, MONDAY + timedelta(days=4), timedelta(hours=3))

    assert sent_per_utc_day(messages(app, campaign="capped", state="sent")) == [2, 2, 1]
    assert sent_per_utc_day(messages(app, campaign="free", state="sent")) == [3]


def test_follow_ups_go_before_new_proposals_when_the_cap_is_tight(
    workspace: Path, database_url: str
) -> None:
    app = make_app(workspace, database_url)
    spec = write_campaign(workspace, "serum", limits={"per_campaign_per_day": 2},
                          steps=[("pitch", "0d"), ("nudge", "2d")])  # fmt: skip
    add_creator(app, "early1")
    add_creator(app, "early2")
    enroll_in(app, spec, MONDAY)
    run_once(app, MONDAY)  # the two proposals use Monday's two sends
    # Two more creators join on Tuesday; their proposals have waited longer than the
    # follow-ups that fall due on Wednesday, yet the follow-ups take Wednesday's two sends.
    add_creator(app, "late1")
    add_creator(app, "late2")
    enroll_in(app, spec, MONDAY + timedelta(days=1, hours=12))
    wednesday = MONDAY + timedelta(days=2)

    thursday = wednesday + timedelta(days=1)

    run_once(app, wednesday)
    run_once(app, thursday)

    assert sent_on(app, wednesday) == {("early1", 2), ("early2", 2)}
    assert sent_on(app, thursday) == {("late1", 1), ("late2", 1)}


def test_gaps_between_sends_of_one_mailbox_are_at_least_the_minimum_and_not_fixed(
    workspace: Path, database_url: str
) -> None:
    app = make_app(workspace, database_url)
    limits = {"min_gap_seconds": 240, "jitter_seconds": 360}
    spec = write_campaign(workspace, "serum", steps=[("pitch", "0d")], limits=limits)
    for number in range(10):
        add_creator(app, f"creator{number}")
    enroll_in(app, spec, MONDAY)

    run_every(app, MONDAY, MONDAY + timedelta(hours=2), timedelta(minutes=1))

    sent = sorted(m.sent_at for m in messages(app, state="sent") if m.sent_at)
    assert len(sent) == 10
    gaps = [(later - earlier).total_seconds() for earlier, later in pairwise(sent)]
    assert min(gaps) >= 240
    assert len(set(gaps)) > 1
