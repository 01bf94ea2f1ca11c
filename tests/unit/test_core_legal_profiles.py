"""Country rules: Korea's quiet hours for advertising mail (21:00-08:00 Korea time)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from outreach.core.legal_profiles import (
    KOREA_QUIET_HOURS,
    SOURCE_REFUSED,
    quiet_hours_for,
    source_refusal,
)


@pytest.mark.parametrize(
    ("utc_hour", "allowed_at"),
    [
        (0, None),  # 09:00 in Seoul
        (11, None),  # 20:00: the last hour before the quiet hours
        (12, datetime(2026, 12, 1, 23, 0, tzinfo=UTC)),  # 21:00: until 08:00 next morning
        (13, datetime(2026, 12, 1, 23, 0, tzinfo=UTC)),  # 22:00
        (22, datetime(2026, 12, 1, 23, 0, tzinfo=UTC)),  # 07:00 the next day: an hour left
        (23, None),  # 08:00: mail may go again
    ],
)
def test_korean_quiet_hours(utc_hour: int, allowed_at: datetime | None) -> None:
    assert KOREA_QUIET_HOURS.next_allowed(datetime(2026, 12, 1, utc_hour, tzinfo=UTC)) == (
        allowed_at
    )


def test_only_korea_has_quiet_hours_here() -> None:
    assert quiet_hours_for("kr") is KOREA_QUIET_HOURS
    assert quiet_hours_for("JP") is None and quiet_hours_for(None) is None


@pytest.mark.parametrize(
    ("country", "source", "advertising", "refused"),
    [
        ("JP", "bio", True, False),
        ("JP", "website", True, False),
        ("JP", "consent", True, False),
        ("JP", "referral", True, True),  # told by someone else: neither published nor consent
        ("JP", None, True, True),
        ("JP", "other", False, True),  # Japan's rule is not only for advertising
        ("KR", "consent", True, False),
        ("KR", "bio", True, True),
        ("kr", None, True, True),
        ("KR", "bio", False, False),  # not advertising: art. 50(1) does not apply
        ("GB", None, True, True),  # the first message could not say where it was found
        ("DE", "referral", True, False),
        ("US", None, True, False),  # CAN-SPAM is opt-out: no source needed
        (None, None, True, False),
    ],
)
def test_which_sources_each_country_allows(
    country: str | None, source: str | None, advertising: bool, refused: bool
) -> None:
    reason = source_refusal(country, source, advertising)
    assert (reason is not None) == refused
    if reason is not None:
        assert reason.startswith(
            f"{SOURCE_REFUSED} for {(country or '').upper()}: email_source is "
        )


def test_a_source_refusal_names_the_source_and_the_law() -> None:
    assert source_refusal("JP", "referral") == (
        "source not allowed for JP: email_source is 'referral'; Japan's Act on Specified "
        "Electronic Mail, art. 3, allows this mail only with consent or to an address "
        "published for business (bio, website)"
    )
