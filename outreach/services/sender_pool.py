"""One transport per sending mailbox, made when first used and closed together."""

from __future__ import annotations

from collections.abc import Callable

from outreach.adapters.mailbox_files import MAILBOXES_FILENAME
from outreach.adapters.transport import Transport
from outreach.services.mailboxes import DEFAULT_MAILBOX, Mailbox, find_mailbox
from outreach.settings import Settings

# Makes the transport of one named mailbox (None: every mailbox shares the default's, as the
# capture folder does when no mail server is set).
TransportMaker = Callable[[Mailbox], Transport]


class SenderPool:
    """The default transport and those of the mailboxes.toml mailboxes a campaign sends from."""

    def __init__(self, settings: Settings, default: Transport, make: TransportMaker | None) -> None:
        self.settings = settings
        self.default = default
        self._make = make
        self._open: dict[str, Transport] = {}
        self._mailboxes: dict[str, Mailbox] = {}
        self._read_version: tuple[int, int] | None = None

    def mailbox(self, name: str) -> Mailbox:
        """A configured mailbox by name, read again when mailboxes.toml changed; raises
        NotFoundError when it is not there.

        A mailbox added, or a per_day changed, counts without a restart of `run`; an open
        connection keeps the server and login it was made with until the run ends.
        """
        version = self._file_version()
        if version != self._read_version:
            self._mailboxes.clear()
            self._read_version = version
        if name not in self._mailboxes:
            self._mailboxes[name] = find_mailbox(self.settings, name)
        return self._mailboxes[name]

    def _file_version(self) -> tuple[int, int] | None:
        try:
            stat = (self.settings.workspace / MAILBOXES_FILENAME).stat()
        except OSError:
            return None
        return stat.st_mtime_ns, stat.st_size

    def transport(self, mailbox: str | None) -> Transport:
        """The transport for this mailbox; raises NotFoundError when it is not configured."""
        if mailbox is None or mailbox == DEFAULT_MAILBOX or self._make is None:
            return self.default
        if mailbox not in self._open:
            self._open[mailbox] = self._make(self.mailbox(mailbox))
        return self._open[mailbox]

    async def close(self) -> None:
        """Say goodbye on every open connection."""
        for transport in [self.default, *self._open.values()]:
            await transport.close()
        self._open.clear()
