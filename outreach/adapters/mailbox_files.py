"""The workspace's mailboxes.toml: read and checked; errors name the file, line and key."""

from __future__ import annotations

from pathlib import Path

from outreach.adapters.campaign_files import parsed_toml_file
from outreach.core.mailbox_spec import MailboxSpec, parse_mailboxes
from outreach.errors import SettingsError

MAILBOXES_FILENAME = "mailboxes.toml"


def load_mailboxes(workspace: Path) -> list[MailboxSpec]:
    """The mailboxes of the workspace's mailboxes.toml (none when there is no such file)."""
    path = workspace / MAILBOXES_FILENAME
    if not path.is_file():
        return []
    return parsed_toml_file(path, parse_mailboxes, SettingsError)
