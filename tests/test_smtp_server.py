"""Self-tests for the SmtpTestServer fixture, driven by a real aiosmtplib client."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Coroutine, Iterator
from email.headerregistry import Address
from email.message import EmailMessage
from typing import Any, TypeVar

import aiosmtplib
import pytest

from tests.smtp_server import DEFAULT_ACCEPT_REPLY, Fault, SmtpTestServer

T = TypeVar("T")

USER = "luna@glowlab.example"
PASSWORD = "s3cret-pass"
SENDER = "luna@glowlab.example"
RECIPIENT = "creator@example.jp"

# CRLF line endings and a line starting with "." (dot-stuffed on the wire, unstuffed by
# the server): what the server records must equal these bytes exactly.
RAW_MESSAGE = (
    b"From: Luna <luna@glowlab.example>\r\n"
    b"To: creator@example.jp\r\n"
    b"Subject: Hello\r\n"
    b"Message-ID: <fixture-1@glowlab.example>\r\n"
    b"\r\n"
    b"Hi there,\r\n"
    b".a line starting with a dot\r\n"
    b"Bye\r\n"
)


@pytest.fixture(scope="module")
def plain_server() -> Iterator[SmtpTestServer]:
    """Plain-text server without AUTH."""
    with SmtpTestServer("none") as server:
        yield server


@pytest.fixture(scope="module")
def plain_auth_server() -> Iterator[SmtpTestServer]:
    """Plain-text server that requires AUTH (allowed without TLS)."""
    with SmtpTestServer("none", auth=(USER, PASSWORD)) as server:
        yield server


@pytest.fixture(scope="module")
def starttls_server() -> Iterator[SmtpTestServer]:
    """STARTTLS server that requires AUTH."""
    with SmtpTestServer("starttls", auth=(USER, PASSWORD)) as server:
        yield server


@pytest.fixture(scope="module")
def tls_server() -> Iterator[SmtpTestServer]:
    """Implicit-TLS server that requires AUTH."""
    with SmtpTestServer("tls", auth=(USER, PASSWORD)) as server:
        yield server


@pytest.fixture(autouse=True)
def _reset_servers(request: pytest.FixtureRequest) -> Iterator[None]:
    """Give every test clean messages and an empty fault queue on the servers it uses."""
    names = ("plain_server", "plain_auth_server", "starttls_server", "tls_server")
    servers = [request.getfixturevalue(n) for n in names if n in request.fixturenames]
    for server in servers:
        server.reset()
    yield
    for server in servers:
        server.reset()


def run(coro: Coroutine[Any, Any, T]) -> T:
    """asyncio.run() that lets a closing TLS transport finish before the loop is closed.

    aiosmtplib closes TLS connections asynchronously (close_notify round trip); closing
    the loop right away occasionally leaks the socket and emits a ResourceWarning.
    """

    async def settled() -> T:
        try:
            return await coro
        finally:
            await asyncio.sleep(0.02)

    return asyncio.run(settled())


def send(
    server: SmtpTestServer, message: bytes | EmailMessage = RAW_MESSAGE, **overrides: Any
) -> tuple[dict[str, Any], str]:
    """Send one message to ``server`` with settings matching its security and auth."""
    options: dict[str, Any] = {
        "hostname": server.host,
        "port": server.port,
        "timeout": 5,
    }
    if not isinstance(message, EmailMessage):
        options.update(sender=SENDER, recipients=[RECIPIENT])
    if server.security != "none":
        options["tls_context"] = server.client_ssl_context()
    if server.security == "tls":
        options["use_tls"] = True
    if server.auth is not None:
        options["username"], options["password"] = server.auth
    options.update(overrides)
    return run(aiosmtplib.send(message, **options))


def test_plain_send_is_accepted_and_recorded_byte_exact(plain_server: SmtpTestServer) -> None:
    """A plain send is accepted and stored with the exact bytes the client sent."""
    errors, reply = send(plain_server)

    assert errors == {}
    assert reply == DEFAULT_ACCEPT_REPLY.removeprefix("250 ")
    [message] = plain_server.messages
    assert message.mail_from == SENDER
    assert message.rcpt_tos == [RECIPIENT]
    assert message.data == RAW_MESSAGE
    assert message.tls is False
    assert message.auth_login is None
    assert message.parsed()["Subject"] == "Hello"
    assert plain_server.auth_logins == []


@pytest.mark.parametrize("mechanism", ["auth_plain", "auth_login"])
def test_starttls_with_login_is_accepted(starttls_server: SmtpTestServer, mechanism: str) -> None:
    """STARTTLS plus AUTH PLAIN/LOGIN is accepted and the login is recorded."""

    async def scenario() -> None:
        client = aiosmtplib.SMTP(
            hostname=starttls_server.host,
            port=starttls_server.port,
            tls_context=starttls_server.client_ssl_context(),
            start_tls=True,
            timeout=5,
        )
        async with client:
            # After STARTTLS aiosmtplib forgets the ESMTP extensions; login() re-EHLOs on
            # its own, but the low-level auth_plain()/auth_login() do not (-> 503).
            await client.ehlo()
            assert client.supports_extension("auth")
            await getattr(client, mechanism)(USER, PASSWORD)
            await client.sendmail(SENDER, [RECIPIENT], RAW_MESSAGE)

    run(scenario())

    [message] = starttls_server.messages
    assert message.data == RAW_MESSAGE
    assert message.tls is True
    assert message.auth_login == USER
    assert starttls_server.auth_logins == [USER]


def test_starttls_send_helper_path(starttls_server: SmtpTestServer) -> None:
    """aiosmtplib.send() upgrades with STARTTLS automatically when given a trusting context."""
    send(starttls_server)
    assert [m.tls for m in starttls_server.messages] == [True]


def test_starttls_server_refuses_mail_before_starttls(starttls_server: SmtpTestServer) -> None:
    """Without STARTTLS the server refuses MAIL (530) and does not offer AUTH."""
    with pytest.raises(aiosmtplib.SMTPSenderRefused) as excinfo:
        send(starttls_server, start_tls=False, username=None, password=None)
    assert excinfo.value.code == 530

    # With credentials, aiosmtplib refuses locally because AUTH is not advertised yet.
    with pytest.raises(aiosmtplib.SMTPException, match="AUTH extension is not supported"):
        send(starttls_server, start_tls=False)


def test_implicit_tls_works(tls_server: SmtpTestServer) -> None:
    """Implicit TLS (use_tls=True) with AUTH is accepted."""
    send(tls_server)
    [message] = tls_server.messages
    assert message.tls is True
    assert message.data == RAW_MESSAGE
    assert tls_server.auth_logins == [USER]


def test_untrusted_certificate_fails_verification(tls_server: SmtpTestServer) -> None:
    """A client that does not trust the test CA fails the handshake (raw ssl error)."""
    with pytest.raises(aiosmtplib.SMTPConnectError):
        send(tls_server, tls_context=None)


def test_wrong_password_gives_535(starttls_server: SmtpTestServer) -> None:
    """Wrong credentials give SMTPAuthenticationError 535 and nothing is recorded."""
    with pytest.raises(aiosmtplib.SMTPAuthenticationError) as excinfo:
        send(starttls_server, password="wrong")
    assert excinfo.value.code == 535
    assert starttls_server.messages == []
    assert starttls_server.auth_logins == []


def test_auth_without_tls_on_plain_server(plain_auth_server: SmtpTestServer) -> None:
    """On a 'none' server AUTH works without TLS, and MAIL without AUTH gets 530."""
    send(plain_auth_server)
    assert plain_auth_server.auth_logins == [USER]
    assert plain_auth_server.messages[0].tls is False

    with pytest.raises(aiosmtplib.SMTPSenderRefused) as excinfo:
        send(plain_auth_server, username=None, password=None)
    assert excinfo.value.code == 530
    assert len(plain_auth_server.messages) == 1


def test_421_on_connect(starttls_server: SmtpTestServer) -> None:
    """A 421 greeting raises SMTPConnectResponseError (an SMTPConnectError) with code 421."""
    starttls_server.fail_next(Fault("connect", "421 4.3.2 Service not available"))
    # aiosmtplib reads the greeting inside connect() and raises SMTPConnectResponseError,
    # which subclasses both SMTPConnectError and SMTPResponseException; it is NOT an
    # SMTPServerDisconnected.
    with pytest.raises(aiosmtplib.SMTPConnectResponseError) as excinfo:
        send(starttls_server)
    assert isinstance(excinfo.value, aiosmtplib.SMTPConnectError)
    assert not isinstance(excinfo.value, aiosmtplib.SMTPServerDisconnected)
    assert excinfo.value.code == 421
    assert starttls_server.messages == []


def test_connection_closed_before_greeting(plain_server: SmtpTestServer) -> None:
    """A connect-phase drop (EOF before any greeting) raises plain SMTPConnectError."""
    plain_server.fail_next(Fault("connect", drop=True))
    with pytest.raises(aiosmtplib.SMTPConnectError, match="Unexpected EOF"):
        send(plain_server)


def test_451_at_mail(starttls_server: SmtpTestServer) -> None:
    """A MAIL-phase 451 raises SMTPSenderRefused with code 451."""
    starttls_server.fail_next(Fault("mail", "451 4.3.0 Try again later"))
    with pytest.raises(aiosmtplib.SMTPSenderRefused) as excinfo:
        send(starttls_server)
    assert excinfo.value.code == 451
    assert excinfo.value.sender == SENDER


@pytest.mark.parametrize(
    ("reply", "code"),
    [("451 4.3.0 Try again later", 451), ("550 5.1.1 User unknown", 550)],
)
def test_rcpt_refused(starttls_server: SmtpTestServer, reply: str, code: int) -> None:
    """An RCPT-phase reply raises SMTPRecipientsRefused; the code sits on each recipient."""
    starttls_server.fail_next(Fault("rcpt", reply))
    with pytest.raises(aiosmtplib.SMTPRecipientsRefused) as excinfo:
        send(starttls_server)
    [refused] = excinfo.value.recipients
    assert refused.code == code
    assert refused.recipient == RECIPIENT
    assert refused.message == reply.split(" ", 1)[1]
    assert starttls_server.messages == []


def test_554_at_data(starttls_server: SmtpTestServer) -> None:
    """A DATA-phase rejection raises SMTPDataError and nothing is recorded."""
    starttls_server.fail_next(Fault("data", "554 5.7.1 Message rejected"))
    with pytest.raises(aiosmtplib.SMTPDataError) as excinfo:
        send(starttls_server)
    assert excinfo.value.code == 554
    assert starttls_server.messages == []


def test_connection_dropped_mid_message(starttls_server: SmtpTestServer) -> None:
    """Dropping the connection after the data arrived raises SMTPServerDisconnected."""
    starttls_server.fail_next(Fault("data", drop=True))
    with pytest.raises(aiosmtplib.SMTPServerDisconnected):
        send(starttls_server)
    assert starttls_server.messages == []


def test_slow_data_reply_times_out(starttls_server: SmtpTestServer) -> None:
    """A 5 s delay before the DATA reply trips a 1 s client timeout (SMTPReadTimeoutError)."""
    starttls_server.fail_next(Fault("data", delay_seconds=5))
    started = time.monotonic()
    with pytest.raises(aiosmtplib.SMTPTimeoutError) as excinfo:
        send(starttls_server, timeout=1)
    assert isinstance(excinfo.value, aiosmtplib.SMTPReadTimeoutError)
    assert time.monotonic() - started < 3
    # The client hung up during the delay, so the server never accepted the message.
    assert starttls_server.messages == []


def test_slow_greeting_times_out(plain_server: SmtpTestServer) -> None:
    """A delayed greeting raises SMTPConnectTimeoutError (both a timeout and connect error)."""
    plain_server.fail_next(Fault("connect", delay_seconds=5))
    with pytest.raises(aiosmtplib.SMTPConnectTimeoutError) as excinfo:
        send(plain_server, timeout=1)
    assert isinstance(excinfo.value, aiosmtplib.SMTPConnectError)
    assert isinstance(excinfo.value, aiosmtplib.SMTPTimeoutError)


def test_next_send_succeeds_after_faults_are_consumed(starttls_server: SmtpTestServer) -> None:
    """Each fault is used by exactly one attempt; afterwards sends are accepted again."""
    starttls_server.fail_next(
        Fault("connect", "421 4.3.2 Service not available"),
        Fault("rcpt", "451 4.3.0 Try again later"),
    )
    with pytest.raises(aiosmtplib.SMTPConnectError):
        send(starttls_server)
    assert len(starttls_server.faults) == 1
    with pytest.raises(aiosmtplib.SMTPRecipientsRefused):
        send(starttls_server)
    assert not starttls_server.faults

    send(starttls_server)
    assert [m.data for m in starttls_server.messages] == [RAW_MESSAGE]
    assert starttls_server.connection_count == 3


def test_faults_apply_per_transaction_on_one_connection(starttls_server: SmtpTestServer) -> None:
    """On a reused connection the queue advances one fault per MAIL transaction."""
    starttls_server.fail_next(Fault("rcpt", "451 4.3.0 Try again later"))

    async def scenario() -> None:
        client = aiosmtplib.SMTP(
            hostname=starttls_server.host,
            port=starttls_server.port,
            tls_context=starttls_server.client_ssl_context(),
            timeout=5,
        )
        async with client:
            await client.login(USER, PASSWORD)
            with pytest.raises(aiosmtplib.SMTPRecipientsRefused):
                await client.sendmail(SENDER, [RECIPIENT], RAW_MESSAGE)
            await client.sendmail(SENDER, [RECIPIENT], RAW_MESSAGE)

    run(scenario())
    assert len(starttls_server.messages) == 1
    assert starttls_server.connection_count == 1


def test_japanese_message_round_trips(starttls_server: SmtpTestServer) -> None:
    """A UTF-8 MIME message with a Japanese subject, sender name and body round-trips."""
    message = EmailMessage()
    message["From"] = Address("ルナ・グロウラボ", "luna", "glowlab.example")
    message["To"] = Address("クリエイター様", "creator", "example.jp")
    message["Subject"] = "コラボレーションのご提案 ― 一度だけのご連絡です"
    body = "はじめまして、ルナと申します。\n動画をいつも拝見しています。\n"
    message.set_content(body)

    send(starttls_server, message)

    [received] = starttls_server.messages
    assert received.mail_from == "luna@glowlab.example"
    assert received.rcpt_tos == ["creator@example.jp"]
    header_block = received.data.split(b"\r\n\r\n", 1)[0]
    header_block.decode("ascii")  # headers travel as RFC 2047 encoded words, no SMTPUTF8
    parsed = received.parsed()
    assert parsed["Subject"] == "コラボレーションのご提案 ― 一度だけのご連絡です"
    assert parsed["From"].addresses[0].display_name == "ルナ・グロウラボ"
    assert parsed["To"].addresses[0].display_name == "クリエイター様"
    assert parsed.get_content_charset() == "utf-8"
    # Short UTF-8 lines go out as 8bit (BODY=8BITMIME); the parser then keeps the wire's
    # CRLF line endings in get_content(), so compare with normalised newlines.
    assert parsed.get_content().replace("\r\n", "\n") == body


def test_reset_clears_messages_logins_and_faults(starttls_server: SmtpTestServer) -> None:
    """reset() forgets messages, logins, the connection count and queued faults."""
    send(starttls_server)
    starttls_server.fail_next(Fault("data", "554 5.7.1 No"))
    starttls_server.reset()
    assert starttls_server.messages == []
    assert starttls_server.auth_logins == []
    assert starttls_server.connection_count == 0
    assert not starttls_server.faults
    send(starttls_server)
    assert len(starttls_server.messages) == 1


def test_stop_does_not_wait_for_a_delayed_reply() -> None:
    """stop() returns promptly even while a long delay fault is pending."""
    server = SmtpTestServer("none").start()
    server.fail_next(Fault("data", delay_seconds=30))

    async def scenario() -> None:
        task = asyncio.create_task(
            aiosmtplib.send(
                RAW_MESSAGE,
                sender=SENDER,
                recipients=[RECIPIENT],
                hostname=server.host,
                port=server.port,
                timeout=10,
            )
        )
        await asyncio.sleep(0.3)
        started = time.monotonic()
        await asyncio.to_thread(server.close)
        assert time.monotonic() - started < 2
        with pytest.raises(aiosmtplib.SMTPServerDisconnected):
            await task

    run(scenario())
    assert not server.ca_cert_path.exists()


@pytest.mark.parametrize(
    "kwargs",
    [
        {"phase": "quit", "reply": "451 4.3.0 x"},
        {"phase": "data"},
        {"phase": "data", "reply": "451 4.3.0 x", "drop": True},
        {"phase": "rcpt", "reply": "oops"},
        {"phase": "data", "delay_seconds": -1},
    ],
)
def test_invalid_faults_are_rejected(kwargs: dict[str, Any]) -> None:
    """Contradictory or no-op fault specs fail fast."""
    with pytest.raises(ValueError):
        Fault(**kwargs)
