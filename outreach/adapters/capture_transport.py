"""Writes each outgoing message as an .eml file instead of sending it (no server needed)."""

from __future__ import annotations

import email.policy
import os
import re
import uuid
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path

_UNSAFE = re.compile(r"[^A-Za-z0-9._@-]+")


class CaptureTransport:
    """Like Django's file e-mail backend: one .eml file per message, in one folder."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.description = f"capture folder {folder}"

    async def send(self, data: bytes, sender: str, recipients: list[str]) -> str:
        """Write the message with its envelope in X- headers and return the file's path."""
        self.folder.mkdir(parents=True, exist_ok=True)
        # Microseconds: file names sort in the order the messages were written.
        stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S-%f")
        recipient = _UNSAFE.sub("_", recipients[0] if recipients else "message")
        path = self.folder / f"{stamp}-{recipient[:60]}-{uuid.uuid4().hex[:8]}.eml"
        copy = EmailMessage(policy=email.policy.SMTP)
        copy["X-Envelope-From"] = sender
        copy["X-Envelope-To"] = ", ".join(recipients)
        envelope = copy.as_bytes().rstrip(b"\r\n") + b"\r\n"
        temporary = path.with_suffix(".eml.tmp")
        temporary.write_bytes(envelope + data)
        os.replace(temporary, path)  # readers never see half a message
        return f"captured to {path}"

    async def close(self) -> None:
        """Nothing to release."""
