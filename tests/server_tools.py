"""What the test servers (PostgreSQL, Dovecot) share: ports, log tails, an unprivileged account."""

from __future__ import annotations

import contextlib
import fcntl
import os
import pwd
import re
import socket
import stat
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypeVar

Found = TypeVar("Found")
POLICY_RC_D = Path("/usr/sbin/policy-rc.d")
# While this file exists, every package install rebuilds the manual-page index (man-db's
# trigger): about half a minute of a fresh machine's test run, for pages no test reads.
MAN_DB_AUTO_UPDATE = Path("/var/lib/man-db/auto-update")
INSTALL_LOCK = Path(tempfile.gettempdir()) / "outreach-tests-apt.lock"


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def tail(text: str, lines: int = 40) -> str:
    """The last lines of a text."""
    return "\n".join(text.strip().splitlines()[-lines:])


def traversable_by_all(path: Path) -> bool:
    """Whether every directory from / down to path can be entered by any user."""
    for directory in [path, *path.parents]:
        try:
            if not os.stat(directory).st_mode & stat.S_IXOTH:
                return False
        except OSError:
            return False
    return True


def memory_folder() -> Path | None:
    """The machine's in-memory folder (/dev/shm) when it has one this process may write to."""
    memory = Path("/dev/shm")
    return memory if memory.is_dir() and os.access(memory, os.W_OK) else None


def server_folder_parent() -> Path:
    """Where a test server keeps its files: in memory (/dev/shm) when the machine has it.

    PostgreSQL copies a database's files at each CREATE DATABASE (one per test) after a
    checkpoint, and Dovecot writes every message: on this machine's disk a database took
    330 ms to create, in memory 19 ms. What a power cut would do to them, no test looks at.
    The servers run as a system account, so every folder above must let it in.
    """
    memory = memory_folder()
    if memory is not None and traversable_by_all(memory):
        return memory
    parent = Path(tempfile.gettempdir())
    if os.geteuid() == 0 and not traversable_by_all(parent):
        return Path("/tmp")
    return parent


def system_account(name: str) -> pwd.struct_passwd:
    """An unprivileged system account (servers refuse to run as root), created if missing."""
    with contextlib.suppress(KeyError):
        return pwd.getpwnam(name)
    done = subprocess.run(
        ["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", name],
        capture_output=True,
        text=True,
    )
    if done.returncode not in (0, 9):  # 9: already exists (created concurrently)
        raise RuntimeError(f"useradd {name} failed: {done.stderr.strip()}")
    return pwd.getpwnam(name)


@contextlib.contextmanager
def install_lock() -> Iterator[None]:
    """Hold the machine-wide lock for package installs: parallel test workers share one apt."""
    with open(INSTALL_LOCK, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def installed_or(find: Callable[[], Found | None], install: Callable[[], Found]) -> Found:
    """What `find` gives, else what `install` gives, installing in one worker at a time."""
    found = find()
    if found:
        return found
    with install_lock():
        return install()


def apt_install(package: str, without_starting: bool = False) -> tuple[int, str]:
    """apt-get install a package (apt-get update first when apt does not know it yet).

    Returns apt-get's exit code and its output. `without_starting`: a policy-rc.d keeps the
    package's service from starting (a system server would hold the ports tests want).
    """
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    created_policy = False
    if without_starting and not POLICY_RC_D.exists():
        POLICY_RC_D.write_text("#!/bin/sh\nexit 101\n")
        POLICY_RC_D.chmod(0o755)
        created_policy = True
    man_db_paused = _pause_man_db()
    try:
        output = ""
        if not _apt_has_candidate(package):
            update = _run_apt(["apt-get", "update", "-qq"], env)
            output += update.stdout + update.stderr
        # Recommended packages are not what the tests use, and some cost dearly on a fresh
        # machine (spamassassin's sa-compile compiles every rule with gcc when installed).
        install = ["apt-get", "install", "-y", "-qq", "--no-install-recommends", package]
        done = _run_apt(install, env)
        return done.returncode, output + done.stdout + done.stderr
    finally:
        if created_policy:
            POLICY_RC_D.unlink(missing_ok=True)
        if man_db_paused:
            MAN_DB_AUTO_UPDATE.touch()


def _pause_man_db() -> bool:
    """Keep man-db's index rebuild out of this install; True when it must be turned on again."""
    try:
        MAN_DB_AUTO_UPDATE.unlink()
    except OSError:  # not there (no man-db, or already off): nothing to restore
        return False
    return True


def _run_apt(argv: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """Run an apt-get command, capturing its output."""
    return subprocess.run(argv, env=env, capture_output=True, text=True, timeout=900)


def _apt_has_candidate(package: str) -> bool:
    """Whether apt already knows an installable version of a package (no update needed)."""
    done = subprocess.run(
        ["apt-cache", "policy", package], capture_output=True, text=True, timeout=60
    )
    match = re.search(r"Candidate:\s*(\S+)", done.stdout)
    return done.returncode == 0 and match is not None and match.group(1) != "(none)"
