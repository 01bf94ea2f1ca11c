"""Mailboxes as configuration (`mailboxes.toml`): provider presets, checked, no secrets.

Preset hosts, ports and security come from each provider's own help pages for mail programs
(Gmail "Check Gmail through other email platforms"; Microsoft "POP, IMAP, and SMTP settings";
NAVER Mail, Daum Mail, Yahoo! JAPAN Mail and iCloud Mail help for IMAP/SMTP). The daily cap
of new proposals is ours, not the provider's: about 30 a day keeps a person's mailbox inside
what one person plausibly writes; providers' own limits (500 a day for Gmail, 2,000 for
Google Workspace, 10,000 recipients for Microsoft 365) are far above it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from email.utils import parseaddr
from typing import Any

from outreach.constants import DEFAULT_PORTS
from outreach.core.spec_errors import CampaignSpecError

PROVIDERS = ("gmail", "microsoft", "naver", "daum", "yahoo_japan", "icloud", "custom")
AUTHS = ("password", "oauth2")
SECURITIES = ("none", "starttls", "tls")
DEFAULT_PER_DAY = 30
MAX_PER_DAY = 500
MAILBOX_NAME = re.compile(r"^[a-z0-9][a-z0-9_]{0,31}$")  # also what campaigns' senders name
_HOST = re.compile(r"^[A-Za-z0-9.-]+$")
_KEYS = (
    "name", "address", "provider", "auth", "per_day", "user",
    "smtp_host", "smtp_port", "smtp_security", "imap_host", "imap_port", "imap_security",
    "sent_folder", "oauth_token_url", "oauth_device_url", "oauth_authorize_url",
)  # fmt: skip
_URL = re.compile(r"^https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?(/[A-Za-z0-9._~/%-]*)?$")


class MailboxSpecError(CampaignSpecError):
    """A mailboxes.toml key is missing or has a wrong value (key and reason, as campaigns)."""


@dataclass(frozen=True)
class Endpoint:
    """One server of a mailbox: host, port and how the connection is secured."""

    host: str
    port: int
    security: str


@dataclass(frozen=True)
class Preset:
    """What a provider's mail programs are told to use."""

    smtp: Endpoint
    imap: Endpoint
    oauth2: bool  # the provider offers OAuth 2.0 sign-in for mail programs


PRESETS: Mapping[str, Preset] = {
    "gmail": Preset(Endpoint("smtp.gmail.com", 587, "starttls"),
                    Endpoint("imap.gmail.com", 993, "tls"), oauth2=True),
    "microsoft": Preset(Endpoint("smtp.office365.com", 587, "starttls"),
                        Endpoint("outlook.office365.com", 993, "tls"), oauth2=True),
    "naver": Preset(Endpoint("smtp.naver.com", 465, "tls"),
                    Endpoint("imap.naver.com", 993, "tls"), oauth2=False),
    "daum": Preset(Endpoint("smtp.daum.net", 465, "tls"),
                   Endpoint("imap.daum.net", 993, "tls"), oauth2=False),
    "yahoo_japan": Preset(Endpoint("smtp.mail.yahoo.co.jp", 465, "tls"),
                          Endpoint("imap.mail.yahoo.co.jp", 993, "tls"), oauth2=False),
    "icloud": Preset(Endpoint("smtp.mail.me.com", 587, "starttls"),
                     Endpoint("imap.mail.me.com", 993, "tls"), oauth2=False),
}  # fmt: skip


@dataclass(frozen=True)
class MailboxSpec:
    """One sending mailbox, its servers resolved from the preset and any overrides."""

    name: str
    address: str  # the From header: "Luna at Glowlab <luna@glowlab.example>"
    provider: str
    auth: str
    per_day: int
    user: str  # the login (the bare address unless `user` says otherwise)
    smtp: Endpoint
    imap: Endpoint
    sent_folder: str | None = None  # None: found by IMAP SPECIAL-USE \\Sent
    # The provider's sign-in addresses, when not its usual ones (a national cloud).
    oauth_token_url: str | None = None
    oauth_device_url: str | None = None
    oauth_authorize_url: str | None = None

    @property
    def password_key(self) -> str:
        """The setting that holds this mailbox's password."""
        return f"OUTREACH_MAILBOX_{self.name.upper()}_PASSWORD"


def parse_mailboxes(table: Mapping[str, Any]) -> list[MailboxSpec]:
    """Every [[mailbox]] of mailboxes.toml, checked; errors name the key, e.g. mailbox[2].auth."""
    if set(table) - {"mailbox"}:
        unknown = sorted(set(table) - {"mailbox"})[0]
        raise MailboxSpecError(unknown, "unknown key; write each mailbox as a [[mailbox]] table")
    entries = table.get("mailbox", [])
    if not isinstance(entries, list):
        raise MailboxSpecError("mailbox", "must be [[mailbox]] tables")
    mailboxes = [_mailbox(f"mailbox[{n}]", entry) for n, entry in enumerate(entries, start=1)]
    seen: set[str] = set()
    for number, mailbox in enumerate(mailboxes, start=1):
        if mailbox.name in seen:
            raise MailboxSpecError(f"mailbox[{number}].name", f"{mailbox.name!r} is used twice")
        seen.add(mailbox.name)
    return mailboxes


