"""Report arithmetic: rates, per-campaign totals and breakdown rows from plain counts."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

POSITIVE = "interested"
SUMMARY_KEYS = (
    "name", "enrolled", "sent", "messages_sent", "replied", "interested", "declined", "not_now",
    "other_replies", "bounced", "opted_out", "auto_replied", "in_sequence", "finished_no_reply",
    "unknown_delivery", "reply_rate", "positive_rate",
)  # fmt: skip
BREAKDOWN_DIMENSIONS = ("step", "template", "tier", "niche", "language", "mailbox")
# What a breakdown row counts: a message belongs to one step, template, language and
# mailbox; a creator to one tier and several niches. Every rate shown says which.
BREAKDOWN_UNITS = {
    "step": "messages", "template": "messages", "language": "messages", "mailbox": "messages",
    "tier": "creators", "niche": "creators",
}  # fmt: skip


def rate(part: int, whole: int) -> float | None:
    """A share rounded to 4 places; None when nothing was sent (no rate, not zero)."""
    return round(part / whole, 4) if whole else None


@dataclass
class Tally:
    """Sent, replied and interested counted for one group."""

    sent: int = 0
    replied: int = 0
    interested: int = 0

    def as_json(self, group: str) -> dict[str, Any]:
        """One breakdown row."""
        return {
            "group": group, "sent": self.sent, "replied": self.replied,
            "interested": self.interested, "reply_rate": rate(self.replied, self.sent),
            "positive_rate": rate(self.interested, self.sent),
        }  # fmt: skip


@dataclass
class CampaignFigures:
    """Everything counted for one campaign, before it becomes JSON."""

    name: str
    enrollment_states: Counter[str] = field(default_factory=Counter)
    creators_reached: int = 0
    messages_sent: int = 0
    reply_labels: Counter[str] = field(default_factory=Counter)  # one per creator: the latest
    bounced_creators: int = 0
    opted_out_creators: int = 0
    auto_replied: int = 0
    unknown_delivery: int = 0
    breakdown: dict[str, dict[str, Tally]] = field(
        default_factory=lambda: {dimension: {} for dimension in BREAKDOWN_DIMENSIONS}
    )

    def tally(self, dimension: str, group: object) -> Tally:
        """The tally of one group ("none" when the value is missing), created on first use."""
        key = "none" if group is None or group == "" else str(group)
        return self.breakdown[dimension].setdefault(key, Tally())

    def as_json(self) -> dict[str, Any]:
        """The documented per-campaign JSON shape of `outreach report`."""
        states = self.enrollment_states
        replied = sum(self.reply_labels.values())
        known = sum(self.reply_labels[label] for label in (POSITIVE, "declined", "not_now"))
        summary: dict[str, Any] = {
            "name": self.name,
            "enrolled": sum(states.values()),
            "sent": self.creators_reached,
            "messages_sent": self.messages_sent,
            "replied": replied,
            "interested": self.reply_labels[POSITIVE],
            "declined": self.reply_labels["declined"],
            "not_now": self.reply_labels["not_now"],
            "other_replies": replied - known,
            "bounced": max(self.bounced_creators, states["bounced"]),
            "opted_out": max(self.opted_out_creators, states["opted_out"]),
            "auto_replied": self.auto_replied,
            "in_sequence": states["active"],
            "finished_no_reply": states["completed"],
            "unknown_delivery": self.unknown_delivery,
            "reply_rate": rate(replied, self.creators_reached),
            "positive_rate": rate(self.reply_labels[POSITIVE], self.creators_reached),
        }
        summary["breakdown"] = {
            dimension: [tally.as_json(group) for group, tally in _ordered(dimension, groups)]
            for dimension, groups in self.breakdown.items()
        }
        return summary


def _ordered(dimension: str, groups: dict[str, Tally]) -> list[tuple[str, Tally]]:
    # Steps in sequence order ("10" after "9"); other groups by most sent first, then by name.
    if dimension == "step":
        return sorted(groups.items(), key=lambda item: _natural(item[0]))
    return sorted(groups.items(), key=lambda item: (-item[1].sent, _natural(item[0])))


def _natural(text: str) -> tuple[int, str]:
    return (int(text), "") if text.isdigit() else (1 << 30, text)


def combined_breakdown(campaigns: Iterable[CampaignFigures]) -> dict[str, list[dict[str, Any]]]:
    """The breakdown over several campaigns: each group's counts summed, rates recomputed."""
    total = CampaignFigures("all")
    for figures in campaigns:
        for dimension, groups in figures.breakdown.items():
            for group, tally in groups.items():
                summed = total.tally(dimension, group)
                summed.sent += tally.sent
                summed.replied += tally.replied
                summed.interested += tally.interested
    return {
        dimension: [tally.as_json(group) for group, tally in _ordered(dimension, groups)]
        for dimension, groups in total.breakdown.items()
    }
