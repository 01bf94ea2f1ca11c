"""A campaign's brief: checked against its objective, written out in the creator's language.

The playbook this follows: a conversion brief (and a high-involvement product) is detailed:
the key ingredient, what the post must mention, a structure such as Before & After. An
awareness brief gives the theme and the core message only and leaves tone and expression to
the creator; more makes the post read like an ad, which is what makes seeding fail.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from outreach.core.spec_errors import CampaignSpecError, reject_unknown_keys

STRUCTURES = ("free", "before_after", "tutorial", "review")
MAX_MUST_MENTION = 8  # a list longer than this is a script, not a brief
MAX_BRIEF_TEXT = 500


# A text of the brief: one for every language ("" key), or one per language code.
Localised = dict[str, str]
_T = TypeVar("_T")
_LANGUAGE_CODE = re.compile(r"^[a-z]{2}$")


@dataclass(frozen=True)
class Brief:
    """The [brief] section of a campaign file; each text may be written per language."""

    core_message: Localised
    theme: Localised = field(default_factory=dict)
    must_mention: dict[str, tuple[str, ...]] = field(default_factory=dict)
    structure: str = "free"
    key_ingredient: Localised = field(default_factory=dict)

    def points(self, language: str, fallback: str) -> tuple[str, ...]:
        """The must_mention points in this language (else the fallback's, else any)."""
        return _pick(self.must_mention, language, fallback) or ()

    def most_points(self) -> int:
        """The longest must_mention list of any language."""
        return max((len(points) for points in self.must_mention.values()), default=0)


def text_in(value: Localised, language: str, fallback: str) -> str | None:
    """A brief text in this language, else the campaign's language, else the one for all."""
    return _pick(value, language, fallback)


def _pick(value: dict[str, _T], language: str, fallback: str) -> _T | None:
    for key in (language, fallback, ""):
        if key in value:
            return value[key]
    return next(iter(value.values()), None)


def parse_brief(table: Any, objective: str) -> Brief:
    """Validate a [brief] table against the campaign's objective; errors name the key."""
    if not isinstance(table, Mapping):
        raise CampaignSpecError("brief", "must be a [brief] table")
    reject_unknown_keys("brief", table, tuple(Brief.__dataclass_fields__))
    core_message = _text(table, "core_message")
    if not core_message or not all(core_message.values()):
        raise CampaignSpecError(
            "brief.core_message", "is required: the one thing the post should leave people with"
        )
    must_mention = _mentions(table)
    structure = table.get("structure", "free")
    if not isinstance(structure, str) or structure not in STRUCTURES:
        raise CampaignSpecError(
            "brief.structure", f"{structure!r} is not one of {', '.join(STRUCTURES)}"
        )
    counts = [len(points) for points in must_mention.values()] or [0]
    if objective == "conversion" and min(counts) == 0:
        raise CampaignSpecError(
            "brief.must_mention",
            'objective = "conversion" needs at least one must_mention: a conversion brief '
            "says what the post must show (the key ingredient, the result, where to buy)",
        )
    if objective == "awareness" and max(counts) > 1:
        raise CampaignSpecError(
            "brief.must_mention",
            f'objective = "awareness" allows at most one must_mention ({max(counts)} '
            "given): awareness leaves tone and expression to the creator; a list of points "
            'makes the post read like an ad (use objective = "conversion" for a detailed brief)',
        )
    if objective == "awareness" and structure != "free":
        raise CampaignSpecError(
            "brief.structure",
            f'objective = "awareness" allows structure = "free" only ({structure!r} given): '
            "awareness leaves tone and expression to the creator",
        )
    return Brief(
        core_message=core_message,
        theme=_text(table, "theme"),
        must_mention=must_mention,
        structure=structure,
        key_ingredient=_text(table, "key_ingredient"),
    )


def _text(table: Mapping[str, Any], key: str) -> Localised:
    value = table.get(key)
    if value is None:
        return {}
    if isinstance(value, str):
        return {"": _checked(key, value)} if value.strip() else {}
    if isinstance(value, Mapping):
        return {
            _language_key(key, language): _checked(f"{key}.{language}", text)
            for language, text in value.items()
        }
    raise CampaignSpecError(
        f"brief.{key}", 'must be text, or text per language like { ja = "...", en = "..." }'
    )


def _checked(key: str, value: Any) -> str:
    if not isinstance(value, str):
        raise CampaignSpecError(f"brief.{key}", f"must be text, not {type(value).__name__}")
    if len(value) > MAX_BRIEF_TEXT:
        raise CampaignSpecError(f"brief.{key}", f"is over {MAX_BRIEF_TEXT} characters")
    return value.strip()


def _language_key(key: str, language: str) -> str:
    if not _LANGUAGE_CODE.match(language):
        raise CampaignSpecError(f"brief.{key}", f"{language!r} is not a language code like 'ja'")
    return language


def _mentions(table: Mapping[str, Any]) -> dict[str, tuple[str, ...]]:
    value = table.get("must_mention", [])
    if isinstance(value, Mapping):
        return {
            _language_key("must_mention", language): _points(f"must_mention.{language}", points)
            for language, points in value.items()
        }
    points = _points("must_mention", value)
    return {"": points} if points else {}


def _points(key: str, value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise CampaignSpecError(f"brief.{key}", 'must be a list of text, e.g. ["..."]')
    if len(value) > MAX_MUST_MENTION:
        raise CampaignSpecError(f"brief.{key}", f"{len(value)} points; at most {MAX_MUST_MENTION}")
    return tuple(_checked(key, v) for v in value)
