"""Checks for what a person types about a relationship: dates, money, URLs, channels, places."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal, InvalidOperation
from urllib.parse import urlsplit

from outreach.errors import OutreachError

OFFERS = ("gifted", "paid", "affiliate", "none")
# The channels brands re-use creator content on; others may be added in the same slug form.
KNOWN_CHANNELS = ("organic", "ads", "product-page", "email", "website", "print", "ooh", "tv")
_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_CURRENCY = re.compile(r"^[A-Z]{3}$")
_COUNTRY = re.compile(r"^[A-Z]{2}$")
MAX_TEXT = 2000


class InputError(OutreachError, ValueError):
    """A value a person typed is not usable; the message names the option and the value."""


def parse_day(text: str, option: str) -> date:
    """A calendar date written YYYY-MM-DD."""
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise InputError(f"{option}: {text!r} is not a date like 2026-12-31") from None


def parse_money(amount: str, currency: str, option: str = "--fee") -> tuple[str, str]:
    """An amount (a decimal string: money is never a float) and a three-letter currency."""
    try:
        value = Decimal(amount.replace(",", ""))
    except InvalidOperation:
        raise InputError(f"{option}: {amount!r} is not an amount like 300 or 12.50") from None
    if not value.is_finite() or value < 0 or value != value.quantize(Decimal("0.01")):
        raise InputError(f"{option}: {amount!r} must be 0 or more, with at most 2 decimals")
    code = currency.strip().upper()
    if not _CURRENCY.match(code):
        raise InputError(f"{option}: {currency!r} is not a currency code like JPY, KRW or USD")
    return str(value.quantize(Decimal("0.01"))), code


def parse_url(text: str, option: str = "URL") -> str:
    """An http(s) URL of a post, on one line."""
    url = text.strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc or any(c.isspace() for c in url):
        raise InputError(f"{option}: {text!r} is not a web address like https://...")
    return url


def parse_channels(text: str) -> list[str]:
    """Comma-separated channel slugs: organic, ads, product-page, ..."""
    channels = [part.strip().lower() for part in text.split(",") if part.strip()]
    if not channels:
        raise InputError(f"--channels: give at least one, e.g. {','.join(KNOWN_CHANNELS[:3])}")
    for channel in channels:
        if not _SLUG.match(channel):
            raise InputError(
                f"--channels: {channel!r} is not a channel name like {', '.join(KNOWN_CHANNELS)}"
            )
    return list(dict.fromkeys(channels))


def parse_territory(text: str | None) -> list[str]:
    """Comma-separated two-letter country codes; empty means worldwide."""
    if text is None:
        return []
    codes = [part.strip().upper() for part in text.split(",") if part.strip()]
    for code in codes:
        if not _COUNTRY.match(code):
            raise InputError(f"--territory: {code!r} is not a two-letter country code like JP")
    return list(dict.fromkeys(codes))


def check_period(starts: date, ends: date) -> None:
    """A rights period must end after it starts."""
    if ends < starts:
        raise InputError(f"--until {ends} is before --from {starts}: the period would be empty")


def check_text(text: str, option: str) -> str:
    """Free text a person typed: not empty, not huge."""
    value = text.strip()
    if not value:
        raise InputError(f"{option}: empty text")
    if len(value) > MAX_TEXT:
        raise InputError(f"{option}: {len(value):,} characters; at most {MAX_TEXT:,}")
    return value


def check_offer(offer: str) -> str:
    """One of the offers a campaign can make."""
    if offer not in OFFERS:
        raise InputError(f"--offer: {offer!r} is not one of {', '.join(OFFERS)}")
    return offer
