"""Polite timing: delays, the recipient's zone, windows across zones and DST, gaps, cap days."""

import random
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, available_timezones

import pytest

from outreach.core.campaign_spec import DAYS, Limits, Window
from outreach.core.countries import timezone_for_country
from outreach.core.timing import (
    in_window,
    next_window_start,
    parse_delay,
    recipient_zone,
    send_gap,
    utc_day,
)

TOKYO = ZoneInfo("Asia/Tokyo")
SEOUL = ZoneInfo("Asia/Seoul")
PARIS = ZoneInfo("Europe/Paris")
LOS_ANGELES = ZoneInfo("America/Los_Angeles")
WEEKDAYS = DAYS[:5]
OFFICE = Window(days=WEEKDAYS, start=time(10), end=time(18))


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)  # type: ignore[misc]


def daily(start: time, end: time) -> Window:
    return Window(days=DAYS, start=start, end=end)


# --- delays -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("0d", timedelta(0)),
        ("4d", timedelta(days=4)),
        ("36h", timedelta(hours=36)),
        ("30m", timedelta(minutes=30)),
        ("1d12h", timedelta(days=1, hours=12)),
        ("2d3h15m", timedelta(days=2, hours=3, minutes=15)),
        ("  7D ", timedelta(days=7)),
    ],
)
def test_a_delay_is_whole_numbers_of_days_hours_and_minutes(text: str, expected: timedelta) -> None:
    assert parse_delay(text) == expected


@pytest.mark.parametrize("text", ["", "4", "d", "4 days", "1.5d", "-1d", "12h1d", "90s", "4d 2h"])
def test_a_delay_without_a_unit_or_in_another_form_is_refused(text: str) -> None:
    with pytest.raises(ValueError) as caught:
        parse_delay(text)
    assert str(caught.value) == (
        f"{text!r} is not a delay: use whole numbers with units d, h, m in that order, "
        "like '0d', '4d', '36h', '30m' or '1d12h'"
    )


# --- countries and the recipient's zone --------------------------------------------------


@pytest.mark.parametrize(
    ("code", "zone"),
    [
        ("JP", "Asia/Tokyo"),
        ("KR", "Asia/Seoul"),
        ("US", "America/New_York"),
        ("FR", "Europe/Paris"),
        ("AU", "Australia/Sydney"),
        ("CA", "America/Toronto"),
        ("BR", "America/Sao_Paulo"),
        ("gb", "Europe/London"),
        (" tw ", "Asia/Taipei"),
        ("ZZ", None),
        ("", None),
    ],
)
def test_a_country_code_gives_its_most_populous_zone(code: str, zone: str | None) -> None:
    assert timezone_for_country(code) == zone


def test_at_least_sixty_countries_have_a_zone_and_every_zone_exists() -> None:
    codes = {f"{a}{b}" for a in "ABCDEFGHIJKLMNOPQRSTUVWXYZ" for b in "ABCDEFGHIJKLMNOPQRSTUVWXYZ"}
    zones = {code: timezone_for_country(code) for code in codes}
    known = {code: zone for code, zone in zones.items() if zone is not None}
    assert len(known) >= 60
    assert set(known.values()) <= available_timezones()


@pytest.mark.parametrize(
    ("creator", "country", "campaign", "expected"),
    [
        ("Europe/Paris", "JP", "Asia/Seoul", "Europe/Paris"),
        (None, "JP", "Asia/Seoul", "Asia/Tokyo"),
        ("", "kr", None, "Asia/Seoul"),
        ("Mars/Olympus", "JP", None, "Asia/Tokyo"),
        (None, None, "America/Los_Angeles", "America/Los_Angeles"),
        (None, "ZZ", "Asia/Seoul", "Asia/Seoul"),
        (None, None, None, "UTC"),
        ("../etc/passwd", None, None, "UTC"),
    ],
    ids=[
        "creator-zone-wins",
        "country-next",
        "blank-creator-zone-is-unknown",
        "unknown-creator-zone-is-skipped",
        "campaign-zone-last",
        "unknown-country-is-skipped",
        "utc-when-nothing-is-known",
        "path-like-name-is-refused",
    ],
)
def test_the_recipient_zone_falls_back_from_creator_to_country_to_campaign_to_utc(
    creator: str | None, country: str | None, campaign: str | None, expected: str
) -> None:
    assert recipient_zone(creator, country, campaign) == ZoneInfo(expected)


