"""Text a person gives: from their editor ($VISUAL, $EDITOR, else vi), or from a file."""

from __future__ import annotations

import os
import shlex
import subprocess
import tempfile
from pathlib import Path

from outreach.errors import OutreachError


def edit_text(text: str, suffix: str = ".txt") -> str:
    """The text after the person edited it; refuses naming the editor when it fails."""
    editor = os.environ.get("VISUAL") or os.environ.get("EDITOR") or "vi"
    with tempfile.TemporaryDirectory(prefix="outreach-") as folder:
        path = Path(folder) / f"draft{suffix}"
        path.write_text(text, encoding="utf-8")
        try:
            # The editor owns the terminal; what it prints is the person's business.
            done = subprocess.run([*shlex.split(editor), str(path)], check=False)
        except (OSError, ValueError) as exc:
            raise OutreachError(f"cannot start the editor {editor!r}: {exc}") from None
        if done.returncode != 0:
            raise OutreachError(
                f"the editor {editor!r} exited with status {done.returncode}; nothing was changed"
            )
        try:
            return path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            raise OutreachError("the edited text is not UTF-8; nothing was changed") from None


def read_text_file(path: Path) -> str:
    """A UTF-8 file's text; refuses naming the file when it cannot be read."""
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise OutreachError(f"{path}: cannot read: {exc}") from None
