"""Hostile mail among real replies in a real IMAP inbox: each is kept, none stops the sync."""

from __future__ import annotations

import asyncio
import base64
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import select

from outreach.adapters.imap_inbox import MAX_MESSAGE_BYTES, ImapInbox
from outreach.adapters.models import Inbound, Message
from outreach.core.inbound_reading import MAX_HEADER_CHARS
from outreach.daemon import Daemon
from outreach.services import inbox_sync
from outreach.services.app import App
from outreach.services.inbox_sync import MAX_STORED_RAW_CHARACTERS, SyncReport, sync_inbox
from outreach.services.workspace import init_workspace
from tests.conftest import run_outreach
from tests.imap_server import DovecotTestServer
from tests.inbox_helpers import inbox_environment, reply
from tests.integration.test_inbox_sync import START, inbox_app, sent_to, state_of
from tests.smtp_server import SmtpTestServer

QUOTE = "\r\n\r\nOn Tue, Dec 1, 2026 at 10:30 AM Luna <luna@glowlab.example> wrote:\r\n> hi\r\n"
JA_QUOTE = "\r\n\r\n2026年12月1日(火) 10:30 Luna <luna@glowlab.example>:\r\n> ご提案です\r\n"
KO_QUOTE = (
    "\r\n\r\n2026년 12월 1일 (화) 오전 10:30, Luna <luna@glowlab.example>님이 작성:\r\n> 제안\r\n"
)
BIG_MESSAGE_BYTES = 20 * 1024 * 1024
OVER_LIMIT_BYTES = MAX_MESSAGE_BYTES + 1024 * 1024


def head(to: Message, name: str, subject: str = "Re: hello", extra: str = "") -> bytes:
    """Headers of a reply to one of our messages, its Message-ID made from `name`."""
    return (
        f"From: creator@mail.example\r\nTo: {to.from_address}\r\nSubject: {subject}\r\n"
        f"Message-ID: <{name}@mail.example>\r\nIn-Reply-To: {to.message_id}\r\n"
        f"Date: Tue, 01 Dec 2026 12:00:00 +0900\r\nMIME-Version: 1.0\r\n{extra}"
    ).encode()


def text_reply(to: Message, name: str, body: bytes, charset: str, encoding: str = "8bit") -> bytes:
    """A one-part text/plain reply whose body bytes are given as they are."""
    content = (
        f"Content-Type: text/plain; charset={charset}\r\n"
        f"Content-Transfer-Encoding: {encoding}\r\n\r\n"
    ).encode()
    return head(to, name) + content + body


