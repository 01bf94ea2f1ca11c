"""Headless Chromium for tests that open what we write in a real browser (Playwright drives it)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from tests.imap_server import _apt_has_candidate, _run_apt
from tests.server_tools import installed_or, tail

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
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    output = ""
    if not _apt_has_candidate(CHROMIUM_PACKAGE):
        update = _run_apt(["apt-get", "update", "-qq"], env)
        output += update.stdout + update.stderr
    done = _run_apt(["apt-get", "install", "-y", "-qq", CHROMIUM_PACKAGE], env)
    output += done.stdout + done.stderr
    found = find_chromium()
    if done.returncode != 0 or not found:
        raise RuntimeError(f"installing chromium with apt-get failed:\n{tail(output)}")
    return found
