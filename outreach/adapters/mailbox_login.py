"""Log in to a mailbox's SMTP and IMAP servers and out again: nothing is sent or changed."""

from __future__ import annotations

import contextlib
import ssl

import aiosmtplib
from imapclient.exceptions import IMAPClientError, LoginError

from outreach.adapters.imap_inbox import imap_client
from outreach.adapters.smtp_transport import smtp_authenticate, smtp_client
from outreach.errors import SignInError
from outreach.settings import MailServer


class LoginFailed(Exception):
    """A login did not work; `kind` is auth, signin (no OAuth token), connect or tls."""

    def __init__(self, kind: str, detail: str) -> None:
        super().__init__(detail)
        self.kind = kind
        self.detail = detail


async def smtp_login(server: MailServer) -> None:
    """Connect, say EHLO, secure the connection and log in, then QUIT."""
    client = smtp_client(server)
    try:
        await client.connect()
        if server.user:
            await smtp_authenticate(client, server)
        await client.quit()
    except SignInError as exc:
        raise LoginFailed("signin", str(exc)) from None
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
    try:
        client = imap_client(server)
        try:
            client.select_folder("INBOX", readonly=True)
            client.logout()
        finally:
            with contextlib.suppress(OSError):
                client.shutdown()
    except SignInError as exc:
        raise LoginFailed("signin", str(exc)) from None
    except LoginError as exc:
        raise LoginFailed("auth", _text(exc)) from None
    except ssl.SSLError as exc:
        raise LoginFailed("tls", str(exc.reason or exc)) from None
    except (IMAPClientError, OSError) as exc:
        raise LoginFailed("connect", _text(exc)) from None


def _text(exc: Exception) -> str:
    text = str(exc)
    return text[2:-1] if text.startswith(("b'", 'b"')) else text
