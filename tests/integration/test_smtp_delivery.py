"""Sending one message to a real SMTP server on loopback, with faults injected."""

from __future__ import annotations

import email.policy
from email import message_from_bytes
from pathlib import Path

import pytest
from sqlmodel import select

from outreach.adapters.models import Creator, Event, Message, Suppression
from outreach.errors import (
    PermanentDeliveryError,
    SuppressedError,
    TemporaryDeliveryError,
    UnknownDeliveryError,
)
from outreach.services.app import App
from outreach.services.importing import import_creators
from outreach.services.sending import send_now
from outreach.services.suppressions import add_suppression
from tests.conftest import SMTP_PASSWORD, SMTP_USER, smtp_app
from tests.smtp_server import Fault, SmtpTestServer

pytestmark = pytest.mark.usefixtures("trust_test_ca")


def ready_app(workspace: Path, server: SmtpTestServer, **overrides: str) -> App:
    app = smtp_app(workspace, server, **overrides)
    with app.session() as session:
        import_creators(session, workspace / "contacts/creators.csv", app.clock())
    return app


def outbox(app: App) -> list[Message]:
    with app.session() as session:
        return list(session.exec(select(Message).order_by(Message.id)))  # type: ignore[arg-type]


def events(app: App, kind: str) -> list[Event]:
    with app.session() as session:
        return list(session.exec(select(Event).where(Event.kind == kind)))


def test_japanese_proposal_arrives_over_starttls_with_login(
    workspace: Path, smtp_server: SmtpTestServer
) -> None:
    app = ready_app(workspace, smtp_server)
    result = send_now(app, "misaki.hada", "proposal", "spring-serum")

    [received] = smtp_server.messages
    assert received.tls is True
    assert received.auth_login == SMTP_USER
    assert received.mail_from == "luna@glowlab.example"
    assert received.rcpt_tos == ["misaki@mail.example"]
    parsed = message_from_bytes(received.data, policy=email.policy.default)
    assert str(parsed["To"]) == "佐藤美咲 <misaki@mail.example>"
    assert str(parsed["Subject"]) == "Rice Bran Serumのご紹介とコラボレーションのご相談"
    assert parsed["Message-ID"] == result.message.message_id
    assert parsed["Message-ID"].endswith("@glowlab.example>")
    text = parsed.get_body(preferencelist=("plain",)).get_content()
    assert text.startswith("佐藤美咲様\n")
    assert "敏感肌さん向けの朝のスキンケアルーティン" in text
    assert "「配信停止」とご返信ください" in text

    [row] = outbox(app)
    assert (row.state, row.attempts, row.language) == ("sent", 1, "ja")
    assert row.smtp_response == "250 2.0.0 Message accepted for delivery"
    assert row.body_text in text
    [sent] = events(app, "sent")
    assert sent.message_id == row.id
    assert sent.detail["text"] == row.body_text


def test_a_421_greeting_is_retried_and_the_message_sent_once(
    workspace: Path, smtp_server: SmtpTestServer
) -> None:
    app = ready_app(workspace, smtp_server)
    smtp_server.fail_next(Fault(phase="connect", reply="421 4.3.2 Service not available"))

    send_now(app, "minji.glow", "proposal", "spring-serum")

    assert len(smtp_server.messages) == 1
    [row] = outbox(app)
    assert (row.state, row.attempts) == ("sent", 2)


def test_a_451_at_recipient_is_retried_until_the_attempts_run_out(
    workspace: Path, smtp_server: SmtpTestServer
) -> None:
    app = ready_app(workspace, smtp_server)
    smtp_server.fail_next(*[Fault(phase="rcpt", reply="451 4.3.0 Try again later")] * 3)

    with pytest.raises(TemporaryDeliveryError, match="451 4.3.0 Try again later"):
        send_now(app, "minji.glow", "proposal", "spring-serum")

    assert smtp_server.messages == []
    [row] = outbox(app)
    assert (row.state, row.attempts) == ("failed", 3)
    assert "451 4.3.0 Try again later" in (row.last_error or "")
    assert len(events(app, "send_failed")) == 1


def test_a_550_unknown_user_is_not_retried_and_suppresses_the_address(
    workspace: Path, smtp_server: SmtpTestServer
) -> None:
    app = ready_app(workspace, smtp_server)
    smtp_server.fail_next(Fault(phase="rcpt", reply="550 5.1.1 User unknown"))

    with pytest.raises(PermanentDeliveryError, match="550 5.1.1 User unknown"):
        send_now(app, "hannahbrooks.skin", "proposal", "spring-serum")

    [row] = outbox(app)
    assert (row.state, row.attempts) == ("failed", 1)
    assert "550 5.1.1 User unknown" in (row.smtp_response or "")
    with app.session() as session:
        [entry] = session.exec(select(Suppression))
    assert entry.address == "hannah@inbox.example"
    assert entry.source == "bounce"
    with pytest.raises(SuppressedError, match="is suppressed"):
        send_now(app, "hannahbrooks.skin", "proposal", "spring-serum", again=True)
    assert len(outbox(app)) == 1


