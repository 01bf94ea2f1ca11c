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
    """The campaign whose name key is NAME (schedules/NAME.toml is read first)."""
    direct = folder / f"{name}.toml"
    if "/" not in name and direct.is_file():
        spec = load_campaign_file(direct)  # a broken NAME.toml is the error the person needs
        if spec.name == name:
            return spec
    misnamed = []
    for path in sorted(folder.glob("*.toml")):
        try:
            spec = load_campaign_file(path)
        except CampaignError:
            continue  # another campaign's mistake must not block this one
        if spec.name == name:
            return spec
        if path.stem == name:
            misnamed.append(f"{path} is named {spec.name!r}")
    detail = f" ({'; '.join(misnamed)})" if misnamed else ""
    raise NotFoundError(f"no campaign named {name!r} in {folder}{detail}")


def load_all_campaigns(folder: Path) -> dict[str, CampaignSpec]:
    """Every campaign file, by name; any broken file or repeated name is an error."""
    specs: dict[str, CampaignSpec] = {}
    places: dict[str, Path] = {}
    for path in sorted(folder.glob("*.toml")):
        spec = load_campaign_file(path)
        if spec.name in specs:
            raise CampaignError(
                f"{path}: name {spec.name!r} is already used by {places[spec.name]}"
            )
        specs[spec.name], places[spec.name] = spec, path
    return specs