# --- in_window ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("local", "zone", "inside"),
    [
        (datetime(2026, 3, 6, 10, 0, tzinfo=TOKYO), TOKYO, True),  # Friday, exactly at start
        (datetime(2026, 3, 6, 17, 59, 59, 999999, tzinfo=TOKYO), TOKYO, True),
        (datetime(2026, 3, 6, 18, 0, tzinfo=TOKYO), TOKYO, False),  # end is exclusive
        (datetime(2026, 3, 6, 9, 59, tzinfo=TOKYO), TOKYO, False),
        (datetime(2026, 3, 7, 12, 0, tzinfo=TOKYO), TOKYO, False),  # Saturday
        (datetime(2026, 3, 9, 12, 0, tzinfo=SEOUL), SEOUL, True),  # Monday
        (datetime(2026, 3, 27, 11, 0, tzinfo=PARIS), PARIS, True),
        (datetime(2026, 3, 27, 11, 0, tzinfo=PARIS), LOS_ANGELES, False),  # 03:00 there
    ],
)
def test_a_moment_is_inside_the_window_by_the_recipients_wall_clock(
    local: datetime, zone: ZoneInfo, inside: bool
) -> None:
    assert in_window(local.astimezone(UTC), OFFICE, zone) is inside


def test_without_a_window_every_moment_is_inside() -> None:
    assert in_window(utc(2026, 3, 7, 3, 0), None, TOKYO)
    assert next_window_start(utc(2026, 3, 7, 3, 0), None, TOKYO) == utc(2026, 3, 7, 3, 0)


def test_a_naive_moment_is_refused() -> None:
    with pytest.raises(ValueError, match="has no time zone"):
        in_window(datetime(2026, 3, 6, 12, 0), OFFICE, TOKYO)


# --- next_window_start -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("moment", "window", "zone", "expected"),
    [
        # Friday 18:30 in Tokyo waits for Monday 10:00 in Tokyo.
        (utc(2026, 3, 6, 9, 30), OFFICE, TOKYO, utc(2026, 3, 9, 1, 0)),
        # Exactly at start is inside; exactly at end waits for the next day's start.
        (utc(2026, 3, 6, 1, 0), OFFICE, TOKYO, utc(2026, 3, 6, 1, 0)),
        (utc(2026, 3, 5, 9, 0), OFFICE, TOKYO, utc(2026, 3, 6, 1, 0)),
        # Inside the window: the moment itself.
        (utc(2026, 3, 4, 5, 17, 3), OFFICE, SEOUL, utc(2026, 3, 4, 5, 17, 3)),
        # Sunday 23:00 in Seoul: Monday 10:00 in Seoul.
        (utc(2026, 3, 8, 14, 0), OFFICE, SEOUL, utc(2026, 3, 9, 1, 0)),
        # Before the start on a weekday: the same day's start.
        (utc(2026, 3, 4, 6, 0), OFFICE, PARIS, utc(2026, 3, 4, 9, 0)),
        (utc(2026, 3, 4, 6, 0), OFFICE, LOS_ANGELES, utc(2026, 3, 4, 18, 0)),
    ],
    ids=[
        "tokyo-friday-evening-to-monday",
        "exactly-at-start-is-inside",
        "exactly-at-end-is-outside",
        "seoul-inside",
        "seoul-sunday-night-to-monday",
        "paris-before-start",
        "los-angeles-before-start",
    ],
)
def test_the_next_window_start_in_the_recipients_zone(
    moment: datetime, window: Window, zone: ZoneInfo, expected: datetime
) -> None:
    assert next_window_start(moment, window, zone) == expected


@pytest.mark.parametrize(
    ("moment", "window", "zone", "expected"),
    [
        # Paris springs forward 2026-03-29 at 01:00 UTC: 02:00 CET becomes 03:00 CEST.
        (utc(2026, 3, 29, 0, 0), daily(time(2, 30), time(4)), PARIS, utc(2026, 3, 29, 1, 0)),
        (utc(2026, 3, 28, 23, 0), daily(time(1, 30), time(4)), PARIS, utc(2026, 3, 29, 0, 30)),
        # A window wholly inside the skipped hour does not open that day.
        (utc(2026, 3, 29, 0, 0), daily(time(2), time(2, 45)), PARIS, utc(2026, 3, 30, 0, 0)),
        # Paris falls back 2026-10-25 at 01:00 UTC: 03:00 CEST becomes 02:00 CET.
        (utc(2026, 10, 24, 22, 0), daily(time(2, 30), time(4)), PARIS, utc(2026, 10, 25, 0, 30)),
        (utc(2026, 10, 24, 22, 0), daily(time(1, 30), time(4)), PARIS, utc(2026, 10, 24, 23, 30)),
        # Los Angeles springs forward 2026-03-08 at 10:00 UTC: 02:00 PST becomes 03:00 PDT.
        (utc(2026, 3, 8, 8, 0), daily(time(2, 30), time(5)), LOS_ANGELES, utc(2026, 3, 8, 10, 0)),
        (utc(2026, 3, 8, 8, 0), daily(time(1, 30), time(5)), LOS_ANGELES, utc(2026, 3, 8, 9, 30)),
        # Los Angeles falls back 2026-11-01 at 09:00 UTC: 02:00 PDT becomes 01:00 PST.
        (utc(2026, 11, 1, 7, 0), daily(time(1, 30), time(5)), LOS_ANGELES, utc(2026, 11, 1, 8, 30)),
        (
            utc(2026, 11, 1, 7, 0),
            daily(time(2, 30), time(5)),
            LOS_ANGELES,
            utc(2026, 11, 1, 10, 30),
        ),
        # After the first pass of the repeated hour, its second pass is the next opening.
        (
            utc(2026, 11, 1, 8, 50),
            daily(time(1, 30), time(1, 45)),
            LOS_ANGELES,
            utc(2026, 11, 1, 9, 30),
        ),
        # The jump back to 01:00 re-enters a window that started at 00:30.
        (
            utc(2026, 11, 1, 8, 40),
            daily(time(0, 30), time(1, 30)),
            LOS_ANGELES,
            utc(2026, 11, 1, 9, 0),
        ),
    ],
    ids=[
        "paris-spring-start-in-skipped-hour-opens-at-the-jump",
        "paris-spring-start-before-the-jump",
        "paris-spring-window-wholly-skipped",
        "paris-autumn-start-in-repeated-hour-uses-first-pass",
        "paris-autumn-start-before-the-repeated-hour",
        "la-spring-start-in-skipped-hour-opens-at-the-jump",
        "la-spring-start-before-the-jump",
        "la-autumn-start-in-repeated-hour-uses-first-pass",
        "la-autumn-start-after-the-repeated-hour",
        "la-autumn-second-pass-of-repeated-hour",
        "la-autumn-jump-back-into-the-window",
    ],
)
def test_the_next_window_start_across_daylight_saving_changes(
    moment: datetime, window: Window, zone: ZoneInfo, expected: datetime
) -> None:
    result = next_window_start(moment, window, zone)
    assert result == expected
    assert in_window(result, window, zone)


