"""A campaign definition, validated from its TOML table; errors name the key."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import time, timedelta
from email.utils import parseaddr
from functools import cached_property
from typing import Any

from outreach.core.addresses import AddressError, normalise_address
from outreach.core.briefs import Brief, parse_brief
from outreach.core.mailbox_spec import MAILBOX_NAME
from outreach.core.relationship_steps import RelationshipStep, parse_relationship_steps
from outreach.core.spec_errors import (
    CampaignSpecError,
    reject_unknown_keys,
    template_and_delay,
)
from outreach.core.zone_names import zone_names

OBJECTIVES = ("awareness", "conversion")
OFFERS = ("gifted", "paid", "affiliate", "none")
# Whether a first touch must carry the creator's personal_note (words written for them).
PERSONAL = ("optional", "required")
SECTIONS = ("selection", "window", "limits", "steps")
_TOP_LEVEL_KEYS = (
    "name",
    "product",
    "description",
    "objective",
    "guidelines",
    "offer",
    "language",
    "sender",
    "senders",
    "require_approval",
    "advertising",
    "personal",
    "relationship_steps",
    "brief",
    *SECTIONS,
)
_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
_LANGUAGE = re.compile(r"^[a-z]{2}$")
_COUNTRY = re.compile(r"^[A-Z]{2}$")
_CLOCK = re.compile(r"^([01][0-9]|2[0-3]):([0-5][0-9])$")
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
# BRIEF: more than three follow-ups raises complaints, so a proposal and three at most.
MAX_STEPS = 4
DEFAULT_PER_MAILBOX_PER_DAY = 30
DEFAULT_PER_CAMPAIGN_PER_DAY = 200
DEFAULT_MIN_GAP_SECONDS = 240
DEFAULT_JITTER_SECONDS = 360


@dataclass(frozen=True)
class Selection:
    """The [selection] criteria; an empty tuple or None means the key does not filter."""

    niches: tuple[str, ...] = ()
    platforms: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    countries: tuple[str, ...] = ()
    min_followers: int | None = None
    max_followers: int | None = None
    min_engagement_rate: float | None = None
    # Not criteria but the order and number enrolled: past partners first, at most N.
    prefer_partners: bool = False
    max_creators: int | None = None

    def as_mapping(self) -> dict[str, Any]:
        """The keys that are set, as plain values (what selection_misses reads)."""
        values = {name: getattr(self, name) for name in self.__dataclass_fields__}
        return {
            name: list(value) if isinstance(value, tuple) else value
            for name, value in values.items()
            if value is not None and value != () and value is not False
        }


@dataclass(frozen=True)
class Window:
    """The [window]: days and local hours (start inclusive, end exclusive) to send in."""

    days: tuple[str, ...]
    start: time
    end: time
    timezone: str | None = None

    @cached_property  # asked for every moment a window is checked against
    def weekdays(self) -> frozenset[int]:
        """The days as datetime.weekday() numbers, Monday = 0."""
        return frozenset(DAYS.index(day) for day in self.days)

    def as_mapping(self) -> dict[str, Any]:
        """The window as it would be written in the file."""
        values: dict[str, Any] = {
            "days": list(self.days),
            "start": self.start.strftime("%H:%M"),
            "end": self.end.strftime("%H:%M"),
        }
        if self.timezone is not None:
            values["timezone"] = self.timezone
        return values


@dataclass(frozen=True)
class Limits:
    """The [limits]: daily caps (at least 1) and the gap between sends of one mailbox."""

    per_mailbox_per_day: int = DEFAULT_PER_MAILBOX_PER_DAY
    per_campaign_per_day: int = DEFAULT_PER_CAMPAIGN_PER_DAY
    min_gap_seconds: int = DEFAULT_MIN_GAP_SECONDS
    jitter_seconds: int = DEFAULT_JITTER_SECONDS

    def as_mapping(self) -> dict[str, Any]:
        """The limits as plain values."""
        return {name: getattr(self, name) for name in self.__dataclass_fields__}


@dataclass(frozen=True)
class Step:
    """One [[steps]] entry: the template to send and the wait after the previous step."""

    template: str
    delay: timedelta

    def as_mapping(self) -> dict[str, Any]:
        """The step as plain values (the delay as a timedelta)."""
        return {"template": self.template, "delay": self.delay}


@dataclass(frozen=True)
class CampaignSpec:
    """A validated campaign: the top-level keys and its typed sections."""

    name: str
    product: str
    description: str | None = None
    objective: str = "awareness"
    guidelines: str | None = None
    offer: str = "gifted"
    language: str = "en"
    sender: str | None = None
    # Mailboxes (mailboxes.toml names) that share the proposals; each creator keeps one.
    senders: tuple[str, ...] = ()
    require_approval: bool = False
    # Advertising mail (the default): Korea's rules on it apply, e.g. (광고) and quiet hours.
    advertising: bool = True
    personal: str = "required"
    selection: Selection = field(default_factory=Selection)
    window: Window | None = None
    limits: Limits = field(default_factory=Limits)
    steps: tuple[Step, ...] = ()
    relationship_steps: tuple[RelationshipStep, ...] = ()
    brief: Brief | None = None

    @property
    def sections(self) -> Mapping[str, Any]:
        """The validated sections as plain values, for code written before the dataclasses."""
        values: dict[str, Any] = {
            "selection": self.selection.as_mapping(),
            "limits": self.limits.as_mapping(),
            "steps": [step.as_mapping() for step in self.steps],
        }
        if self.window is not None:
            values["window"] = self.window.as_mapping()
        return values

    def template_values(self) -> dict[str, Any]:
        """What templates see of the campaign."""
        return {
            "name": self.name,
            "product": self.product,
            "description": self.description,
            "objective": self.objective,
            "guidelines": self.guidelines,
            "offer": self.offer,
        }


def parse_campaign(table: Mapping[str, Any]) -> CampaignSpec:
    """Validate a parsed TOML table into a CampaignSpec."""
    reject_unknown_keys("", table, _TOP_LEVEL_KEYS)
    name = _string(table, "name", required=True)
    if not _NAME.match(name):
        raise CampaignSpecError("name", f"{name!r} must be lowercase letters, digits, '-' or '_'")
    objective = _choice(table, "objective", OBJECTIVES, "awareness")
    return CampaignSpec(
        name=name,
        product=_string(table, "product", required=True),
        description=_string(table, "description") or None,
        objective=objective,
        guidelines=_string(table, "guidelines") or None,
        offer=_choice(table, "offer", OFFERS, "gifted"),
        language=_language(table),
        sender=_sender(table),
        senders=_senders(table),
        require_approval=_boolean(table, "require_approval"),
        advertising=_boolean(table, "advertising") if "advertising" in table else True,
        personal=_choice(table, "personal", PERSONAL, "required"),
        selection=parse_selection(_table(table, "selection")),
        window=parse_window(table["window"]) if "window" in table else None,
        limits=parse_limits(_table(table, "limits")),
        steps=parse_steps(table.get("steps")),
        relationship_steps=parse_relationship_steps(table.get("relationship_steps")),
        brief=parse_brief(table["brief"], objective) if "brief" in table else None,
    )


def parse_selection(table: Any) -> Selection:
    """Validate a [selection] table; every key is optional."""
    table = _section("selection", table)
    reject_unknown_keys("selection", table, tuple(Selection.__dataclass_fields__))
    low = _count(table, "selection", "min_followers", None)
    high = _count(table, "selection", "max_followers", None)
    if low is not None and high is not None and low > high:
        raise CampaignSpecError("selection.max_followers", f"{high} is below min_followers ({low})")
    return Selection(
        niches=_words(table, "niches", str.lower, None),
        platforms=_words(table, "platforms", str.lower, None),
        languages=_words(table, "languages", str.lower, (_LANGUAGE, "a language code like 'en'")),
        countries=_words(
            table, "countries", str.upper, (_COUNTRY, "a two-letter country code like 'JP'")
        ),
        min_followers=low,
        max_followers=high,
        min_engagement_rate=_rate(table),
        prefer_partners=_boolean(table, "prefer_partners", "selection."),
        max_creators=_count(table, "selection", "max_creators", None, minimum=1),
    )


def parse_window(table: Any) -> Window:
    """Validate a [window] table: start and end are required, days default to all seven."""
    table = _section("window", table)
    reject_unknown_keys("window", table, tuple(Window.__dataclass_fields__))
    for key in ("start", "end"):
        if key not in table:
            raise CampaignSpecError(f"window.{key}", 'is required, a time like "10:00"')
    start, end = _clock(table, "start"), _clock(table, "end")
    if start >= end:
        raise CampaignSpecError(
            "window.end",
            f"{table['end']!r} must be after start {table['start']!r}; windows cannot run "
            "past midnight, so split an overnight window or choose another time zone",
        )
    return Window(days=_days(table), start=start, end=end, timezone=_zone_name(table))


def parse_limits(table: Any) -> Limits:
    """Validate a [limits] table; missing keys take the defaults."""
    table = _section("limits", table)
    reject_unknown_keys("limits", table, tuple(Limits.__dataclass_fields__))
    return Limits(
        per_mailbox_per_day=_limit(table, "per_mailbox_per_day", minimum=1),
        per_campaign_per_day=_limit(table, "per_campaign_per_day", minimum=1),
        # Gaps may be 0: tests and benchmarks switch them off.
        min_gap_seconds=_limit(table, "min_gap_seconds", minimum=0),
        jitter_seconds=_limit(table, "jitter_seconds", minimum=0),
    )


def parse_steps(value: Any) -> tuple[Step, ...]:
    """Validate the [[steps]] array: one to MAX_STEPS steps, each a template and a delay."""
    if value is None:
        raise CampaignSpecError("steps", "at least one [[steps]] entry is required")
    if not isinstance(value, list) or not value:
        raise CampaignSpecError("steps", "must be one or more [[steps]] tables")
    if len(value) > MAX_STEPS:
        raise CampaignSpecError(
            "steps",
            f"{len(value)} steps is too many; at most {MAX_STEPS} (a proposal and "
            f"{MAX_STEPS - 1} follow-ups), since more follow-ups draw complaints",
        )
    return tuple(_step(number, entry) for number, entry in enumerate(value, start=1))


def _string(table: Mapping[str, Any], key: str, required: bool = False) -> str:
    value = table.get(key)
    if value is None:
        if required:
            raise CampaignSpecError(key, "is required")
        return ""
    if not isinstance(value, str):
        raise CampaignSpecError(key, f"must be text, not {type(value).__name__}")
    if required and not value.strip():
        raise CampaignSpecError(key, "must not be empty")
    return value.strip()


def _choice(table: Mapping[str, Any], key: str, choices: tuple[str, ...], default: str) -> str:
    value = _string(table, key) or default
    if value not in choices:
        raise CampaignSpecError(key, f"{value!r} is not one of {', '.join(choices)}")
    return value


def _language(table: Mapping[str, Any]) -> str:
    value = _string(table, "language") or "en"
    if not _LANGUAGE.match(value):
        raise CampaignSpecError("language", f"{value!r} is not a language code like 'en'")
    return value


def _sender(table: Mapping[str, Any]) -> str | None:
    value = _string(table, "sender")
    if not value:
        return None
    if "\n" in value or "\r" in value:
        raise CampaignSpecError("sender", "must be on one line")
    try:
        normalise_address(parseaddr(value)[1])
    except AddressError as exc:
        raise CampaignSpecError("sender", f"{value!r} is not a valid address: {exc}") from None
    return value


def _senders(table: Mapping[str, Any]) -> tuple[str, ...]:
    value = table.get("senders", [])
    if not isinstance(value, list):
        raise CampaignSpecError(
            "senders", f'must be a list of mailbox names like ["luna"], not {value!r}'
        )
    names: list[str] = []
    for item in value:
        if not isinstance(item, str) or not MAILBOX_NAME.match(item):
            reason = f"{item!r} is not a mailbox name from mailboxes.toml"
            raise CampaignSpecError("senders", reason)
        if item in names:
            raise CampaignSpecError("senders", f"{item!r} is listed twice")
        names.append(item)
    if names and table.get("sender"):
        reason = "set either sender (one From address) or senders (mailboxes), not both"
        raise CampaignSpecError("senders", reason)
    return tuple(names)


def _boolean(table: Mapping[str, Any], key: str, prefix: str = "") -> bool:
    value = table.get(key, False)
    if not isinstance(value, bool):
        raise CampaignSpecError(prefix + key, "must be true or false")
    return value


def _table(table: Mapping[str, Any], key: str) -> Any:
    return table.get(key, {})


def _section(key: str, value: Any) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise CampaignSpecError(key, f"must be a [{key}] table, not {type(value).__name__}")
    return value


def _words(
    table: Mapping[str, Any],
    key: str,
    normalise: Callable[[str], str],
    pattern: tuple[re.Pattern[str], str] | None,
) -> tuple[str, ...]:
    value = table.get(key, [])
    dotted = f"selection.{key}"
    if not isinstance(value, list):
        raise CampaignSpecError(dotted, f'must be a list like ["a", "b"], not {value!r}')
    words: list[str] = []
    for item in value:
        if not isinstance(item, str) or not item.strip():
            raise CampaignSpecError(dotted, f"{item!r} is not a non-empty text")
        word = normalise(item.strip())
        if pattern is not None and not pattern[0].match(word):
            raise CampaignSpecError(dotted, f"{item!r} is not {pattern[1]}")
        words.append(word)
    return tuple(words)


def _count(
    table: Mapping[str, Any], section: str, key: str, default: int | None, minimum: int = 0
) -> int | None:
    value = table.get(key, default)
    if value is None:
        return None
    # bool is an int in Python; "true" is never a count.
    if isinstance(value, bool) or not isinstance(value, int):
        raise CampaignSpecError(f"{section}.{key}", f"{value!r} is not a whole number")
    if value < minimum:
        raise CampaignSpecError(f"{section}.{key}", f"{value} must be at least {minimum}")
    return value


def _limit(table: Mapping[str, Any], key: str, minimum: int) -> int:
    default: int = getattr(Limits(), key)
    value = _count(table, "limits", key, default, minimum)
    assert value is not None  # every limit has a default
    return value


def _rate(table: Mapping[str, Any]) -> float | None:
    value = table.get("min_engagement_rate")
    if value is None:
        return None
    key = "selection.min_engagement_rate"
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise CampaignSpecError(key, f"{value!r} is not a number (a percentage, 0 to 100)")
    if not 0 <= value <= 100:
        raise CampaignSpecError(key, f"{value} is not a percentage from 0 to 100")
    return float(value)


def _clock(table: Mapping[str, Any], key: str) -> time:
    value = table[key]
    match = _CLOCK.match(value) if isinstance(value, str) else None
    if not match:
        raise CampaignSpecError(
            f"window.{key}", f'{value!r} is not a 24-hour time from "00:00" to "23:59"'
        )
    return time(int(match.group(1)), int(match.group(2)))


def _days(table: Mapping[str, Any]) -> tuple[str, ...]:
    value = table.get("days", list(DAYS))
    if not isinstance(value, list) or not value:
        raise CampaignSpecError("window.days", f"must list at least one of {', '.join(DAYS)}")
    days = [item.strip().lower() if isinstance(item, str) else item for item in value]
    for day in days:
        if day not in DAYS:
            raise CampaignSpecError("window.days", f"{day!r} is not one of {', '.join(DAYS)}")
        if days.count(day) > 1:
            raise CampaignSpecError("window.days", f"{day!r} is listed twice")
    return tuple(sorted(days, key=DAYS.index))


def _zone_name(table: Mapping[str, Any]) -> str | None:
    value = table.get("timezone")
    if value is None:
        return None
    if isinstance(value, str) and value.strip() in zone_names():
        return value.strip()
    hint = ""
    if isinstance(value, str):
        folded = {name.casefold(): name for name in zone_names()}
        if value.strip().casefold() in folded:
            hint = f"; did you mean {folded[value.strip().casefold()]!r}?"
    raise CampaignSpecError(
        "window.timezone", f"{value!r} is not an IANA time zone like 'Asia/Tokyo'{hint}"
    )


def _step(number: int, entry: Any) -> Step:
    prefix = f"steps[{number}]"
    if not isinstance(entry, Mapping):
        raise CampaignSpecError(prefix, "must be a [[steps]] table with template and delay")
    reject_unknown_keys(prefix, entry, ("template", "delay"))
    template, delay = template_and_delay(prefix, entry)
    return Step(template=template, delay=delay)
