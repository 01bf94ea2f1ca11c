"""Campaign files on disk: schedules/*.toml."""

from __future__ import annotations

import tomllib
from pathlib import Path

from outreach.core.campaign_spec import CampaignSpec, CampaignSpecError, parse_campaign
from outreach.errors import CampaignError, NotFoundError


def load_campaign_file(path: Path) -> CampaignSpec:
    """Read and validate one campaign file; errors name the file (and line or key)."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise CampaignError(f"{path}: cannot read: {exc}") from None
    try:
        table = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise CampaignError(f"{path}: not valid TOML: {exc}") from None
    try:
        return parse_campaign(table)
    except CampaignSpecError as exc:
        raise CampaignError(f"{path}: {exc.key}: {exc.reason}") from None


def find_campaign(folder: Path, name: str) -> CampaignSpec:
    """The campaign called NAME: schedules/NAME.toml, or any file whose name key is NAME."""
    direct = folder / f"{name}.toml"
    if "/" not in name and direct.is_file():
        return load_campaign_file(direct)
    for path in sorted(folder.glob("*.toml")):
        spec = load_campaign_file(path)
        if spec.name == name:
            return spec
    raise NotFoundError(f"no campaign named {name!r} in {folder}")
