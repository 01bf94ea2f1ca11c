"""The inbox over IMAP with IMAPClient: new messages by UID; handled ones moved only on request."""

from __future__ import annotations

import contextlib
import ssl
from collections.abc import Callable
from dataclasses import dataclass

from imapclient import IMAPClient
from imapclient.exceptions import IMAPClientError, LoginError
from imapclient.imapclient import SENT

from outreach.adapters.inbox_names import FOLDER, mailbox_name
from outreach.adapters.tls import default_tls_context
from outreach.errors import OutreachError
from outreach.settings import MailServer, Security

MAX_MESSAGE_BYTES = 25 * 1024 * 1024  # larger ones are read by their headers only


# Where mail programs keep what was sent, when the server names no \\Sent folder (RFC 6154).
SENT_FOLDER_NAMES = ("Sent", "Sent Items", "Sent Messages", "Sent Mail", "[Gmail]/Sent Mail",
                     "INBOX.Sent", "送信済みメール", "보낸편지함")  # fmt: skip
_SENT_FIELDS = "BODY.PEEK[HEADER.FIELDS (MESSAGE-ID IN-REPLY-TO REFERENCES TO DATE)]"


@dataclass(frozen=True)
class SentBatch:
    """Headers of messages in the Sent folder since a checkpoint."""

    folder: str
    uidvalidity: int
    headers: list[tuple[int, bytes]]


@dataclass(frozen=True)
class FetchedBatch:
    """New messages since a checkpoint, and the folder's UIDVALIDITY they belong to."""

    uidvalidity: int
    messages: list[tuple[int, bytes]]
    headers_only: frozenset[int] = frozenset()  # over MAX_MESSAGE_BYTES: the body was not read


class ImapInbox:
    """One IMAP mailbox, read read-only: mail is left as it is unless a move is asked for."""

    def __init__(self, server: MailServer, sent_folder: str | None = None) -> None:
        if not server.host or not server.user:
            raise OutreachError("OUTREACH_IMAP_HOST and OUTREACH_IMAP_USER must be set to sync")
        self.server = server
        self.mailbox = mailbox_name(server)
        self.sent_folder = sent_folder  # None: the folder marked \\Sent (SPECIAL-USE)

    def fetch_new(self, uidvalidity: int | None, last_uid: int, limit: int) -> FetchedBatch:
        """Messages after last_uid (all of them when UIDVALIDITY changed), oldest first."""
        try:
            return self._fetch(uidvalidity, last_uid, limit)
        except (TimeoutError, IMAPClientError, OSError, ssl.SSLError) as exc:
            where = f"IMAP {self.server.host}:{self.server.port}"
            raise OutreachError(f"{where}: {type(exc).__name__}: {exc}") from None

    def _fetch(self, uidvalidity: int | None, last_uid: int, limit: int) -> FetchedBatch:
        with self._client() as client:
            current, uids = _new_uids(client, FOLDER, uidvalidity, last_uid, limit)
            if not uids:
                return FetchedBatch(current, [])
            sizes = client.fetch(uids, ["RFC822.SIZE"])
            small = [u for u in uids if sizes[u][b"RFC822.SIZE"] <= MAX_MESSAGE_BYTES]
            large = [u for u in uids if u not in small]
            bodies = client.fetch(small, ["BODY.PEEK[]"]) if small else {}
            heads = client.fetch(large, ["BODY.PEEK[HEADER]"]) if large else {}
            messages = [
                (uid, bytes(bodies[uid][b"BODY[]"]) if uid in bodies
                 else bytes(heads[uid][b"BODY[HEADER]"]))
                for uid in uids
                if uid in bodies or uid in heads
            ]  # fmt: skip
            return FetchedBatch(current, messages, frozenset(heads))

    def fetch_sent(
        self, folder: str | None, uidvalidity: int | None, last_uid: int, limit: int
    ) -> SentBatch | None:
        """Headers of what was sent since last_uid; None when there is no Sent folder."""
        try:
            with self._client() as client:
                name = folder or _sent_folder(client)
                if name is None or not client.folder_exists(name):
                    return None
                current, uids = _new_uids(client, name, uidvalidity, last_uid, limit)
                fetched = client.fetch(uids, [_SENT_FIELDS]) if uids else {}
                headers = [(uid, _header(fetched[uid])) for uid in uids if uid in fetched]
                return SentBatch(name, current, headers)
        except (TimeoutError, IMAPClientError, OSError, ssl.SSLError) as exc:
            where = f"IMAP {self.server.host}:{self.server.port}"
            raise OutreachError(f"{where}: Sent folder: {type(exc).__name__}: {exc}") from None

    def move(self, uidvalidity: int, uids: list[int], folder: str) -> list[int] | None:
        """Move these messages to the folder (created if missing); the UIDs moved.

        None when the folder's UIDVALIDITY changed: the UIDs given name other messages now.
        """
        try:
            return self._move(uidvalidity, uids, folder)
        except (TimeoutError, IMAPClientError, OSError, ssl.SSLError) as exc:
            where = f"IMAP {self.server.host}:{self.server.port}"
            raise OutreachError(
                f"{where}: moving to {folder!r}: {type(exc).__name__}: {exc}"
            ) from None

    def _move(self, uidvalidity: int, uids: list[int], folder: str) -> list[int] | None:
        with self._client() as client:
            if not client.folder_exists(folder):
                client.create_folder(folder)
            info = client.select_folder(FOLDER)
            if int(info[b"UIDVALIDITY"]) != uidvalidity:
                return None
            present = client.search(["UID", ",".join(str(uid) for uid in uids)]) if uids else []
            if not present:
                return []
            if client.has_capability("MOVE"):
                client.move(present, folder)
            else:
                # Without MOVE: copy, then flag and expunge only these UIDs (UIDPLUS).
                client.copy(present, folder)
                client.delete_messages(present)
                client.uid_expunge(present)
            return sorted(int(uid) for uid in present)

    def _client(self) -> IMAPClient:
        return imap_client(self.server)


