"""What the test servers (PostgreSQL, Dovecot) share: ports, log tails, an unprivileged account."""

from __future__ import annotations

import contextlib
import fcntl
import os
import pwd
import socket
import stat
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypeVar

Found = TypeVar("Found")
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
