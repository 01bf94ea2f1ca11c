"""Relationship-timed steps: messages sent a delay after an event or before a date."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from outreach.core.spec_errors import CampaignSpecError, reject_unknown_keys, template_and_delay

AFTER_EVENTS = ("agreed", "shipped", "delivered", "posted")
BEFORE_DATES = ("due", "rights_end")
# A moment missed by more than this (a delivery recorded weeks late) is skipped, not sent late.
STALE_AFTER = timedelta(days=2)
_KEYS = ("template", "after", "before", "delay")
_KEY_PREFIX = "rel"


@dataclass(frozen=True)
class RelationshipStep:
    """One [[relationship_steps]] entry: a template sent a delay after an event or before a date."""

    template: str
    anchor: str  # one of AFTER_EVENTS or BEFORE_DATES
    delay: timedelta

    @property
    def before(self) -> bool:
        """Whether the step goes before a date (due, rights_end) rather than after an event."""
        return self.anchor in BEFORE_DATES

    def moment(self, anchor_at: datetime) -> datetime:
        """When the step should go: the event + delay, or the date - delay."""
        return anchor_at - self.delay if self.before else anchor_at + self.delay


class Timing(StrEnum):
    """What to do with one occasion now."""

    WAIT = "wait"
    SEND = "send"
    STALE = "stale"


def parse_relationship_steps(value: Any) -> tuple[RelationshipStep, ...]:
    """Validate the optional [[relationship_steps]] array."""
    if value is None:
        return ()
    if not isinstance(value, list):
        raise CampaignSpecError("relationship_steps", "must be [[relationship_steps]] tables")
    steps = tuple(_step(number, entry) for number, entry in enumerate(value, start=1))
    seen: set[tuple[str, str]] = set()
    for number, step in enumerate(steps, start=1):
        if (step.template, step.anchor) in seen:
            raise CampaignSpecError(
                f"relationship_steps[{number}].template",
                f"{step.template!r} is already used for {step.anchor!r}",
            )
        seen.add((step.template, step.anchor))
    return steps


def _step(number: int, entry: Any) -> RelationshipStep:
    prefix = f"relationship_steps[{number}]"
    if not isinstance(entry, Mapping):
        raise CampaignSpecError(prefix, "must be a table with template, after or before, delay")
    reject_unknown_keys(prefix, entry, _KEYS)
    template, delay = template_and_delay(prefix, entry)
    return RelationshipStep(template=template, anchor=_anchor(prefix, entry), delay=delay)


def _anchor(prefix: str, entry: Mapping[str, Any]) -> str:
    if ("after" in entry) == ("before" in entry):
        raise CampaignSpecError(
            f"{prefix}.after",
            "give exactly one of after (an event: "
            f"{', '.join(AFTER_EVENTS)}) or before (a date: {', '.join(BEFORE_DATES)})",
        )
    key, choices = ("after", AFTER_EVENTS) if "after" in entry else ("before", BEFORE_DATES)
    value = entry[key]
    if not isinstance(value, str) or value.strip() not in choices:
        raise CampaignSpecError(f"{prefix}.{key}", f"{value!r} is not one of {', '.join(choices)}")
    return value.strip()


def timing(moment: datetime, now: datetime, stale_after: timedelta = STALE_AFTER) -> Timing:
    """Wait until the moment, send within stale_after of it, skip when later than that."""
    if now < moment:
        return Timing.WAIT
    return Timing.STALE if now - moment > stale_after else Timing.SEND


def day_start(day: date, zone: ZoneInfo) -> datetime:
    """The first moment of a calendar day in the recipient's zone, in UTC."""
    return datetime.combine(day, time(0), zone).astimezone(UTC)


def occasion_key(enrollment_id: int, step: RelationshipStep, row_id: int) -> str:
    """The natural key of one relationship message: enrolment, template, anchor, source row."""
    return f"{_KEY_PREFIX}:{enrollment_id}:{step.template}:{step.anchor}:{row_id}"


@dataclass(frozen=True)
class OccasionKey:
    """An occasion key read back: which enrolment, template, anchor and source row."""

    enrollment_id: int
    template: str
    anchor: str
    row_id: int


def read_occasion_key(key: str) -> OccasionKey | None:
    """The parts of an occasion key, or None when the text is not one."""
    parts = key.split(":")
    if len(parts) != 5 or parts[0] != _KEY_PREFIX:
        return None
    try:
        return OccasionKey(int(parts[1]), parts[2], parts[3], int(parts[4]))
    except ValueError:
        return None
