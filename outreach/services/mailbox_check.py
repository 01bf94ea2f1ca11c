"""`outreach mailbox test`: log in to a mailbox's servers and say what to fix when it fails."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from outreach.adapters.mailbox_login import LoginFailed, imap_login, smtp_login
from outreach.services.mailboxes import Mailbox

# What to click when a provider refuses the login, from each provider's help pages.
_AUTH_HINTS = {
    "gmail": "Gmail and Google Workspace take an app password (Google Account > Security > "
    '2-Step Verification > App passwords), not the account password; or use auth = "oauth2"',
    "microsoft": "Microsoft 365 and Outlook.com refuse passwords for IMAP and SMTP: use "
    'auth = "oauth2"',
    "naver": "NAVER Mail: Settings > POP3/IMAP settings > enable IMAP/SMTP; with 2-step "
    "verification, use an application password",
    "daum": "Daum Mail: Settings > IMAP/POP3 > enable IMAP; with 2-step verification, use an "
    "app password",
    "yahoo_japan": "Yahoo! JAPAN Mail: Settings > IMAP/POP/SMTP access > enable it for mail "
    "programs",
    "icloud": "iCloud Mail takes an app-specific password (Apple Account > Sign-In and "
    "Security > App-Specific Passwords)",
}
_DEFAULT_HINT = "check the login and the password setting"


@dataclass(frozen=True)
class CheckLine:
    """One server's outcome."""

    server: str  # SMTP or IMAP
    where: str
    ok: bool
    message: str


def check_mailbox(mailbox: Mailbox, timeout_seconds: float = 20.0) -> list[CheckLine]:
    """Log in to SMTP and IMAP (when set) and out again; nothing is sent or changed."""
    lines = []
    spec = mailbox.spec
    for kind, endpoint in (("SMTP", spec.smtp), ("IMAP", spec.imap)):
        if not endpoint.host:
            continue
        server = mailbox.server(kind.lower(), timeout_seconds)
        where = f"{endpoint.host}:{endpoint.port} {endpoint.security}"
        try:
            if kind == "SMTP":
                asyncio.run(smtp_login(server))
            else:
                imap_login(server)
        except LoginFailed as failed:
            lines.append(CheckLine(kind, where, False, _explained(failed, mailbox)))
            continue
        lines.append(CheckLine(kind, where, True, f"logged in as {spec.user or '(no login)'}"))
    return lines


def _explained(failed: LoginFailed, mailbox: Mailbox) -> str:
    if failed.kind == "signin":
        return f"cannot sign in: {failed.detail}"
    if failed.kind == "auth" and mailbox.spec.auth == "oauth2":
        return (f"login refused ({failed.detail}): the access token was refused even after a "
                f"refresh; run 'outreach mailbox login {mailbox.spec.name}' again")  # fmt: skip
    if failed.kind == "auth":
        if mailbox.password is None:
            return f"login refused ({failed.detail}): no password is set ({mailbox.password_key})"
        hint = _AUTH_HINTS.get(mailbox.spec.provider, _DEFAULT_HINT)
        return f"login refused ({failed.detail}): wrong password, or {hint}"
    if failed.kind == "tls":
        return f"TLS failed ({failed.detail}): check the port and the security setting"
    return (
        f"cannot connect ({failed.detail}): check the host and port, and that the provider "
        "allows mail programs (IMAP/SMTP access) for this account"
    )
