"""Find and list creators."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, col, select

from outreach.adapters.models import Creator
from outreach.core.tiers import tier_for
from outreach.errors import NotFoundError


def find_creator(session: Session, reference: str) -> Creator:
    """The creator by handle ('@misaki', 'misaki') or by 'platform:handle' when ambiguous."""
    platform, _, handle = reference.strip().rpartition(":")
    handle = handle.lstrip("@").lower()
    statement = select(Creator).where(Creator.handle == handle)
    if platform:
        statement = statement.where(Creator.platform == platform.lower())
    matches = list(session.exec(statement))
    if not matches:
        raise NotFoundError(f"no creator @{handle}; see 'outreach contacts list'")
    if len(matches) > 1:
        options = ", ".join(f"{c.platform}:{c.handle}" for c in matches)
        raise NotFoundError(f"@{handle} is on several platforms; name one of: {options}")
    return matches[0]


@dataclass(frozen=True)
class CreatorFilter:
    """Optional filters for listing creators."""

    niche: str | None = None
    tier: str | None = None
    language: str | None = None
    status: str | None = None


def list_creators(session: Session, wanted: CreatorFilter) -> list[Creator]:
    """Creators matching every given filter, by handle."""
    statement = select(Creator).order_by(col(Creator.handle), col(Creator.platform))
    if wanted.language:
        statement = statement.where(Creator.language == wanted.language.lower())
    if wanted.status:
        statement = statement.where(Creator.status == wanted.status.lower())
    creators = list(session.exec(statement))
    if wanted.niche:
        creators = [c for c in creators if wanted.niche.lower() in c.niches]
    if wanted.tier:
        creators = [c for c in creators if tier_for(c.followers) == wanted.tier.lower()]
    return creators


def display_handle(creator: Creator) -> str:
    """'@handle', with the platform when it is known."""
    return f"@{creator.handle}" + (f" ({creator.platform})" if creator.platform else "")
