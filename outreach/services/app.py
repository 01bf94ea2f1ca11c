"""The wired parts one workspace's use cases work with (built by bootstrap)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy.engine import Engine
from sqlmodel import Session

from outreach.adapters.database import READ_ONLY
from outreach.adapters.models import utcnow
from outreach.adapters.template_files import TemplateLibrary
from outreach.adapters.transport import Transport
from outreach.constants import SCHEDULES_DIRNAME
from outreach.core.retry import RetryPolicy
from outreach.settings import Settings

if TYPE_CHECKING:
    from outreach.services.sender_pool import SenderPool


@dataclass
class App:
    """Everything a use case needs, wired for one workspace."""

    settings: Settings
    engine: Engine
    templates: TemplateLibrary
    transport: Transport
    retry: RetryPolicy
    senders: SenderPool  # the default transport and each mailboxes.toml mailbox's
    clock: Callable[[], datetime] = utcnow

    @property
    def workspace(self) -> Path:
        """The workspace folder."""
        return self.settings.workspace

    @property
    def schedules(self) -> Path:
        """The folder of campaign files."""
        return self.workspace / SCHEDULES_DIRNAME

    def transport_for(self, mailbox: str | None) -> Transport:
        """The transport a message from this mailbox goes by (None: the default)."""
        return self.senders.transport(mailbox)

    async def close_transports(self) -> None:
        """Close every open connection, the default's and each mailbox's."""
        await self.senders.close()

    def session(self) -> Session:
        """A new database session (expire_on_commit off: objects stay readable)."""
        return Session(self.engine, expire_on_commit=False)

    def reading(self) -> Session:
        """A session that only reads: on SQLite it holds no lock writers wait for."""
        return Session(self._read_only_engine, expire_on_commit=False)

    @cached_property
    def _read_only_engine(self) -> Engine:
        # The same engine and pool; only its transactions begin as READ_ONLY says.
        return self.engine.execution_options(**{READ_ONLY: True})
