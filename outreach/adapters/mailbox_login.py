"""Log in to a mailbox's SMTP and IMAP servers and out again: nothing is sent or changed."""

from __future__ import annotations

import contextlib
import ssl

import aiosmtplib
from imapclient import IMAPClient
from imapclient.exceptions import IMAPClientError, LoginError

from outreach.settings import MailServer, Security


class LoginFailed(Exception):
    """A login did not work; `kind` is auth, connect or tls."""

    def __init__(self, kind: str, detail: str) -> None:
        super().__init__(detail)
        self.kind = kind
        self.detail = detail


async def smtp_login(server: MailServer) -> None:
    """Connect, say EHLO, secure the connection and log in, then QUIT."""
    assert server.host is not None
    security = server.security
    client = aiosmtplib.SMTP(
        hostname=server.host, port=server.port, use_tls=security is Security.TLS,
        start_tls=security is Security.STARTTLS,
        tls_context=ssl.create_default_context() if security is not Security.NONE else None,
        timeout=server.timeout_seconds,
    )  # fmt: skip
    try:
        await client.connect()
        if server.user:
            password = server.password.reveal() if server.password else ""
            await client.login(server.user, password)
        await client.quit()
    except aiosmtplib.SMTPAuthenticationError as exc:
        raise LoginFailed("auth", f"{exc.code} {exc.message}".strip()) from None
    except ssl.SSLError as exc:
        raise LoginFailed("tls", str(exc.reason or exc)) from None
    except (aiosmtplib.SMTPException, OSError) as exc:
        raise LoginFailed("connect", str(exc) or type(exc).__name__) from None
    finally:
        if client.is_connected:
            client.close()


def imap_login(server: MailServer) -> None:
    """Connect, log in, open INBOX read-only, log out."""
    context = ssl.create_default_context()
    try:
        client = IMAPClient(
            server.host, port=server.port, ssl=server.security is Security.TLS,
            ssl_context=context, timeout=server.timeout_seconds,
        )  # fmt: skip
    except ssl.SSLError as exc:
        raise LoginFailed("tls", str(exc.reason or exc)) from None
    except OSError as exc:
        raise LoginFailed("connect", str(exc) or type(exc).__name__) from None
    try:
        if server.security is Security.STARTTLS:
            client.starttls(context)
        password = server.password.reveal() if server.password else ""
        client.login(server.user or "", password)
        client.select_folder("INBOX", readonly=True)
        client.logout()
    except LoginError as exc:
        raise LoginFailed("auth", _text(exc)) from None
    except ssl.SSLError as exc:
        raise LoginFailed("tls", str(exc.reason or exc)) from None
    except (IMAPClientError, OSError) as exc:
        raise LoginFailed("connect", _text(exc)) from None
    finally:
        with contextlib.suppress(OSError):
            client.shutdown()


def _text(exc: Exception) -> str:
    text = str(exc)
    return text[2:-1] if text.startswith(("b'", 'b"')) else text