def with_attachment(to: Message, name: str, text: str, total_bytes: int) -> bytes:
    """A reply with a base64 attachment that makes the whole message about total_bytes long."""
    line = base64.b64encode(bytes(range(256)) * 3)[:76] + b"\r\n"  # one 78-byte base64 line
    attachment = line * (total_bytes // len(line))
    first = (
        f"--part\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{text}{QUOTE}"
        "--part\r\nContent-Type: image/jpeg\r\nContent-Transfer-Encoding: base64\r\n"
        'Content-Disposition: attachment; filename="swatches.jpg"\r\n\r\n'
    )
    mixed = 'Content-Type: multipart/mixed; boundary="part"\r\n\r\n'
    return head(to, name, extra=mixed) + first.encode() + attachment + b"--part--\r\n"


def received_bomb(to: Message, name: str) -> bytes:
    """5,000 Received headers above an ordinary reply."""
    received = "".join(
        f"Received: from relay{hop}.mail.example by mx.mail.example; "
        "Tue, 01 Dec 2026 12:00:00 +0900\r\n"
        for hop in range(5000)
    )
    return text_reply(to, name, "네, 참여하고 싶어요.".encode(), "utf-8").replace(
        b"MIME-Version", received.encode() + b"MIME-Version"
    )


def subject_bomb(to: Message, name: str, word: str) -> bytes:
    """A reply whose Subject is about 1 MB of one word repeated."""
    subject = " ".join([word] * (1_000_000 // (len(word) + 1)))
    return head(to, name, subject) + b"Content-Type: text/plain\r\n\r\nHappy to try it!\r\n"


def nested(to: Message, name: str, depth: int) -> bytes:
    """A reply whose text sits at the bottom of `depth` nested multipart containers."""
    opening = "".join(
        f'Content-Type: multipart/mixed; boundary="n{level}"\r\n\r\n--n{level}\r\n'
        for level in range(depth)
    )
    closing = "".join(f"\r\n--n{level}--\r\n" for level in reversed(range(depth)))
    inner = "Content-Type: text/plain\r\n\r\nSounds great, send it!\r\n"
    return head(to, name) + (opening + inner + closing).encode()


def html_only(to: Message, name: str) -> bytes:
    """An HTML-only reply that carries a script and an image with an onerror handler."""
    html = (
        "<html><head><script>alert(1)</script></head><body>"
        '<p>Count me in!</p><img src="x" onerror="alert(2)"><script>alert(3)</script>'
        "</body></html>\r\n"
    )
    content = "Content-Type: text/html; charset=utf-8\r\n\r\n"
    return head(to, name) + (content + html).encode()


@dataclass(frozen=True)
class Synced:
    """One sync over every message below: what it reported and the rows it stored."""

    app: App
    report: SyncReport
    rows: dict[str, Inbound]  # by the name in the Message-ID
    appended: int


def hostile_mail(ours: dict[str, Message]) -> list[tuple[str, bytes]]:
    """Hostile messages (named) among ordinary replies, in the order they arrive."""
    misaki, haruka, kenta = ours["misaki.hada"], ours["haruka_vegancos"], ours["kenta.skincare"]
    minji, seoyeon = ours["minji.glow"], ours["seoyeon.vegan"]
    hannah, priya = ours["hannahbrooks.skin"], ours["priya.makes.up"]
    build: list[tuple[str, Callable[[], bytes]]] = [
        ("plain-first", lambda: text_reply(misaki, "plain-first",
                                           ("ぜひ試してみたいです！" + JA_QUOTE).encode(),
                                           "utf-8")),
        ("big-attachment", lambda: with_attachment(kenta, "big-attachment",
                                                   "Yes, count me in!", BIG_MESSAGE_BYTES)),
        ("over-limit", lambda: with_attachment(haruka, "over-limit", "ぜひお願いします",
                                               OVER_LIMIT_BYTES)),
        ("received-bomb", lambda: received_bomb(seoyeon, "received-bomb")),
        ("subject-bomb", lambda: subject_bomb(hannah, "subject-bomb", "Re: hello")),
        ("encoded-subject-bomb", lambda: subject_bomb(priya, "encoded-subject-bomb",
                                                      "=?utf-8?b?44GC?=")),
        ("nested-200", lambda: nested(misaki, "nested-200", 200)),
        ("plain-middle", lambda: text_reply(minji, "plain-middle",
                                            ("좋아요! 보내주세요" + KO_QUOTE).encode(), "utf-8")),
        ("no-such-charset", lambda: text_reply(kenta, "no-such-charset",
                                               b"Yes, I would love to!", '"x-no-such-charset"')),
        ("utf-7", lambda: text_reply(minji, "utf-7", "좋아요! 보내주세요".encode("utf-7"),
                                     "utf-7", "7bit")),
        ("invalid-utf-8", lambda: text_reply(seoyeon, "invalid-utf-8",
                                             b"Yes \xff\xfe please", "utf-8")),
        ("shift-jis", lambda: text_reply(misaki, "shift-jis",
                                         ("サンプルをぜひ送ってください。" + JA_QUOTE)
                                         .encode("shift_jis"), "Shift_JIS")),
        ("euc-kr", lambda: text_reply(minji, "euc-kr",
                                      ("샘플 꼭 보내주세요." + KO_QUOTE).encode("euc-kr"),
                                      "EUC-KR")),
        ("iso-2022-jp", lambda: text_reply(kenta, "iso-2022-jp",
                                           ("喜んで参加します。" + JA_QUOTE).encode("iso-2022-jp"),
                                           "ISO-2022-JP", "7bit")),
        ("missing-boundary", lambda: head(haruka, "missing-boundary")
         + b"Content-Type: multipart/mixed\r\n\r\n--lost\r\nContent-Type: text/plain\r\n\r\n"
           b"Yes please!\r\n--lost--\r\n"),
        ("truncated-base64", lambda: text_reply(seoyeon, "truncated-base64",
                                                base64.b64encode(b"Yes please, send it!")[:-5],
                                                "utf-8", "base64")),
        ("html-script", lambda: html_only(priya, "html-script")),
        ("plain-last", lambda: text_reply(priya, "plain-last",
                                          ("Sounds great, send it!" + QUOTE).encode(), "utf-8")),
    ]  # fmt: skip
    return [(name, make()) for name, make in build]


@pytest.fixture(scope="module")
def synced(
    tmp_path_factory: pytest.TempPathFactory, imap_session_server: DovecotTestServer
) -> Iterator[Synced]:
    """Send the proposals, append the hostile mail once, sync once (the big ones are slow)."""
    imap_session_server.reset()
    workspace = tmp_path_factory.mktemp("safety") / "ws"
    init_workspace(workspace)
    with SmtpTestServer(security="none") as smtp:
        app = inbox_app(workspace, smtp, imap_session_server)
        asyncio.run(Daemon(app=app, clock=lambda: START).run_once())
    handles = ("misaki.hada", "haruka_vegancos", "kenta.skincare", "minji.glow",
               "seoyeon.vegan", "hannahbrooks.skin", "priya.makes.up")  # fmt: skip
    ours = {handle: sent_to(app, handle) for handle in handles}
    mail = hostile_mail(ours)
    for _, raw in mail:
        imap_session_server.append(raw)

    report = sync_inbox(app, ImapInbox(app.settings.imap), START + timedelta(hours=1))

    with app.session() as session:
        stored = list(session.exec(select(Inbound)))
    rows = {row.header_message_id.split("@")[0][1:]: row for row in stored
            if row.header_message_id}  # fmt: skip
    yield Synced(app, report, rows, len(mail))
    imap_session_server.reset()


def test_every_hostile_message_is_kept_as_a_row_and_the_sync_goes_on(synced: Synced) -> None:
    assert sum(synced.report.counts.values()) == synced.appended
    assert len(synced.rows) == synced.appended


def test_ordinary_replies_around_hostile_mail_are_read_and_acted_on(synced: Synced) -> None:
    first, middle, last = (synced.rows[n] for n in ("plain-first", "plain-middle", "plain-last"))

    assert (first.kind, first.text) == ("reply", "ぜひ試してみたいです！")
    assert first.label == "interested"
    assert (middle.kind, middle.text, middle.label) == ("reply", "좋아요! 보내주세요", "interested")
    assert (last.kind, last.text, last.label) == ("reply", "Sounds great, send it!", "interested")
    assert state_of(synced.app, "misaki.hada") == "replied"
    assert state_of(synced.app, "minji.glow") == "replied"
    assert state_of(synced.app, "priya.makes.up") == "replied"


def test_a_20_mb_reply_is_read_whole_and_its_stored_raw_is_capped(synced: Synced) -> None:
    row = synced.rows["big-attachment"]

    assert (row.kind, row.text, row.label) == ("reply", "Yes, count me in!", "interested")
    assert row.creator_id is not None and row.in_reply_to is not None
    assert len(row.raw) == MAX_STORED_RAW_CHARACTERS
    assert (row.note or "").endswith("raw message cut at 1,000,000 characters")


def test_a_reply_over_the_size_limit_is_matched_from_its_headers_alone(synced: Synced) -> None:
    row = synced.rows["over-limit"]

    assert (row.kind, row.text, row.label) == ("reply", "", "unclear")
    assert row.in_reply_to == sent_to(synced.app, "haruka_vegancos").message_id
    assert state_of(synced.app, "haruka_vegancos") == "replied"
    assert row.raw.startswith("From: creator@mail.example") and row.raw.endswith("\r\n\r\n")
    assert "--part" not in row.raw and len(row.raw) < 1000
    assert (row.note or "").startswith("over 25 MB: only its headers were read")


def test_5000_received_headers_do_not_hide_the_reply(synced: Synced) -> None:
    row = synced.rows["received-bomb"]

    assert (row.kind, row.text) == ("reply", "네, 참여하고 싶어요.")
    assert row.in_reply_to == sent_to(synced.app, "seoyeon.vegan").message_id


@pytest.mark.parametrize("name", ["subject-bomb", "encoded-subject-bomb"])
def test_a_1_mb_subject_is_cut_and_the_reply_still_read(synced: Synced, name: str) -> None:
    row = synced.rows[name]

    assert (row.kind, row.text) == ("reply", "Happy to try it!")
    assert row.in_reply_to is not None
    assert 0 < len(row.subject) <= MAX_HEADER_CHARS


def test_text_200_multiparts_deep_is_found(synced: Synced) -> None:
    row = synced.rows["nested-200"]

    assert (row.kind, row.text, row.label) == ("reply", "Sounds great, send it!", "interested")


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("no-such-charset", "Yes, I would love to!"),
        ("utf-7", "좋아요! 보내주세요"),
        ("invalid-utf-8", "Yes \ufffd\ufffd please"),
        ("shift-jis", "サンプルをぜひ送ってください。"),
        ("euc-kr", "샘플 꼭 보내주세요."),
        ("iso-2022-jp", "喜んで参加します。"),
    ],
)
def test_bodies_in_any_declared_charset_give_their_text(
    synced: Synced, name: str, text: str
) -> None:
    row = synced.rows[name]

    assert (row.kind, row.text) == ("reply", text)
    assert row.in_reply_to is not None


def test_broken_mime_is_kept_as_a_matched_reply(synced: Synced) -> None:
    lost, truncated = synced.rows["missing-boundary"], synced.rows["truncated-base64"]

    assert (lost.kind, lost.in_reply_to) == (
        "reply", sent_to(synced.app, "haruka_vegancos").message_id
    )  # fmt: skip
    assert "Yes please!" in lost.raw
    assert truncated.kind == "reply" and truncated.text.startswith("Yes please")


def test_html_reply_is_stored_as_text_without_live_tags(synced: Synced) -> None:
    row = synced.rows["html-script"]

    assert (row.kind, row.text, row.label) == ("reply", "Count me in!", "interested")
    assert "<" not in row.text and "alert" not in row.text and "onerror" not in row.text


def test_a_message_that_fails_unexpectedly_is_set_aside_and_the_rest_is_read(
    workspace: Path, imap_server: DovecotTestServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    with SmtpTestServer(security="none") as smtp:
        app = inbox_app(workspace, smtp, imap_server)
        asyncio.run(Daemon(app=app, clock=lambda: START).run_once())
        misaki, kenta = sent_to(app, "misaki.hada"), sent_to(app, "kenta.skincare")
        imap_server.append(reply(misaki, "misaki@mail.example", "BOOM: a bug we never saw"))
        imap_server.append(reply(kenta, "kenta.tanaka@mail.example", "ぜひお願いします！"))
        real_label = inbox_sync.classify_reply

        def label_or_fail(text: str, *more: Any) -> Any:
            if text.startswith("BOOM"):
                raise RuntimeError("a bug we never saw")  # the fault this test injects
            return real_label(text, *more)

        monkeypatch.setattr(inbox_sync, "classify_reply", label_or_fail)

        first = sync_inbox(app, ImapInbox(app.settings.imap), START + timedelta(hours=1))
        again = sync_inbox(app, ImapInbox(app.settings.imap), START + timedelta(hours=2))

        assert first.counts == {"quarantined": 1, "reply": 1}
        assert again.counts == {}  # set aside once, not retried every minute
        assert state_of(app, "kenta.skincare") == "replied"  # the later message was read
        with app.session() as session:
            aside = session.exec(select(Inbound).where(Inbound.kind == "quarantined")).one()
        assert "RuntimeError: a bug we never saw" in (aside.note or "")
        assert "BOOM" in aside.raw
        status = run_outreach(workspace, "status", env=inbox_environment(smtp, imap_server))
        assert "set aside after an unexpected error: 1" in status.stdout
