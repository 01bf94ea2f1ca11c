"""Validate creator CSV rows into records; each problem names the column and the value."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import cache
from importlib.resources import files
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from outreach.core.addresses import AddressError, normalise_address
from outreach.core.message_builder import HeaderInjection, check_header_value
from outreach.core.zone_names import zone_names

REQUIRED_COLUMNS = ("handle", "email")
KNOWN_COLUMNS = (
    "handle",
    "email",
    "name",
    "platform",
    "followers",
    "engagement_rate",
    "niches",
    "language",
    "country",
    "timezone",
    "bio",
    "recent_post",
    "recent_post_url",
    "notes",
    # Why this creator, in their language, written by a person: the heart of a first touch.
    "personal_note",
    # Where the address came from (the law of some countries asks; see "Rules by country").
    "email_source",
    "email_source_url",
    "email_seen_on",
)
EMAIL_SOURCES = ("bio", "website", "consent", "referral", "other")
# Names templates get from elsewhere; a custom column must not shadow them.
RESERVED_NAMES = frozenset(
    {
        "tier", "first_name", "addressee", "product", "description", "objective", "guidelines",
        "offer", "campaign", "sender_name", "sender_company", "sender_email", "status", "custom",
    }
)  # fmt: skip

_HANDLE = re.compile(r"^[\w.\-]{1,100}$")
_PLATFORM = re.compile(r"^[a-z0-9_\-]{1,40}$")
_LANGUAGE = re.compile(r"^([a-z]{2})(?:[-_][a-z0-9]+)?$")
_COUNTRY = re.compile(r"^[A-Z]{2}$")
_COUNT = re.compile(r"^(\d+(?:\.\d+)?)([km]?)$")
_IDENTIFIER = re.compile(r"[^0-9a-z]+")


class RowError(ValueError):
    """A CSV row cannot be imported; the message says which column and why."""


@dataclass
class CreatorRecord:
    """One validated creator row, with only the columns the file provided."""

    handle: str
    email: str
    platform: str = ""
    values: dict[str, object] = field(default_factory=dict)
    custom: dict[str, str] = field(default_factory=dict)

    @property
    def key(self) -> tuple[str, str]:
        """The natural key creators are upserted by."""
        return (self.platform, self.handle)


def custom_field_name(column: str) -> str:
    """Template variable name for a custom column: 'Skin Type' becomes 'skin_type'."""
    return _IDENTIFIER.sub("_", column.strip().lower()).strip("_")


def check_header(columns: list[str]) -> list[str]:
    """Problems with a header row: missing required columns, unusable custom names."""
    problems = [f"missing required column {name!r}" for name in REQUIRED_COLUMNS]
    problems = [
        p for p, name in zip(problems, REQUIRED_COLUMNS, strict=True) if name not in columns
    ]
    if problems and any(";" in column or "\t" in column for column in columns):
        separator = "semicolons" if any(";" in column for column in columns) else "tabs"
        return [
            f"the columns are separated by {separator}, not commas (a European Excel export?); "
            "save the file as 'CSV UTF-8 (Comma delimited)'"
        ]
    seen: dict[str, str] = {}
    for column in columns:
        name = column if column in KNOWN_COLUMNS else custom_field_name(column)
        if not name or name[0].isdigit():
            problems.append(f"column {column!r} cannot be used as a template field name")
        elif column not in KNOWN_COLUMNS and name in KNOWN_COLUMNS:
            problems.append(f"column {column!r} looks like {name!r}; name it exactly {name}")
        elif column not in KNOWN_COLUMNS and name in RESERVED_NAMES:
            problems.append(f"column {column!r} clashes with the built-in template field {name!r}")
        elif name in seen and seen[name] == column:
            problems.append(f"column {column!r} appears twice")
        elif name in seen:
            problems.append(
                f"columns {seen[name]!r} and {column!r} both become the template field {name!r}"
            )
        seen.setdefault(name, column)
    return problems


def parse_row(row: Mapping[str | None, object]) -> CreatorRecord:
    """Turn one csv.DictReader row into a CreatorRecord, or raise RowError."""
    if row.get(None):
        raise RowError("the row has more fields than the header")
    cells = {key: _cell(value) for key, value in row.items() if key is not None}
    record = CreatorRecord(
        handle=_handle(cells.get("handle", "")),
        email=_email(cells.get("email", "")),
        platform=_platform(cells.get("platform", "")),
    )
    for column, parse in _PARSERS.items():
        if column in cells:
            record.values[column] = parse(cells[column])
    for column, value in cells.items():
        if column not in KNOWN_COLUMNS:
            record.custom[custom_field_name(column)] = value
    return record


def _cell(value: object) -> str:
    return value.strip() if isinstance(value, str) else ""


def _handle(value: str) -> str:
    handle = value.lstrip("@").lower()
    if not handle:
        raise RowError("handle is missing")
    if not _HANDLE.match(handle):
        raise RowError(f"handle {value!r} may hold only letters, digits, '.', '_' and '-'")
    return handle


def _email(value: str) -> str:
    if not value:
        raise RowError("email is missing")
    try:
        return normalise_address(value)
    except AddressError as exc:
        raise RowError(f"email {value!r} is invalid: {exc}") from None


def _platform(value: str) -> str:
    platform = value.lower()
    if platform and not _PLATFORM.match(platform):
        raise RowError(f"platform {value!r} is not a platform name")
    return platform


MAX_NAME_CHARACTERS = 200
# More than any account has, and inside PostgreSQL's integer (2,147,483,647).
MAX_FOLLOWERS = 2_000_000_000
MAX_TEXT_CHARACTERS = 20_000


def _single_line(column: str) -> Callable[[str], str | None]:
    def parse(value: str) -> str | None:
        # It goes into mail headers: no line breaks, control characters or encoded words.
        try:
            check_header_value(column, value)
        except HeaderInjection as exc:
            raise RowError(f"{column} {value[:40]!r} is unusable: {exc}") from None
        if len(value) > MAX_NAME_CHARACTERS:
            raise RowError(f"{column} is longer than {MAX_NAME_CHARACTERS} characters")
        return value or None

    return parse


def _text(value: str) -> str | None:
    if len(value) > MAX_TEXT_CHARACTERS:
        raise RowError(f"a text column is longer than {MAX_TEXT_CHARACTERS} characters")
    return value or None


def _followers(value: str) -> int | None:
    if not value:
        return None
    match = _COUNT.match(value.replace(",", "").replace("_", "").lower())
    if value.strip().startswith("-"):
        raise RowError(f"followers {value!r} is negative")
    if not match:
        raise RowError(f"followers {value!r} is not a whole number")
    # Decimal, not float: 4.1 * 1_000_000 is 4099999.9999999995 in binary floating point.
    number, suffix = Decimal(match.group(1)), match.group(2)
    count = number * {"": 1, "k": 1_000, "m": 1_000_000}[suffix]
    if count != count.to_integral_value():
        raise RowError(f"followers {value!r} is not a whole number")
    if count > MAX_FOLLOWERS:
        raise RowError(f"followers {value!r} is more than {MAX_FOLLOWERS:,} (no account has that)")
    return int(count)


def _engagement_rate(value: str) -> float | None:
    if not value:
        return None
    try:
        rate = float(value.rstrip("%").strip())
    except ValueError:
        raise RowError(f"engagement_rate {value!r} is not a number") from None
    if not 0 <= rate <= 100:
        raise RowError(f"engagement_rate {value!r} is outside 0-100 (it is a percentage)")
    return rate


def _niches(value: str) -> list[str]:
    niches = [n.strip().lower() for n in value.split(";")]
    return list(dict.fromkeys(n for n in niches if n))


def _language(value: str) -> str | None:
    if not value:
        return None
    match = _LANGUAGE.match(value.lower())
    if not match:
        raise RowError(f"language {value!r} is not a language code like 'ja' or 'en'")
    return match.group(1)


def _country(value: str) -> str | None:
    if not value:
        return None
    if not _COUNTRY.match(value.upper()) or value.upper() not in country_codes():
        raise RowError(f"country {value!r} is not a two-letter country code like 'JP'")
    return value.upper()


@cache
def country_codes() -> frozenset[str]:
    """ISO 3166 alpha-2 codes, from the time zone database's own table (tzdata)."""
    table = files("tzdata").joinpath("zoneinfo/iso3166.tab").read_text(encoding="utf-8")
    return frozenset(line.split("\t")[0] for line in table.splitlines() if line[:1].isalpha())