def imap_client(server: MailServer) -> IMAPClient:
    """A connection to the server, secured as set and logged in (closed again if that fails)."""
    context = default_tls_context()
    client = IMAPClient(
        server.host, port=server.port, ssl=server.security is Security.TLS,
        ssl_context=context, timeout=server.timeout_seconds,
    )  # fmt: skip
    try:
        if server.security is Security.STARTTLS:
            client.starttls(context)
        if server.token is not None:
            _oauth2_login(client, server.user or "", server.token)
        else:
            password = server.password.reveal() if server.password else ""
            client.login(server.user or "", password)
    except BaseException:
        with contextlib.suppress(OSError):
            client.shutdown()
        raise
    return client


def _oauth2_login(client: IMAPClient, user: str, token: Callable[[bool], str]) -> None:
    """XOAUTH2; a refused token is refreshed once before the login counts as failed."""
    try:
        client.oauth2_login(user, token(False))
    except LoginError:
        client.oauth2_login(user, token(True))


def _new_uids(
    client: IMAPClient, folder: str, uidvalidity: int | None, last_uid: int, limit: int
) -> tuple[int, list[int]]:
    """The folder's UIDVALIDITY and its UIDs after last_uid (all, when UIDVALIDITY changed)."""
    info = client.select_folder(folder, readonly=True)
    current = int(info[b"UIDVALIDITY"])
    start = last_uid + 1 if current == uidvalidity else 1
    # "start:*" always matches the newest message, even one below start.
    uids = sorted(u for u in client.search(["UID", f"{start}:*"]) if u >= start)[:limit]
    return current, uids


def _sent_folder(client: IMAPClient) -> str | None:
    """The folder the server marks \\Sent, else the first of the usual names that exists."""
    found = client.find_special_folder(SENT)
    if found:
        return str(found)
    return next((name for name in SENT_FOLDER_NAMES if client.folder_exists(name)), None)


def _header(item: dict[bytes, object]) -> bytes:
    # Servers echo the fetched header fields in their own spelling: take the one BODY part.
    for key, value in item.items():
        if key.upper().startswith(b"BODY[HEADER.FIELDS") and isinstance(value, bytes):
            return value
    return b""
