"""Every inbox to read: the default mailbox's (OUTREACH_IMAP_*) and each mailboxes.toml one."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from outreach.adapters.inbox_names import mailbox_name
from outreach.adapters.mailbox_files import load_mailboxes
from outreach.services.mailboxes import DEFAULT_MAILBOX, named_mailbox
from outreach.settings import MailServer, Settings

if TYPE_CHECKING:  # IMAPClient is imported when an inbox is opened, not by `status`
    from outreach.adapters.imap_inbox import ImapInbox


@dataclass(frozen=True)
class InboxPlace:
    """One inbox: the mailbox that sends into its threads, and how to reach it."""

    sender: str  # the mailbox name ("default" for the OUTREACH_IMAP_* settings)
    name: str  # how the database knows it (account/INBOX): its checkpoint, lease and health
    server: MailServer
    sent_folder: str | None = None  # None: found by SPECIAL-USE \\Sent

    def open(self) -> ImapInbox:
        """The inbox, ready to read (logging in happens at each read)."""
        from outreach.adapters.imap_inbox import ImapInbox

        return ImapInbox(self.server, sent_folder=self.sent_folder)


def default_inbox(settings: Settings) -> list[InboxPlace]:
    """The OUTREACH_IMAP_* inbox, when one is set (as a list of none or one)."""
    imap = settings.imap
    return [InboxPlace(DEFAULT_MAILBOX, mailbox_name(imap), imap)] if imap.host else []


def configured_inboxes(settings: Settings) -> list[InboxPlace]:
    """The inbox of each mailbox that has one, the default's first."""
    places = default_inbox(settings)
    for spec in load_mailboxes(settings.workspace):
        server = named_mailbox(settings, spec).server("imap")
        places.append(InboxPlace(spec.name, mailbox_name(server), server, spec.sent_folder))
    return places


def each_inbox_once(places: list[InboxPlace]) -> list[InboxPlace]:
    """Two mailboxes on one account share an inbox: it is read once, as the first one's."""
    seen: set[str] = set()
    unique = []
    for place in places:
        if place.name not in seen:
            seen.add(place.name)
            unique.append(place)
    return unique
