"""How an inbox is named in the database: its account and folder (no IMAP library needed)."""

from __future__ import annotations

from outreach.settings import MailServer

FOLDER = "INBOX"


def mailbox_name(server: MailServer) -> str:
    """How an inbox is named in the database: its account and folder, e.g. luna@brand/INBOX.

    Not the host or port: the same mailbox reached as localhost or 127.0.0.1, on 143 or 993,
    is one mailbox, and its mail must be read once.
    """
    return f"{server.user}/{FOLDER}"


def legacy_mailbox_prefix(server: MailServer) -> str:
    """Older versions named it user@host:port/INBOX: this user's names start like this."""
    return f"{server.user}@"
