"""Headless Chromium for tests that open what we write in a real browser (Playwright drives it)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from tests.server_tools import apt_install, installed_or, tail

CHROMIUM_PACKAGE = "chromium"
# No network, no profile sync, no crash reporter: a page we open may fetch nothing by itself.
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]  # fmt: skip


def find_chromium() -> Path | None:
    """The machine's Chromium binary, if installed."""
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    return Path(found) if found else None


def ensure_chromium_installed() -> Path:
    """Return the Chromium binary, installing it first (one worker at a time) when missing."""
    return installed_or(find_chromium, _install_chromium)


def _install_chromium() -> Path:
    """Return the Chromium binary, installing the Debian package first when root."""
    found = find_chromium()
    if found:
        return found
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        raise RuntimeError(
            "chromium not found on PATH; install it, e.g. `apt-get install chromium`"
        )
    code, output = apt_install(CHROMIUM_PACKAGE)
    found = find_chromium()
    if code != 0 or not found:
        raise RuntimeError(f"installing chromium with apt-get failed:\n{tail(output)}")
    return found
