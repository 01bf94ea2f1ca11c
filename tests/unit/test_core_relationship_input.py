"""What a person types about a relationship: each bad value named, good ones normalised."""

from datetime import date

import pytest

from outreach.core.relationship_input import (
    InputError,
    check_offer,
    check_period,
    check_text,
    parse_channels,
    parse_day,
    parse_money,
    parse_territory,
    parse_url,
)


@pytest.mark.parametrize(
    ("amount", "currency", "expected"),
    [("30000", "jpy", ("30000.00", "JPY")), ("12.5", "USD", ("12.50", "USD")),
     ("1,200", "KRW", ("1200.00", "KRW")), ("0", "EUR", ("0.00", "EUR"))],
)  # fmt: skip
def test_money_is_a_decimal_string_and_a_currency(
    amount: str, currency: str, expected: tuple[str, str]
) -> None:
    assert parse_money(amount, currency) == expected


@pytest.mark.parametrize(
    ("amount", "currency", "message"),
    [("-5", "USD", "must be 0 or more"), ("1.005", "USD", "at most 2 decimals"),
     ("ten", "USD", "is not an amount"), ("nan", "USD", "must be 0 or more"),
     ("10", "dollars", "is not a currency code"), ("10", "", "is not a currency code")],
)  # fmt: skip
def test_bad_money_is_named(amount: str, currency: str, message: str) -> None:
    with pytest.raises(InputError, match=message) as caught:
        parse_money(amount, currency)
    assert "--fee" in str(caught.value)


def test_dates_and_periods() -> None:
    assert parse_day(" 2026-12-31 ", "--due") == date(2026, 12, 31)
    with pytest.raises(InputError, match=r"--due: '31/12/2026' is not a date"):
        parse_day("31/12/2026", "--due")
    with pytest.raises(InputError, match="--until 2026-01-01 is before --from 2026-02-01"):
        check_period(date(2026, 2, 1), date(2026, 1, 1))
    check_period(date(2026, 2, 1), date(2026, 2, 1))  # a one-day period is fine


def test_urls_channels_territories_offers_and_text() -> None:
    assert parse_url(" https://instagram.com/p/abc ") == "https://instagram.com/p/abc"
    for bad in ("javascript:alert(1)", "instagram.com/p/abc", "https://x.com/a b", "ftp://x"):
        with pytest.raises(InputError, match="is not a web address"):
            parse_url(bad)
    assert parse_channels("Organic, ads,product-page,ads") == ["organic", "ads", "product-page"]
    with pytest.raises(InputError, match="'tv ads' is not a channel name"):
        parse_channels("organic,tv ads")
    with pytest.raises(InputError, match="at least one"):
        parse_channels(" , ")
    assert parse_territory("jp, KR") == ["JP", "KR"]
    assert parse_territory(None) == []
    with pytest.raises(InputError, match="'JPN' is not a two-letter country code"):
        parse_territory("JPN")
    assert check_offer("gifted") == "gifted"
    with pytest.raises(InputError, match="'free' is not one of gifted, paid, affiliate, none"):
        check_offer("free")
    with pytest.raises(InputError, match="empty text"):
        check_text("   ", "TEXT")
    with pytest.raises(InputError, match="2,001 characters"):
        check_text("x" * 2001, "TEXT")
