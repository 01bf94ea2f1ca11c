"""SMTP delivery with aiosmtplib; its exceptions become our temporary/permanent/unknown split."""

from __future__ import annotations

import asyncio
import ssl

import aiosmtplib

from outreach.adapters.tls import default_tls_context
from outreach.errors import (
    DeliveryError,
    PermanentDeliveryError,
    SignInError,
    TemporaryDeliveryError,
    UnknownDeliveryError,
)
from outreach.settings import MailServer, Security


class SmtpTransport:
    """Sends over SMTP: plain, STARTTLS or implicit TLS, with login when a user is set."""

    def __init__(
        self,
        server: MailServer,
        login_hint: str = "check OUTREACH_SMTP_USER and OUTREACH_SMTP_PASSWORD",
    ) -> None:
        if not server.host:
            raise ValueError("SmtpTransport needs a host")
        self.server = server
        # What a refused login tells the person to check (names of settings, never values).
        self.login_hint = login_hint
        self.description = f"SMTP {server.host}:{server.port} ({server.security.value})"
        self._open: aiosmtplib.SMTP | None = None
        self._open_loop: asyncio.AbstractEventLoop | None = None

    async def send(self, data: bytes, sender: str, recipients: list[str]) -> str:
        """Send one message, on the open connection when there is one; return the answer."""
        reused = self._reusable()
        try:
            return await self._attempt(data, sender, recipients)
        except TemporaryDeliveryError:
            if not reused:
                raise
            # The server may have closed an idle connection: one fresh try before the
            # failure counts (only failures before the data reach here as temporary).
            return await self._attempt(data, sender, recipients)

    async def close(self) -> None:
        """Say QUIT on the open connection, if any."""
        client, self._open = self._open, None
        if client is not None:
            await _close(client)

    def _reusable(self) -> bool:
        return (
            self._open is not None
            and self._open.is_connected
            and self._open_loop is asyncio.get_running_loop()
        )

    async def _attempt(self, data: bytes, sender: str, recipients: list[str]) -> str:
        phase = "connect"
        client = self._open if self._reusable() else None
        try:
            if client is None:
                client = self._client()
                await client.connect()
                if self.server.user:
                    phase = "login"
                    await smtp_authenticate(client, self.server)
            phase = "envelope"
            await client.mail(sender)
            for recipient in recipients:
                await client.rcpt(recipient)
            phase = "data"
            response = await client.data(data)
        except SignInError as exc:  # no access token: the mailbox cannot sign in
            await self._discard(client)
            kind = TemporaryDeliveryError if exc.temporary else PermanentDeliveryError
            raise kind(f"{self.description}: {exc}", mailbox_fault=True) from None
        except aiosmtplib.SMTPException as exc:
            await self._discard(client)
            error = _translate(exc, phase, self.description, self.login_hint)
            error.mailbox_fault = phase in ("connect", "login")
            raise error from None
        except ssl.SSLError as exc:
            await self._discard(client)
            raise PermanentDeliveryError(
                f"{self.description}: TLS failed: {exc.reason}", mailbox_fault=True
            ) from None
        except OSError as exc:
            await self._discard(client)
            raise TemporaryDeliveryError(
                f"{self.description}: cannot connect: {exc.strerror or exc}", mailbox_fault=True
            ) from None
        # Kept open for the next message of this event loop (a daemon's whole run).
        self._open, self._open_loop = client, asyncio.get_running_loop()
        return f"{response.code} {response.message}".strip()

    async def _discard(self, client: aiosmtplib.SMTP | None) -> None:
        # After any error the session's state is unclear: never reuse it.
        if client is self._open:
            self._open = None
        if client is not None:
            await _close(client)

    def _client(self) -> aiosmtplib.SMTP:
        return smtp_client(self.server)


async def smtp_authenticate(client: aiosmtplib.SMTP, server: MailServer) -> None:
    """Log in with the password, or with XOAUTH2 when the mailbox signs in with OAuth 2.0.

    A refused access token is refreshed once and tried again before the login counts as
    failed: it may have been revoked early or cut short by the provider.
    """
    user = server.user or ""
    if server.token is None:
        await client.login(user, server.password.reveal() if server.password else "")
        return
    token = await asyncio.to_thread(server.token, False)
    try:
        await client.auth_xoauth2(user, token)
    except aiosmtplib.SMTPAuthenticationError:
        token = await asyncio.to_thread(server.token, True)
        await client.auth_xoauth2(user, token)


def smtp_client(server: MailServer) -> aiosmtplib.SMTP:
    """A client for the server, secured as set (not connected yet)."""
    security = server.security
    return aiosmtplib.SMTP(
        hostname=server.host,
        port=server.port,
        use_tls=security is Security.TLS,
        start_tls=security is Security.STARTTLS,
        tls_context=default_tls_context() if security is not Security.NONE else None,
        timeout=server.timeout_seconds,
    )


async def _close(client: aiosmtplib.SMTP) -> None:
    if not client.is_connected:
        return
    try:
        await client.quit()
    except (aiosmtplib.SMTPException, OSError):
        client.close()


def _translate(
    exc: aiosmtplib.SMTPException, phase: str, where: str, login_hint: str
) -> DeliveryError:
    """One place decides retry or not, from the SMTP code (RFC 5321 section 4.2.1)."""
    code, text = _code_and_text(exc)
    answer = f"{code} {text}".strip() if code else text
    if phase == "data" and code is None:
        # The message was (or may have been) handed over and no answer came: a timeout or
        # a dropped connection here can follow the server's acceptance (RFC 5321 section
        # 4.1.1.4 and the duplicate problem of RFC 1047). Retrying could deliver it twice,
        # so a person decides.
        what = "no answer" if isinstance(exc, aiosmtplib.SMTPTimeoutError) else "connection lost"
        return UnknownDeliveryError(f"{where}: {what} after the message was sent", code)
    if isinstance(exc, aiosmtplib.SMTPAuthenticationError) and not _temporary(code):
        return PermanentDeliveryError(f"{where}: login refused ({answer}); {login_hint}", code)
    if code and not _temporary(code):
        return PermanentDeliveryError(f"{where}: {answer}", code)
    # 4xx answers, and timeouts or dropped connections before the data: the server has not
    # taken responsibility for the message (RFC 5321 section 6.1), so a retry is safe.
    return TemporaryDeliveryError(f"{where}: {answer or type(exc).__name__}", code)


def _temporary(code: int | None) -> bool:
    return code is None or 400 <= code < 500


def _code_and_text(exc: aiosmtplib.SMTPException) -> tuple[int | None, str]:
    if isinstance(exc, aiosmtplib.SMTPRecipientsRefused) and exc.recipients:
        first = exc.recipients[0]
        return first.code, first.message
    if isinstance(exc, aiosmtplib.SMTPResponseException):
        return exc.code, exc.message
    return None, str(exc) or type(exc).__name__
