"""The values a template sees for one creator, one campaign and one sender."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from outreach.core import addressing
from outreach.core.addresses import split_address
from outreach.core.contact_rows import KNOWN_COLUMNS
from outreach.core.tiers import tier_for

# Every profile column a CSV can set is a template value of the same name.
CREATOR_FIELDS = KNOWN_COLUMNS
CAMPAIGN_FIELDS = (
    "product", "description", "objective", "guidelines", "offer", "brief", "disclosure",
    "theme", "core_message",
)  # fmt: skip


@dataclass(frozen=True)
class Sender:
    """Who a message is from: the From header and the names templates sign with."""

    from_header: str
    name: str | None
    company: str | None

    @property
    def address(self) -> str:
        """The bare sender address."""
        return split_address(self.from_header)[1]


def sender_from(from_header: str, company: str | None) -> Sender:
    """Split 'Luna at Glowlab <luna@...>' into the name (Luna) and company (Glowlab)."""
    display = split_address(from_header)[0].strip()
    name, _, derived_company = display.partition(" at ")
    return Sender(
        from_header=from_header,
        name=name.strip() or None,
        company=company or derived_company.strip() or None,
    )


def _present(value: Any) -> bool:
    if value is None:
        return False
    if isinstance(value, str | list | tuple | dict):
        return bool(value.strip() if isinstance(value, str) else value)
    return True


def template_context(
    creator: Mapping[str, Any],
    language: str,
    campaign: Mapping[str, Any] | None,
    sender: Sender,
) -> dict[str, Any]:
    """Only values that are really there: a missing one stays undefined and is refused."""
    context: dict[str, Any] = {}
    for key, value in (creator.get("custom") or {}).items():
        context[key] = value
    for key in CREATOR_FIELDS:
        context[key] = creator.get(key)
    name = creator.get("name")
    if _present(name):
        context["first_name"] = addressing.first_name(name)
        context["addressee"] = addressing.addressee(name, language)
    context["tier"] = tier_for(creator.get("followers"))
    if campaign:
        context["campaign"] = campaign.get("name")
        for key in CAMPAIGN_FIELDS:
            context[key] = campaign.get(key)
    context["sender_name"] = sender.name
    context["sender_company"] = sender.company
    context["sender_email"] = sender.address
    return {key: value for key, value in context.items() if _present(value)}
