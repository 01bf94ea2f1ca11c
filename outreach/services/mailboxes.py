"""The mailboxes a workspace sends from: mailboxes.toml, else the OUTREACH_SMTP_* settings."""

from __future__ import annotations

from dataclasses import dataclass, replace

from outreach.adapters.mailbox_files import load_mailboxes
from outreach.constants import DEFAULT_SMTP_TIMEOUT_SECONDS
from outreach.core.mailbox_spec import Endpoint, MailboxSpec
from outreach.errors import NotFoundError
from outreach.services.mailbox_tokens import AccessTokens
from outreach.settings import MailServer, Secret, Security, Settings

DEFAULT_MAILBOX = "default"


@dataclass(frozen=True)
class Mailbox:
    """One mailbox as configured, with whether its secret is there (never the secret)."""

    spec: MailboxSpec
    password: Secret | None
    password_key: str  # where the password comes from
    settings_servers: tuple[MailServer, MailServer] | None = None  # the default's SMTP, IMAP
    tokens: AccessTokens | None = None  # OAuth 2.0 access tokens (auth = "oauth2")

    @property
    def ready(self) -> str:
        """What is missing before it can send, or "ready"."""
        if self.tokens is not None:
            if self.tokens.signed_in():
                return "ready (signed in with OAuth 2.0)"
            return f"not signed in: run 'outreach mailbox login {self.spec.name}'"
        if not self.spec.user:
            return "ready (no login)"  # a relay that takes mail without one
        return "ready" if self.password else f"no password: set {self.password_key}"

    def server(self, kind: str, timeout_seconds: float | None = None) -> MailServer:
        """Its SMTP or IMAP server (kind "smtp" or "imap"), with login and password."""
        if self.settings_servers is not None:  # the default mailbox: the settings as they are
            smtp, imap = self.settings_servers
            server = smtp if kind == "smtp" else imap
            if timeout_seconds is None:
                return server
            return replace(server, timeout_seconds=timeout_seconds)
        endpoint = self.spec.smtp if kind == "smtp" else self.spec.imap
        return MailServer(
            host=endpoint.host or None, port=endpoint.port, user=self.spec.user or None,
            password=self.password, security=Security(endpoint.security),
            timeout_seconds=timeout_seconds or DEFAULT_SMTP_TIMEOUT_SECONDS, token=self.tokens,
        )  # fmt: skip


def configured_mailboxes(settings: Settings) -> list[Mailbox]:
    """Every mailbox: the settings' own (as 'default', when a server is set), then the file's."""
    found = [_default(settings)] if settings.smtp.host else []
    return found + [named_mailbox(settings, spec) for spec in load_mailboxes(settings.workspace)]


def named_mailbox(settings: Settings, spec: MailboxSpec) -> Mailbox:
    """A mailboxes.toml mailbox with its password or its OAuth 2.0 sign-in."""
    tokens = AccessTokens(settings, spec) if spec.auth == "oauth2" else None
    password = settings.mailbox_passwords.get(spec.name)
    return Mailbox(spec, password, spec.password_key, tokens=tokens)


def find_mailbox(settings: Settings, name: str) -> Mailbox:
    """One mailbox by name; refuses naming the ones there are."""
    mailboxes = configured_mailboxes(settings)
    for mailbox in mailboxes:
        if mailbox.spec.name == name:
            return mailbox
    names = ", ".join(m.spec.name for m in mailboxes) or "none (see 'Connect your mailbox')"
    raise NotFoundError(f"no mailbox {name!r}; mailboxes: {names}")


def _default(settings: Settings) -> Mailbox:
    smtp, imap = settings.smtp, settings.imap
    spec = MailboxSpec(
        name=DEFAULT_MAILBOX, address=settings.sender or smtp.user or "", provider="custom",
        auth="password", per_day=0, user=smtp.user or "",
        smtp=_endpoint(smtp), imap=_endpoint(imap),
    )  # fmt: skip
    return Mailbox(spec, smtp.password, "OUTREACH_SMTP_PASSWORD", (smtp, imap))


def _endpoint(server: MailServer) -> Endpoint:
    return Endpoint(server.host or "", server.port, server.security.value)
