"""The campaign file's error and the checks shared by its sections."""

from __future__ import annotations

from typing import Any


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