def _timezone(value: str) -> str | None:
    if not value:
        return None
    try:
        if value not in zone_names():
            raise ZoneInfoNotFoundError(value)
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise RowError(f"timezone {value!r} is not a time zone name like 'Asia/Tokyo'") from None
    return value


def is_http_link(value: str) -> bool:
    """Whether the text is an http(s) address with a host and no spaces."""
    parts = urlsplit(value)
    return parts.scheme in ("http", "https") and bool(parts.netloc) and " " not in value


def _url_of(column: str) -> Callable[[str], str | None]:
    def parse(value: str) -> str | None:
        if not value:
            return None
        if not is_http_link(value):
            raise RowError(f"{column} {value!r} is not an http(s) link")
        return value

    return parse


def _email_source(value: str) -> str | None:
    if not value:
        return None
    source = value.strip().lower()
    if source not in EMAIL_SOURCES:
        raise RowError(f"email_source {value!r} is not one of {', '.join(EMAIL_SOURCES)}")
    return source


def _seen_on(value: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise RowError(f"email_seen_on {value!r} is not a date like 2026-12-01") from None


_PARSERS = {
    "name": _single_line("name"),
    "followers": _followers,
    "engagement_rate": _engagement_rate,
    "niches": _niches,
    "language": _language,
    "country": _country,
    "timezone": _timezone,
    "bio": _text,
    "recent_post": _text,
    "recent_post_url": _url_of("recent_post_url"),
    "notes": _text,
    "personal_note": _text,
    "email_source": _email_source,
    "email_source_url": _url_of("email_source_url"),
    "email_seen_on": _seen_on,
}
