"""Which language version of a template a creator receives."""

from collections.abc import Collection

from outreach.constants import DEFAULT_LANGUAGE


def choose_language(
    available: Collection[str], creator_language: str | None, campaign_language: str | None
) -> str | None:
    """The creator's language, then the campaign's default, then English: the first available."""
    for candidate in (creator_language, campaign_language, DEFAULT_LANGUAGE):
        if candidate and candidate in available:
            return candidate
    return None