def test_a_550_policy_rejection_fails_without_suppressing(
    workspace: Path, smtp_server: SmtpTestServer
) -> None:
    app = ready_app(workspace, smtp_server)
    smtp_server.fail_next(Fault(phase="data", reply="550 5.7.1 Message rejected as spam"))

    with pytest.raises(PermanentDeliveryError):
        send_now(app, "hannahbrooks.skin", "proposal", "spring-serum")

    with app.session() as session:
        assert list(session.exec(select(Suppression))) == []


def test_a_connection_dropped_before_the_data_is_retried_and_delivered_once(
    workspace: Path, smtp_server: SmtpTestServer
) -> None:
    app = ready_app(workspace, smtp_server)
    smtp_server.fail_next(Fault(phase="mail", drop=True))

    send_now(app, "priya.makes.up", "proposal", "spring-serum")

    assert len(smtp_server.messages) == 1
    [row] = outbox(app)
    assert (row.state, row.attempts) == ("sent", 2)


def test_a_connection_dropped_during_the_data_is_unknown_and_never_resent(
    workspace: Path, smtp_server: SmtpTestServer
) -> None:
    app = ready_app(workspace, smtp_server)
    smtp_server.fail_next(Fault(phase="data", drop=True))

    with pytest.raises(UnknownDeliveryError, match="connection lost after the message was sent"):
        send_now(app, "priya.makes.up", "proposal", "spring-serum")

    [row] = outbox(app)
    assert (row.state, row.attempts) == ("unknown", 1)
    assert smtp_server.connection_count == 1
    assert len(events(app, "delivery_unknown")) == 1


def test_silence_after_the_data_marks_the_message_unknown_and_never_resends(
    workspace: Path, smtp_server: SmtpTestServer
) -> None:
    app = ready_app(workspace, smtp_server, OUTREACH_SMTP_TIMEOUT_SECONDS="0.5")
    smtp_server.fail_next(Fault(phase="data", delay_seconds=2))

    with pytest.raises(UnknownDeliveryError, match="no answer after the message was sent"):
        send_now(app, "priya.makes.up", "proposal", "spring-serum")

    [row] = outbox(app)
    assert (row.state, row.attempts) == ("unknown", 1)
    with pytest.raises(Exception, match="already has 'proposal'"):
        send_now(app, "priya.makes.up", "proposal", "spring-serum")
    assert len(outbox(app)) == 1


def test_a_wrong_password_fails_permanently_without_showing_the_password(
    workspace: Path, smtp_server: SmtpTestServer
) -> None:
    wrong = "wrong-" + SMTP_PASSWORD
    app = ready_app(workspace, smtp_server, OUTREACH_SMTP_PASSWORD=wrong)

    with pytest.raises(PermanentDeliveryError) as failure:
        send_now(app, "misaki.hada", "proposal", "spring-serum")

    assert "login refused (535" in str(failure.value)
    assert "OUTREACH_SMTP_PASSWORD" in str(failure.value)
    assert wrong not in str(failure.value)
    [row] = outbox(app)
    assert row.attempts == 1
    assert wrong.encode() not in (workspace / "outreach.db").read_bytes()
    assert smtp_server.messages == []


def test_implicit_tls_and_plain_servers_both_deliver(
    workspace: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for security in ("tls", "none"):
        with SmtpTestServer(security=security, auth=(SMTP_USER, SMTP_PASSWORD)) as server:
            monkeypatch.setenv("SSL_CERT_FILE", str(server.ca_cert_path))
            app = ready_app(workspace, server)
            send_now(app, "kenta.skincare", "proposal", "spring-serum", again=True)
            [received] = server.messages
            assert received.tls is (security == "tls")
            assert received.auth_login == SMTP_USER


def test_a_suppressed_domain_is_refused_before_connecting(
    workspace: Path, smtp_server: SmtpTestServer
) -> None:
    app = ready_app(workspace, smtp_server)
    with app.session() as session:
        add_suppression(session, "@mail.example", "agency asked us to stop", app.clock())
        session.commit()
        creator = session.exec(select(Creator).where(Creator.handle == "misaki.hada")).one()
    with pytest.raises(SuppressedError, match="@mail.example: agency asked us to stop"):
        send_now(app, creator.handle, "proposal", "spring-serum")

    assert smtp_server.connection_count == 0
    assert outbox(app) == []
