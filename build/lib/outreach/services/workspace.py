"""Create a ready-to-edit workspace from the samples shipped with the package."""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from outreach.errors import WorkspaceError

# Dotfiles do not survive every packaging tool, so the sample .env ships as env.example.
RENAMED = {"env.example": ".env.example"}


@dataclass(frozen=True)
class InitReport:
    """Files written and files left alone because they already existed."""

    created: list[Path]
    kept: list[Path]


def skeleton_root() -> Path:
    """Where the sample workspace files live inside the installed package."""
    return Path(str(resources.files("outreach") / "skeleton"))


def skeleton_files(root: Path) -> list[Path]:
    """Every sample file, relative to the skeleton root, sorted."""
    found = []
    for folder, dirnames, filenames in os.walk(root, followlinks=True):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith(("_", ".")))
        found += [Path(folder, name).relative_to(root) for name in filenames]
    return sorted(p for p in found if not p.name.startswith(("_", ".")) and p.suffix != ".pyc")


def init_workspace(target: Path) -> InitReport:
    """Copy every sample file that is not there yet; never overwrite an existing file."""
    if target.exists() and not target.is_dir():
        raise WorkspaceError(f"{target} exists and is not a folder")
    source_root = skeleton_root()
    created: list[Path] = []
    kept: list[Path] = []
    for relative in skeleton_files(source_root):
        source = source_root / relative
        destination = target / RENAMED.get(str(relative), str(relative))
        if destination.exists():
            kept.append(destination)
            continue
        destination.parent.mkdir(parents=True, exist_ok=True)
        try:
            shutil.copyfile(source, destination)
        except OSError as exc:
            raise WorkspaceError(f"{destination}: cannot write: {exc.strerror}") from None
        created.append(destination)
    return InitReport(created=created, kept=kept)