def _mailbox(prefix: str, entry: Any) -> MailboxSpec:
    if not isinstance(entry, Mapping):
        raise MailboxSpecError(prefix, "must be a [[mailbox]] table")
    for key in entry:
        if key not in _KEYS:
            known = ", ".join(sorted(_KEYS))
            raise MailboxSpecError(f"{prefix}.{key}", f"unknown key; known keys: {known}")
    name = _text(entry, prefix, "name", required=True)
    if not MAILBOX_NAME.match(name):
        raise MailboxSpecError(f"{prefix}.name",
                               f"{name!r} must be lowercase letters, digits or '_'")  # fmt: skip
    if name == "default":
        reason = "'default' is the mailbox of the OUTREACH_SMTP_* settings"
        raise MailboxSpecError(f"{prefix}.name", reason)
    address = _text(entry, prefix, "address", required=True)
    bare = parseaddr(address)[1]
    if "@" not in bare or "\n" in address or "\r" in address:
        reason = f"{address!r} is not an address like 'Luna <luna@brand.example>'"
        raise MailboxSpecError(f"{prefix}.address", reason)
    provider = _choice(entry, prefix, "provider", PROVIDERS, "custom")
    auth = _choice(entry, prefix, "auth", AUTHS, "password")
    preset = PRESETS.get(provider)
    if auth == "oauth2" and not (preset and preset.oauth2):
        raise MailboxSpecError(f"{prefix}.auth",
                               f"provider {provider!r} has no OAuth 2.0 sign-in here; use "
                               "auth = \"password\" (an app password where the provider "
                               "asks for one)")  # fmt: skip
    return MailboxSpec(
        name=name, address=address, provider=provider, auth=auth,
        per_day=_per_day(entry, prefix), user=_text(entry, prefix, "user") or bare,
        smtp=_endpoint(entry, prefix, "smtp", preset.smtp if preset else None),
        imap=_endpoint(entry, prefix, "imap", preset.imap if preset else None),
        sent_folder=_text(entry, prefix, "sent_folder") or None,
        oauth_token_url=_url(entry, prefix, "oauth_token_url", auth),
        oauth_device_url=_url(entry, prefix, "oauth_device_url", auth),
        oauth_authorize_url=_url(entry, prefix, "oauth_authorize_url", auth),
    )  # fmt: skip


def _endpoint(
    entry: Mapping[str, Any], prefix: str, kind: str, preset: Endpoint | None
) -> Endpoint:
    host = _text(entry, prefix, f"{kind}_host") or (preset.host if preset else "")
    if not host:
        raise MailboxSpecError(f"{prefix}.{kind}_host",
                               "is required when provider is 'custom'")  # fmt: skip
    if not _HOST.match(host):
        raise MailboxSpecError(f"{prefix}.{kind}_host", f"{host!r} is not a host name")
    fallback = preset.security if preset else ("starttls" if kind == "smtp" else "tls")
    security = _choice(entry, prefix, f"{kind}_security", SECURITIES, fallback)
    default_port = (
        preset.port
        if preset and security == preset.security
        else DEFAULT_PORTS[kind.upper()][security]
    )
    port = entry.get(f"{kind}_port", default_port)
    if not isinstance(port, int) or isinstance(port, bool) or not 1 <= port <= 65535:
        raise MailboxSpecError(f"{prefix}.{kind}_port", f"{port!r} is not a port (1-65535)")
    return Endpoint(host, port, security)


def _url(entry: Mapping[str, Any], prefix: str, key: str, auth: str) -> str | None:
    value = _text(entry, prefix, key)
    if not value:
        return None
    if auth != "oauth2":
        raise MailboxSpecError(f"{prefix}.{key}", 'is only for auth = "oauth2"')
    if not _URL.match(value):
        raise MailboxSpecError(f"{prefix}.{key}", f"{value!r} is not an http(s) address")
    return value


def _per_day(entry: Mapping[str, Any], prefix: str) -> int:
    value = entry.get("per_day", DEFAULT_PER_DAY)
    if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= MAX_PER_DAY:
        reason = f"{value!r} is not a number of proposals a day (1-{MAX_PER_DAY})"
        raise MailboxSpecError(f"{prefix}.per_day", reason)
    return value


def _text(entry: Mapping[str, Any], prefix: str, key: str, required: bool = False) -> str:
    value = entry.get(key)
    if value is None:
        if required:
            raise MailboxSpecError(f"{prefix}.{key}", "is required")
        return ""
    if not isinstance(value, str):
        raise MailboxSpecError(f"{prefix}.{key}", f"must be text, not {type(value).__name__}")
    if "\n" in value or "\r" in value:
        raise MailboxSpecError(f"{prefix}.{key}", "must be on one line")
    return value.strip()


def _choice(
    entry: Mapping[str, Any], prefix: str, key: str, choices: tuple[str, ...], default: str
) -> str:
    value = _text(entry, prefix, key) or default
    if value not in choices:
        raise MailboxSpecError(f"{prefix}.{key}", f"{value!r} is not one of {', '.join(choices)}")
    return value
