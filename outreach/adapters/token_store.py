"""Each OAuth mailbox's sign-in, kept in WORKSPACE/.oauth/NAME.json, readable by its owner only.

Outside the database on purpose: a database copied for a report or a bug must not carry the
keys to a person's mailbox. The folder is 0700 and each file 0600, written whole or not at all.
"""

from __future__ import annotations

import json
import os
import stat
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path

from outreach.errors import OutreachError

TOKENS_DIRNAME = ".oauth"


@dataclass(frozen=True)
class StoredToken:
    """A mailbox's refresh token, and the access token last issued with its expiry."""

    provider: str
    user: str
    refresh_token: str
    access_token: str | None = None
    expires_at: datetime | None = None

    def __repr__(self) -> str:
        # Tokens are keys to a mailbox: never in a traceback or a log line.
        return f"StoredToken(provider={self.provider!r}, user={self.user!r}, tokens=********)"


def token_path(workspace: Path, mailbox: str) -> Path:
    """Where the mailbox's sign-in is kept."""
    return workspace / TOKENS_DIRNAME / f"{mailbox}.json"


def load_token(workspace: Path, mailbox: str) -> StoredToken | None:
    """The stored sign-in, or None when the mailbox has not signed in yet."""
    path = token_path(workspace, mailbox)
    try:
        raw = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise OutreachError(f"{path}: cannot be read: {exc.strerror}") from None
    if stat.S_IMODE(path.stat().st_mode) & 0o077:
        os.chmod(path, 0o600)  # someone widened it: back to the owner only
    try:
        data = json.loads(raw)
        expires = data.get("expires_at")
        return StoredToken(
            provider=str(data["provider"]), user=str(data["user"]),
            refresh_token=str(data["refresh_token"]), access_token=data.get("access_token"),
            expires_at=datetime.fromisoformat(expires) if expires else None,
        )  # fmt: skip
    except (ValueError, KeyError, TypeError):
        raise OutreachError(
            f"{path}: not a sign-in this tool wrote; run `outreach mailbox login {mailbox}` again"
        ) from None


def save_token(workspace: Path, mailbox: str, token: StoredToken) -> None:
    """Write the sign-in atomically, owner-only (the folder too)."""
    path = token_path(workspace, mailbox)
    path.parent.mkdir(mode=0o700, exist_ok=True)
    os.chmod(path.parent, 0o700)
    data = asdict(token)
    data["expires_at"] = token.expires_at.isoformat() if token.expires_at else None
    temporary = path.with_suffix(".tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        json.dump(data, handle)
    os.replace(temporary, path)


def forget_token(workspace: Path, mailbox: str) -> bool:
    """Remove the stored sign-in; False when there was none."""
    try:
        token_path(workspace, mailbox).unlink()
    except FileNotFoundError:
        return False
    return True
