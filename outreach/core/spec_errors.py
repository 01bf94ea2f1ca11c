"""The campaign file's error and the checks shared by its sections."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from outreach.core.timing import parse_delay


class CampaignSpecError(ValueError):
    """A campaign key is missing or has a wrong value."""

    def __init__(self, key: str, reason: str) -> None:
        self.key = key
        self.reason = reason
        super().__init__(f"{key}: {reason}")


def template_name(key: str, value: Any) -> str:
    """A template name that stays inside the templates folder, or CampaignSpecError."""
    if not isinstance(value, str) or not value.strip():
        raise CampaignSpecError(key, "must be a template name like 'proposal'")
    # A template name becomes part of a file path; it must not leave the templates folder.
    if "/" in value or "\\" in value or ".." in value or value.startswith("."):
        raise CampaignSpecError(key, f"{value!r} must be a plain name, without '/' or '..'")
    return value.strip()


def reject_unknown_keys(prefix: str, table: Mapping[str, Any], known: tuple[str, ...]) -> None:
    """CampaignSpecError naming the first key of the table that is not a known one."""
    for key in table:
        if key not in known:
            dotted = f"{prefix}.{key}" if prefix else key
            raise CampaignSpecError(dotted, f"unknown key; known keys: {', '.join(sorted(known))}")


def template_and_delay(prefix: str, entry: Mapping[str, Any]) -> tuple[str, timedelta]:
    """The required template and delay of a step table, checked."""
    for key in ("template", "delay"):
        if key not in entry:
            raise CampaignSpecError(f"{prefix}.{key}", "is required")
    template = template_name(f"{prefix}.template", entry["template"])
    try:
        delay = parse_delay(entry["delay"])
    except ValueError as exc:
        raise CampaignSpecError(f"{prefix}.delay", str(exc)) from None
    return template, delay
