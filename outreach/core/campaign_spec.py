"""A campaign definition, validated from its TOML table; errors name the key."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import time, timedelta
from email.utils import parseaddr
from functools import cache
from typing import Any
from zoneinfo import available_timezones

from outreach.core.addresses import AddressError, normalise_address
from outreach.core.timing import parse_delay

OBJECTIVES = ("awareness", "conversion")
OFFERS = ("gifted", "paid", "affiliate", "none")
SECTIONS = ("selection", "window", "limits", "steps")
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


class CampaignSpecError(ValueError):
    """A campaign key is missing or has a wrong value."""

    def __init__(self, key: str, reason: str) -> None:
        self.key = key
        self.reason = reason
        super().__init__(f"{key}: {reason}")


@dataclass(frozen=True)
class CampaignSpec:
    """The validated top level of a campaign file; sections are kept for the planner."""

    name: str
    product: str
    description: str | None = None
    objective: str = "awareness"
    guidelines: str | None = None
    offer: str = "gifted"
    language: str = "en"
    sender: str | None = None
    require_approval: bool = False
    sections: Mapping[str, Any] = field(default_factory=dict)

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
    known = {f for f in CampaignSpec.__dataclass_fields__ if f != "sections"} | set(SECTIONS)
    for key in table:
        if key not in known:
            raise CampaignSpecError(key, f"unknown key; known keys: {', '.join(sorted(known))}")
    name = _string(table, "name", required=True)
    if not _NAME.match(name):
        raise CampaignSpecError("name", f"{name!r} must be lowercase letters, digits, '-' or '_'")
    return CampaignSpec(
        name=name,
        product=_string(table, "product", required=True),
        description=_string(table, "description") or None,
        objective=_choice(table, "objective", OBJECTIVES, "awareness"),
        guidelines=_string(table, "guidelines") or None,
        offer=_choice(table, "offer", OFFERS, "gifted"),
        language=_language(table),
        sender=_sender(table),
        require_approval=_boolean(table, "require_approval"),
        sections={key: table[key] for key in SECTIONS if key in table},
    )


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


def _boolean(table: Mapping[str, Any], key: str) -> bool:
    value = table.get(key, False)
    if not isinstance(value, bool):
        raise CampaignSpecError(key, "must be true or false")
    return value
