"""Campaign files on disk: schedules/*.toml."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from outreach.core.campaign_spec import CampaignSpec, CampaignSpecError, parse_campaign
from outreach.errors import CampaignError, NotFoundError, OutreachError

if TYPE_CHECKING:  # reading campaign files needs no template engine
    from outreach.adapters.template_files import TemplateLibrary

T = TypeVar("T")


def load_campaign_file(path: Path) -> CampaignSpec:
    """Read and validate one campaign file; errors name the file (and line or key)."""
    return _campaign_in(path, _read_text(path, CampaignError))


# The daemon reads every campaign file at each planning pass, so that an edit counts from the
# next one; the same text gives the same (frozen) campaign, validated once. A broken file
# raises each time: errors are not kept.
@lru_cache(maxsize=256)
def _campaign_in(path: Path, text: str) -> CampaignSpec:
    return _parsed_toml_text(path, text, parse_campaign, CampaignError)


def parsed_toml_file(
    path: Path, parse: Callable[[dict[str, Any]], T], error: type[OutreachError]
) -> T:
    """A TOML file read and parsed; `error` names the file, and the line and key it can."""
    return _parsed_toml_text(path, _read_text(path, error), parse, error)


def _read_text(path: Path, error: type[OutreachError]) -> str:
    try:
        return path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise error(f"{path}: cannot read: {exc}") from None


def _parsed_toml_text(
    path: Path, text: str, parse: Callable[[dict[str, Any]], T], error: type[OutreachError]
) -> T:
    try:
        table = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise error(f"{path}: not valid TOML: {exc}") from None
    try:
        return parse(table)
    except CampaignSpecError as exc:
        line = line_of_key(text, exc.key)
        where = f"{path}:{line}" if line else str(path)
        raise error(f"{where}: {exc.key}: {exc.reason}") from None


_KEY_PART = re.compile(r"^(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?:\[(?P<index>\d+)\])?$")


def line_of_key(text: str, dotted_key: str) -> int | None:
    """The line where a key like 'window.end' or 'steps[2].delay' is written, if it is."""
    lines = text.splitlines()
    start, table = 0, ""
    parts = dotted_key.split(".")
    for depth, part in enumerate(parts):
        match = _KEY_PART.match(part)
        if not match:
            return None
        name, index = match.group("name"), match.group("index")
        if depth < len(parts) - 1 or index is not None:
            header = f"[[{name}]]" if index is not None else f"[{name}]"
            found = [i for i, line in enumerate(lines) if line.strip().startswith(header)]
            position = int(index) - 1 if index is not None else 0
            if position >= len(found):
                return None
            start, table = found[position] + 1, name
            if depth == len(parts) - 1:
                return start
            continue
        for number in range(start, len(lines)):
            stripped = lines[number].strip()
            if table and number > start and stripped.startswith("["):
                break
            if not table and stripped.startswith("["):
                break
            if re.match(rf"{re.escape(name)}\s*=", stripped):
                return number + 1
        return start if table else None
    return None


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


def check_step_templates(spec: CampaignSpec, templates: TemplateLibrary) -> None:
    """Every step's template (relationship steps too) exists in a language, or CampaignError."""
    for number, step in enumerate(spec.steps, start=1):
        if not templates.languages(step.template):
            raise CampaignError(
                f"campaign {spec.name!r}: steps[{number}].template: no template named "
                f"{step.template!r} (expected {templates.root}/LANG/{step.template}.txt)"
            )
    for number, extra in enumerate(spec.relationship_steps, start=1):
        if not templates.languages(extra.template):
            raise CampaignError(
                f"campaign {spec.name!r}: relationship_steps[{number}].template: no template "
                f"named {extra.template!r} (expected {templates.root}/LANG/{extra.template}.txt)"
            )
