"""The port every way of delivering mail implements: SMTP or the capture folder."""

from __future__ import annotations

from email.message import EmailMessage
from typing import Protocol


class Transport(Protocol):
    """Delivers one message; raises Temporary-, Permanent- or UnknownDeliveryError."""

    description: str

    async def send(self, message: EmailMessage, sender: str, recipients: list[str]) -> str:
        """Hand the message over and return the server's answer (or where it was written)."""
        ...

    async def close(self) -> None:
        """Release any open connection."""
        ...
