"""In-process aiosmtpd server on loopback with per-test fault injection and TLS via trustme."""

from __future__ import annotations

import asyncio
import base64
import collections
import email
import email.policy
import logging
import re
import ssl
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from types import TracebackType
from typing import Any, Literal, cast

import trustme
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

Security = Literal["none", "starttls", "tls"]
Phase = Literal["connect", "mail", "rcpt", "data"]

PHASES: tuple[Phase, ...] = ("connect", "mail", "rcpt", "data")
DEFAULT_ACCEPT_REPLY = "250 2.0.0 Message accepted for delivery"
AUTH_REQUIRED_REPLY = "530 5.7.0 Authentication required"
SERVER_HOSTNAME = "smtp.test.localhost"

_REPLY_RE = re.compile(r"[1-5][0-9][0-9]( .*)?")


class _DropLoginDataDeprecation(logging.Filter):
    """Hide aiosmtpd's own 'Session.login_data is deprecated' noise (it triggers it itself)."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Keep every record except the login_data deprecation warning."""
        return "login_data is deprecated" not in record.getMessage()


logging.getLogger("mail.log").addFilter(_DropLoginDataDeprecation())


@dataclass(frozen=True)
class Fault:
    """One injected misbehaviour, applied at a single phase of one connection or transaction.

    Order of effects: wait ``delay_seconds``, then either close the connection without a
    reply (``drop``), send ``reply`` instead of the normal one, or carry on normally.
    """

    phase: Phase
    reply: str | None = None
    drop: bool = False
    delay_seconds: float = 0.0

    def __post_init__(self) -> None:
        """Reject fault specs that are contradictory or would do nothing."""
        if self.phase not in PHASES:
            raise ValueError(f"phase must be one of {PHASES}, got {self.phase!r}")
        if self.reply is not None and self.drop:
            raise ValueError("a fault either replies or drops the connection, not both")
        if self.reply is not None and not _REPLY_RE.fullmatch(self.reply):
            raise ValueError(f"reply must look like '451 4.3.0 Text', got {self.reply!r}")
        if self.delay_seconds < 0:
            raise ValueError("delay_seconds must be >= 0")
        if self.reply is None and not self.drop and self.delay_seconds == 0:
            raise ValueError("fault needs a reply, drop=True or a delay")


@dataclass(frozen=True)
class ReceivedMessage:
    """A message the server accepted with a 2xx reply to DATA."""

    mail_from: str
    rcpt_tos: list[str]
    data: bytes
    auth_login: str | None = None
    tls: bool = False
    mail_options: list[str] = field(default_factory=list)

    def parsed(self) -> EmailMessage:
        """Return the raw data parsed with ``email.policy.default``."""
        return email.message_from_bytes(self.data, policy=email.policy.default)


class _FaultEnvelope(Envelope):
    """Envelope that remembers the fault taken for its transaction."""

    def __init__(self) -> None:
        """Start a transaction without a fault."""
        super().__init__()
        self.fault: Fault | None = None


class _FaultySMTP(SMTP):
    """aiosmtpd protocol that applies connect-phase faults and tracks its connection."""

    def __init__(self, owner: SmtpTestServer, handler: _Handler, **kwargs: Any) -> None:
        """Create a protocol for one client connection."""
        super().__init__(handler, **kwargs)
        self._owner = owner

    def _create_envelope(self) -> Envelope:
        """Use an envelope that can carry a per-transaction fault."""
        return _FaultEnvelope()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        """Register the connection (not the STARTTLS re-wrap) with the owner."""
        if self.transport is None:
            self._owner._register(self)
        super().connection_made(transport)

    def connection_lost(self, error: Exception | None) -> None:
        """Unregister the connection from the owner."""
        self._owner._unregister(self)
        super().connection_lost(error)

    async def _handle_client(self) -> None:
        """Apply a queued connect-phase fault before the normal greeting."""
        fault = self._owner._take_fault(connect=True)
        if fault is not None:
            if fault.delay_seconds:
                await asyncio.sleep(fault.delay_seconds)
            if fault.drop:
                self.abort()
                return
            if fault.reply is not None:
                await self.push(fault.reply)
                assert self.transport is not None
                self.transport.close()
                return
        await super()._handle_client()

    def abort(self) -> None:
        """Close the connection abruptly, without any reply or TLS close_notify."""
        for transport in (self.transport, self._original_transport):
            if transport is not None:
                cast(asyncio.Transport, transport).abort()


