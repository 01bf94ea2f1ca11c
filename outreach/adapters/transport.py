"""The port every way of delivering mail implements: SMTP or the capture folder."""

from __future__ import annotations

from typing import Protocol


class Transport(Protocol):
    """Delivers one message; raises Temporary-, Permanent- or UnknownDeliveryError."""

    description: str

    async def send(self, data: bytes, sender: str, recipients: list[str]) -> str:
        """Hand the message (wire format, CRLF) over; return the server's answer or its place."""
        ...

    async def close(self) -> None:
        """Release any open connection."""
        ...
