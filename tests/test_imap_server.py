"""The throwaway Dovecot IMAP server: start, append, fetch by UID, UIDVALIDITY, reset, stop."""

from __future__ import annotations

import email
import email.policy
import imaplib
import socket
from collections.abc import Iterator
from email.message import EmailMessage

import pytest

from tests.imap_server import TEST_PASSWORD, TEST_USER, DovecotTestServer, find_dovecot

JAPANESE_SUBJECT = "コラボのご提案：夏のグロウラボ企画"


def make_message(subject: str, body: str, message_id: str) -> bytes:
    """A small RFC 5322 message as the bytes an IMAP APPEND sends."""
    message = EmailMessage(policy=email.policy.SMTP)
    message["From"] = "Luna <luna@glowlab.example>"
    message["To"] = "creator@example.com"
    message["Subject"] = subject
    message["Message-ID"] = message_id
    message.set_content(body)
    return message.as_bytes()


def fetch_by_uid(client: imaplib.IMAP4, uid: int) -> tuple[bytes, bytes]:
    """FLAGS and full raw message of one UID in the selected folder."""
    status, data = client.uid("FETCH", str(uid), "(FLAGS BODY.PEEK[])")
    assert status == "OK"
    envelope, raw = data[0]
    return envelope, raw


@pytest.fixture(scope="module")
def server() -> Iterator[DovecotTestServer]:
    """One server for this module."""
    with DovecotTestServer() as imap:
        yield imap


@pytest.fixture
def imap(server: DovecotTestServer) -> DovecotTestServer:
    """The shared server with an empty INBOX and no other folders."""
    server.reset()
    return server


def test_dovecot_is_found() -> None:
    """The dovecot binary is installed (or was installed by the first start)."""
    assert find_dovecot() is not None


def test_server_listens_on_loopback_with_the_test_user(imap: DovecotTestServer) -> None:
    """LOGIN works with the documented credentials, and the files live in the temp dir."""
    assert (imap.host, imap.user, imap.password) == ("127.0.0.1", TEST_USER, TEST_PASSWORD)
    assert imap.running and imap.port > 0
    assert imap.base_dir is not None
    assert imap.config_path.is_relative_to(imap.base_dir)
    assert "listen = 127.0.0.1" in imap.config_path.read_text()
    with imap.session() as client:
        status, _ = client.noop()
        assert status == "OK"
    rejected = imaplib.IMAP4(imap.host, imap.port, timeout=5)
    try:
        with pytest.raises(imaplib.IMAP4.error, match="AUTHENTICATIONFAILED"):
            rejected.login(imap.user, "wrong-password")
    finally:
        rejected.logout()


def test_appended_messages_come_back_by_uid(imap: DovecotTestServer) -> None:
    """Two messages, one with a Japanese subject, are fetched back unchanged by UID."""
    first = make_message("Hello from Glowlab", "Plain ASCII body.\n", "<one@glowlab.example>")
    second = make_message(JAPANESE_SUBJECT, "本文です。\n", "<two@glowlab.example>")
    uid_first = imap.append(first)
    uid_second = imap.append(second, flags=(r"\Seen",))
    assert uid_second > uid_first
    assert imap.uids() == [uid_first, uid_second]

    with imap.session() as client:
        client.select("INBOX", readonly=True)
        flags_first, raw_first = fetch_by_uid(client, uid_first)
        flags_second, raw_second = fetch_by_uid(client, uid_second)
    assert raw_first == first
    assert raw_second == second
    assert b"\\Seen" not in flags_first
    assert b"\\Seen" in flags_second
    parsed = email.message_from_bytes(raw_second, policy=email.policy.default)
    assert parsed["Subject"] == JAPANESE_SUBJECT
    assert parsed.get_content().strip() == "本文です。"


def test_append_to_another_folder_creates_it(imap: DovecotTestServer) -> None:
    """Appending to a missing folder creates it; reset() removes it again."""
    uid = imap.append(make_message("Archived", "x\n", "<a@glowlab.example>"), folder="Archive")
    assert imap.uids("Archive") == [uid]
    assert imap.uids() == []
    imap.reset()
    with imap.session() as client:
        status, _ = client.select("Archive")
    assert status == "NO"


def test_uidvalidity_is_stable_across_reconnects(imap: DovecotTestServer) -> None:
    """Separate connections see the same UIDVALIDITY, also after appends and a reset."""
    before = imap.uidvalidity()
    imap.append(make_message("One", "1\n", "<1@glowlab.example>"))
    with imap.session() as client:
        _, data = client.select("INBOX")
        _, response = client.response("UIDVALIDITY")
    assert int(data[0] or 0) == 1
    assert response == [str(before).encode()]
    imap.reset_mailbox()
    assert imap.uids() == []
    assert imap.uidvalidity() == before


def test_forced_uidvalidity_change(imap: DovecotTestServer) -> None:
    """change_uidvalidity() gives a new value: emptied by default, or with messages kept."""
    old_uid = imap.append(make_message("Old", "old\n", "<old@glowlab.example>"))
    before = imap.uidvalidity()

    after = imap.change_uidvalidity()
    assert after != before
    assert imap.uidvalidity() == after
    assert imap.uids() == []
    new_uid = imap.append(make_message("New", "new\n", "<new@glowlab.example>"))
    assert new_uid >= old_uid

    kept = imap.change_uidvalidity(keep_messages=True)
    assert kept not in (before, after)
    assert imap.uids() == [new_uid]

    imap.append(make_message("Side", "s\n", "<side@glowlab.example>"), folder="Sent")
    sent_before = imap.uidvalidity("Sent")
    assert imap.change_uidvalidity("Sent") != sent_before
    assert imap.uids("Sent") == []


def test_stop_removes_the_dir_and_frees_the_port() -> None:
    """stop() kills dovecot, deletes its files and frees the port; stopping twice is harmless."""
    imap = DovecotTestServer().start()
    base, port = imap.base_dir, imap.port
    assert base is not None
    imap.append(make_message("Bye", "bye\n", "<bye@glowlab.example>"))
    assert [path for sub in ("cur", "new") for path in (imap.mail_dir / sub).iterdir()]
    imap.stop()
    assert not base.exists()
    assert not imap.running
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as a restarted server does
        sock.bind(("127.0.0.1", port))  # fails if anything still listens there
        sock.listen()
    imap.stop()
    assert repr(imap) == "<DovecotTestServer stopped>"


def test_failed_start_reports_the_server_log() -> None:
    """A config dovecot rejects raises with its message and leaves nothing behind."""
    imap = DovecotTestServer(settings={"no_such_setting": "1"})
    with pytest.raises(RuntimeError, match="no_such_setting"):
        imap.start()
    assert imap.base_dir is None
    assert not imap.running