def test_a_window_on_one_weekday_is_found_a_week_ahead() -> None:
    sundays = Window(days=("sun",), start=time(2), end=time(2, 45))
    # The spring-forward Sunday swallows the window; the next Sunday opens it.
    assert next_window_start(utc(2026, 3, 29, 0, 0), sundays, PARIS) == utc(2026, 4, 5, 0, 0)


PROPERTY_CASES = [
    (OFFICE, TOKYO, date(2026, 3, 6)),
    (Window(days=("sat", "sun"), start=time(9), end=time(12)), SEOUL, date(2026, 3, 6)),
    (daily(time(2, 30), time(3, 15)), PARIS, date(2026, 3, 29)),
    (Window(days=WEEKDAYS, start=time(1, 30), end=time(2, 30)), PARIS, date(2026, 10, 25)),
    (daily(time(2, 30), time(5)), LOS_ANGELES, date(2026, 3, 8)),
    (daily(time(1, 30), time(1, 45)), LOS_ANGELES, date(2026, 11, 1)),
    (daily(time(0, 30), time(1, 30)), LOS_ANGELES, date(2026, 11, 1)),
]


@pytest.mark.parametrize(("window", "zone", "around"), PROPERTY_CASES)
def test_the_next_window_start_is_the_first_inside_minute_at_or_after_any_moment(
    window: Window, zone: ZoneInfo, around: date
) -> None:
    rng = random.Random(f"{zone.key}-{around}")
    centre = datetime.combine(around, time(), tzinfo=UTC)
    for _ in range(60):
        moment = centre + timedelta(seconds=rng.randint(-3 * 86_400, 3 * 86_400))
        result = next_window_start(moment, window, zone)
        assert result >= moment
        assert in_window(result, window, zone)
        if result > moment:
            assert not in_window(result - timedelta(seconds=1), window, zone)
        minute = moment.replace(second=0) + timedelta(minutes=1)
        while minute < result:
            assert not in_window(minute, window, zone), (moment, minute, result)
            minute += timedelta(minutes=1)


# --- gaps and cap days -------------------------------------------------------------------


def test_send_gaps_stay_within_bounds_and_are_never_a_fixed_interval() -> None:
    limits = Limits(min_gap_seconds=240, jitter_seconds=360)
    rng = random.Random(7)
    gaps = [send_gap(limits, rng) for _ in range(1_000)]
    assert all(timedelta(seconds=240) <= gap <= timedelta(seconds=600) for gap in gaps)
    assert len(set(gaps)) > 900
    assert min(gaps) < timedelta(seconds=300) and max(gaps) > timedelta(seconds=540)


def test_without_jitter_the_gap_is_the_minimum() -> None:
    limits = Limits(min_gap_seconds=0, jitter_seconds=0)
    assert send_gap(limits, random.Random(1)) == timedelta(0)


@pytest.mark.parametrize(
    ("moment", "day"),
    [
        (datetime(2026, 3, 9, 8, 0, tzinfo=TOKYO), date(2026, 3, 8)),
        (datetime(2026, 3, 8, 20, 0, tzinfo=LOS_ANGELES), date(2026, 3, 9)),
        (utc(2026, 3, 9, 0, 0), date(2026, 3, 9)),
    ],
)
def test_caps_count_per_utc_day(moment: datetime, day: date) -> None:
    assert utc_day(moment) == day