class _Handler:
    """aiosmtpd handler hooks: auth gate, transaction faults and message recording."""

    def __init__(self, owner: SmtpTestServer) -> None:
        """Bind the hooks to their server."""
        self._owner = owner

    async def auth_XOAUTH2(self, server: SMTP, args: list[str]) -> AuthResult:
        """SASL XOAUTH2 (offered only when the server checks access tokens)."""
        check = self._owner.xoauth2
        if check is None or len(args) != 2:
            return AuthResult(success=False, handled=False)
        try:
            text = base64.b64decode(args[1], validate=True).decode("utf-8")
        except (ValueError, UnicodeDecodeError):
            return AuthResult(success=False, handled=False)
        fields = dict(part.split("=", 1) for part in text.split("\x01") if "=" in part)
        user, bearer = fields.get("user", ""), fields.get("auth", "").removeprefix("Bearer ")
        if not check(user, bearer):
            return AuthResult(success=False, handled=False)  # 535, as providers answer
        with self._owner._lock:
            self._owner._auth_logins.append(user)
        return AuthResult(success=True, auth_data=LoginPassword(user.encode(), b""))

    async def _apply(self, server: SMTP, envelope: Envelope, phase: Phase) -> str | None:
        """Apply the transaction's fault if it targets ``phase``; return a reply override."""
        fault = envelope.fault if isinstance(envelope, _FaultEnvelope) else None
        if fault is None or fault.phase != phase:
            return None
        if fault.delay_seconds:
            await asyncio.sleep(fault.delay_seconds)
        if fault.drop:
            assert isinstance(server, _FaultySMTP)
            server.abort()
            # connection_lost() cancels this task; never reply on a dropped connection.
            await asyncio.Event().wait()
        return fault.reply

    async def handle_MAIL(
        self,
        server: SMTP,
        session: Session,
        envelope: Envelope,
        address: str,
        mail_options: list[str],
    ) -> str:
        """Require AUTH if configured, take the next transaction fault, accept the sender."""
        if self._owner.auth is not None and not session.authenticated:
            return AUTH_REQUIRED_REPLY
        if isinstance(envelope, _FaultEnvelope):
            envelope.fault = self._owner._take_fault(connect=False)
        override = await self._apply(server, envelope, "mail")
        if override is not None:
            return override
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 2.1.0 OK"

    async def handle_RCPT(
        self,
        server: SMTP,
        session: Session,
        envelope: Envelope,
        address: str,
        rcpt_options: list[str],
    ) -> str:
        """Apply an rcpt fault (to every RCPT of the transaction) or accept the recipient."""
        override = await self._apply(server, envelope, "rcpt")
        if override is not None:
            return override
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(rcpt_options)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        """Apply a data fault or record the message, then return the reply."""
        override = await self._apply(server, envelope, "data")
        if override is not None:
            return override
        auth_data = session.auth_data
        ssl_object = server.transport.get_extra_info("ssl_object") if server.transport else None
        self._owner._record(
            ReceivedMessage(
                mail_from=envelope.mail_from or "",
                rcpt_tos=list(envelope.rcpt_tos),
                data=bytes(envelope.original_content or b""),
                auth_login=(
                    auth_data.login.decode("utf-8")
                    if isinstance(auth_data, LoginPassword)
                    else None
                ),
                tls=ssl_object is not None,
                mail_options=list(envelope.mail_options),
            )
        )
        return self._owner.accept_reply


class SmtpTestServer:
    """Real SMTP server on 127.0.0.1 running in a background thread, with injectable faults."""

    def __init__(
        self,
        security: Security = "none",
        auth: tuple[str, str] | None = None,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        require_starttls: bool = True,
        accept_reply: str = DEFAULT_ACCEPT_REPLY,
        tmp_dir: Path | None = None,
        xoauth2: Callable[[str, str], bool] | None = None,
    ) -> None:
        """Configure the server; nothing listens until ``start()``."""
        if security not in ("none", "starttls", "tls"):
            raise ValueError(f"security must be none|starttls|tls, got {security!r}")
        self.security: Security = security
        self.auth = auth
        self.xoauth2 = xoauth2  # checks (user, access token): AUTH XOAUTH2 and nothing else
        self.host = host
        self.port = port
        self._requested_port = port
        self.require_starttls = require_starttls
        self.accept_reply = accept_reply
        self.faults: collections.deque[Fault] = collections.deque()

        self._lock = threading.Lock()
        self._messages: list[ReceivedMessage] = []
        self._auth_logins: list[str] = []
        self._connection_count = 0
        self._connections: set[_FaultySMTP] = set()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._server: asyncio.Server | None = None

        self._tmp: tempfile.TemporaryDirectory[str] | None = None
        if tmp_dir is None:
            self._tmp = tempfile.TemporaryDirectory(prefix="smtp-test-server-")
            tmp_dir = Path(self._tmp.name)
        self.ca = trustme.CA()
        self._server_cert = self.ca.issue_cert(host, "localhost", SERVER_HOSTNAME)
        self.ca_cert_path: Path = tmp_dir / "smtp-test-ca.pem"
        self.ca.cert_pem.write_to_path(str(self.ca_cert_path))

    # -- public API -----------------------------------------------------------------------

    @property
    def messages(self) -> list[ReceivedMessage]:
        """Snapshot of accepted messages, oldest first."""
        with self._lock:
            return list(self._messages)

    @property
    def auth_logins(self) -> list[str]:
        """Snapshot of usernames that authenticated successfully, in order."""
        with self._lock:
            return list(self._auth_logins)

    @property
    def connection_count(self) -> int:
        """Number of TCP connections accepted since start or the last reset."""
        with self._lock:
            return self._connection_count

    def client_ssl_context(self) -> ssl.SSLContext:
        """Return a fresh client SSLContext trusting only this server's test CA."""
        return ssl.create_default_context(cafile=str(self.ca_cert_path))

    def server_ssl_context(self) -> ssl.SSLContext:
        """Return the server-side SSLContext carrying the trustme-issued certificate."""
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        self._server_cert.configure_cert(ctx)
        return ctx

    def fail_next(self, *faults: Fault) -> None:
        """Queue faults; each is consumed by the next connection/transaction it applies to."""
        self.faults.extend(faults)

    def reset(self) -> None:
        """Forget recorded messages, logins, the connection count and queued faults."""
        self.faults.clear()
        with self._lock:
            self._messages.clear()
            self._auth_logins.clear()
            self._connection_count = 0

    def start(self) -> SmtpTestServer:
        """Start the event loop thread and listen; sets ``port`` to the bound port."""
        if self._thread is not None:
            raise RuntimeError("server already started")
        loop = asyncio.new_event_loop()
        thread = threading.Thread(
            target=self._run_loop, args=(loop,), name="smtp-test-server", daemon=True
        )
        self._loop, self._thread = loop, thread
        thread.start()
        future = asyncio.run_coroutine_threadsafe(self._listen(), loop)
        try:
            self._server = future.result(timeout=10)
        except BaseException:
            self.stop()
            raise
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    def stop(self) -> None:
        """Abort open connections, cancel pending replies (delays) and join the thread."""
        loop, thread = self._loop, self._thread
        if loop is None or thread is None:
            return
        if loop.is_running():
            future = asyncio.run_coroutine_threadsafe(self._shutdown(), loop)
            try:
                future.result(timeout=10)
            finally:
                loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=10)
        self._loop = self._thread = self._server = None

    def close(self) -> None:
        """Stop the server and delete the temporary CA directory if this object made it."""
        self.stop()
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None

    def __enter__(self) -> SmtpTestServer:
        """Start the server."""
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Stop the server and remove its temporary files."""
        self.close()

    def __repr__(self) -> str:
        """Show address and mode."""
        return f"SmtpTestServer({self.security!r}, host={self.host!r}, port={self.port})"

    # -- server-thread internals ----------------------------------------------------------

    @staticmethod
    def _run_loop(loop: asyncio.AbstractEventLoop) -> None:
        """Run the loop until stopped, then close it."""
        asyncio.set_event_loop(loop)
        try:
            loop.run_forever()
        finally:
            loop.close()

    async def _listen(self) -> asyncio.Server:
        """Bind the listening socket (implicit TLS wraps it right away)."""
        loop = asyncio.get_running_loop()
        ssl_ctx = self.server_ssl_context() if self.security == "tls" else None
        starttls_ctx = self.server_ssl_context() if self.security == "starttls" else None
        handler = _Handler(self)

        def factory() -> _FaultySMTP:
            return _FaultySMTP(
                self,
                handler,
                hostname=SERVER_HOSTNAME,
                tls_context=starttls_ctx,
                require_starttls=self.require_starttls and starttls_ctx is not None,
                # aiosmtpd only knows about STARTTLS; on implicit TLS or plain servers
                # AUTH must be allowed without it. The 530 gate lives in handle_MAIL.
                auth_require_tls=self.security == "starttls",
                authenticator=self._authenticate,
                # Checking access tokens, it takes XOAUTH2 only, as Microsoft 365 does.
                auth_exclude_mechanism=["LOGIN", "PLAIN"] if self.xoauth2 else ["XOAUTH2"],
                loop=loop,
            )

        return await loop.create_server(
            factory, host=self.host, port=self._requested_port, ssl=ssl_ctx
        )

    async def _shutdown(self) -> None:
        """Close the listener, abort connections and cancel every other task."""
        if self._server is not None:
            self._server.close()
        with self._lock:
            protocols = list(self._connections)
        for protocol in protocols:
            protocol.abort()
        current = asyncio.current_task()
        tasks = [task for task in asyncio.all_tasks() if task is not current]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    def _authenticate(
        self,
        server: SMTP,
        session: Session,
        envelope: Envelope,
        mechanism: str,
        auth_data: Any,
    ) -> AuthResult:
        """Check LOGIN/PLAIN credentials against ``auth``; record successful usernames."""
        if self.auth is None or not isinstance(auth_data, LoginPassword):
            return AuthResult(success=False, handled=False)
        user, password = self.auth
        if auth_data.login == user.encode() and auth_data.password == password.encode():
            with self._lock:
                self._auth_logins.append(user)
            return AuthResult(success=True, auth_data=auth_data)
        # handled=False makes aiosmtpd send "535 5.7.8 Authentication credentials invalid".
        return AuthResult(success=False, handled=False)

    def _take_fault(self, *, connect: bool) -> Fault | None:
        """Pop the head fault if it belongs to a connection (connect) or a transaction."""
        try:
            head = self.faults[0]
            if (head.phase == "connect") == connect:
                return self.faults.popleft()
        except IndexError:
            pass
        return None

    def _record(self, message: ReceivedMessage) -> None:
        """Store an accepted message."""
        with self._lock:
            self._messages.append(message)

    def _register(self, protocol: _FaultySMTP) -> None:
        """Track a new connection."""
        with self._lock:
            self._connections.add(protocol)
            self._connection_count += 1

    def _unregister(self, protocol: _FaultySMTP) -> None:
        """Forget a closed connection."""
        with self._lock:
            self._connections.discard(protocol)
