"""Settings from the environment and the workspace's .env file, validated, secrets masked."""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from email.utils import getaddresses, parseaddr
from enum import StrEnum
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from outreach.constants import (
    DEFAULT_COOL_OFF_DAYS,
    DEFAULT_DATABASE_FILENAME,
    DEFAULT_INBOX_FRESH_MINUTES,
    DEFAULT_PORTS,
    DEFAULT_RIGHTS_WARN_DAYS,
    DEFAULT_SMTP_TIMEOUT_SECONDS,
    MASK,
)
from outreach.core.addresses import AddressError, normalise_address
from outreach.errors import SettingsError

PREFIX = "OUTREACH_"


class Security(StrEnum):
    """How a mail connection is protected."""

    NONE = "none"
    STARTTLS = "starttls"
    TLS = "tls"


class Secret:
    """A value that never shows itself in repr, str, logs or tracebacks."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        """Return the real value, for the one place that must hand it to a server."""
        return self._value

    def __repr__(self) -> str:
        return MASK

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)


@dataclass(frozen=True)
class MailServer:
    """Where and how to reach one SMTP or IMAP server."""

    host: str | None
    port: int
    user: str | None
    password: Secret | None = field(repr=False)
    security: Security
    timeout_seconds: float = DEFAULT_SMTP_TIMEOUT_SECONDS
    # OAuth 2.0 instead of the password: gives an access token (True: a fresh one, after a
    # refused login). Raises OutreachError when the mailbox cannot sign in.
    token: Callable[[bool], str] | None = field(default=None, repr=False, compare=False)


@dataclass(frozen=True)
class OAuthClient:
    """The app a brand registered with a provider for signing in to its own mailboxes."""

    client_id: str
    client_secret: Secret | None = field(default=None, repr=False)
    tenant: str = "common"  # Microsoft: common, organizations, consumers or the tenant's id


@dataclass(frozen=True)
class Settings:
    """The effective settings of one workspace."""

    workspace: Path
    database_url: str = field(repr=False)  # may hold a password
    sender: str | None
    smtp: MailServer
    imap: MailServer
    unsubscribe_mailto: str | None
    company: str | None
    postal_address: str | None
    sources: Mapping[str, str]
    cool_off_days: int = DEFAULT_COOL_OFF_DAYS
    imap_processed_folder: str | None = None  # where handled bounces and auto-replies go
    return_path: str | None = None  # VERP base: bounces come back to base+token@domain
    rights_warn_days: int = DEFAULT_RIGHTS_WARN_DAYS
    digest_to: str | None = None
    digest_at: str | None = None  # HH:MM in the brand's time zone
    timezone: str = "UTC"  # the brand's own time zone (digest time, report dates)
    inbox_fresh_minutes: int = DEFAULT_INBOX_FRESH_MINUTES  # see core.inbox_freshness
    # Passwords of the mailboxes in mailboxes.toml, by mailbox name (OUTREACH_MAILBOX_X_PASSWORD).
    mailbox_passwords: Mapping[str, Secret] = field(default_factory=dict, repr=False)
    # Where complaints and questions go (Japan asks for one); default: the opt-out address.
    complaints_contact: str | None = None
    # One-click unsubscribe (RFC 8058): the page's public address and the key its links are
    # signed with; both or neither.
    unsubscribe_url: str | None = None
    unsubscribe_secret: Secret | None = field(default=None, repr=False)
    # The brand's own OAuth 2.0 app for each provider (see README "Connect your mailbox").
    oauth_clients: Mapping[str, OAuthClient] = field(default_factory=dict, repr=False)

    @property
    def capture_mode(self) -> bool:
        """True when no SMTP host is set: messages are written as .eml files, not sent."""
        return not self.smtp.host


# Every key we read; anything else starting with OUTREACH_ is most likely a typo.
KNOWN_KEYS = (
    "DATABASE_URL",
    "FROM",
    "SMTP_HOST",
    "SMTP_PORT",
    "SMTP_USER",
    "SMTP_PASSWORD",
    "SMTP_SECURITY",
    "SMTP_TIMEOUT_SECONDS",
    "IMAP_HOST",
    "IMAP_PORT",
    "IMAP_USER",
    "IMAP_PASSWORD",
    "IMAP_SECURITY",
    "UNSUBSCRIBE_MAILTO",
    "COMPANY",
    "POSTAL_ADDRESS",
    "COMPLAINTS_CONTACT",
    "COOL_OFF_DAYS",
    "IMAP_PROCESSED_FOLDER",
    "RETURN_PATH",
    "RIGHTS_WARN_DAYS",
    "DIGEST_TO",
    "DIGEST_AT",
    "TIMEZONE",
    "INBOX_FRESH_MINUTES",
    "UNSUBSCRIBE_URL",
    "UNSUBSCRIBE_SECRET",
    "GOOGLE_CLIENT_ID",
    "GOOGLE_CLIENT_SECRET",
    "MICROSOFT_CLIENT_ID",
    "MICROSOFT_TENANT",
    "WORKSPACE",
)
SECRET_KEYS = frozenset(
    {"SMTP_PASSWORD", "IMAP_PASSWORD", "GOOGLE_CLIENT_SECRET", "UNSUBSCRIBE_SECRET"}
)
MIN_SECRET_CHARACTERS = 32
# One password per mailbox of mailboxes.toml: OUTREACH_MAILBOX_LUNA_PASSWORD for "luna".
MAILBOX_PASSWORD = re.compile(r"^OUTREACH_MAILBOX_([A-Z0-9_]+)_PASSWORD$")
DEFAULT_SECURITY = {"SMTP": Security.STARTTLS, "IMAP": Security.TLS}


class _Reader:
    """Reads raw values by short key and builds errors that name the key and its source."""

    def __init__(self, values: Mapping[str, str], sources: Mapping[str, str]) -> None:
        self.values = values
        self.sources = sources

    def get(self, key: str) -> str | None:
        raw = self.values.get(PREFIX + key)
        if raw is None:
            return None
        stripped = raw.strip()
        return stripped or None

    def error(self, key: str, reason: str) -> SettingsError:
        where = self.sources.get(PREFIX + key, "the environment")
        return SettingsError(f"{PREFIX}{key} (from {where}): {reason}")


def load_settings(
    workspace: Path, values: Mapping[str, str], sources: Mapping[str, str] | None = None
) -> Settings:
    """Validate raw OUTREACH_* values (environment merged over .env) into Settings."""
    reader = _Reader(values, sources or {})
    _reject_unknown_keys(reader)
    return Settings(
        workspace=workspace,
        database_url=_database_url(reader, workspace),
        sender=_sender(reader),
        smtp=_mail_server(reader, "SMTP"),
        imap=_mail_server(reader, "IMAP"),
        unsubscribe_mailto=_optional_address(reader, "UNSUBSCRIBE_MAILTO"),
        company=_single_line(reader, "COMPANY"),
        postal_address=_single_line(reader, "POSTAL_ADDRESS"),
        complaints_contact=_single_line(reader, "COMPLAINTS_CONTACT"),
        sources=dict(sources or {}),
        cool_off_days=_days(reader, "COOL_OFF_DAYS", DEFAULT_COOL_OFF_DAYS),
        imap_processed_folder=_folder(reader),
        mailbox_passwords=_mailbox_passwords(reader),
        oauth_clients=_oauth_clients(reader),
        unsubscribe_url=_unsubscribe_url(reader),
        unsubscribe_secret=_unsubscribe_secret(reader),
        return_path=_return_path(reader),
        rights_warn_days=_days(reader, "RIGHTS_WARN_DAYS", DEFAULT_RIGHTS_WARN_DAYS),
        digest_to=_optional_address(reader, "DIGEST_TO"),
        digest_at=_clock_time(reader, "DIGEST_AT"),
        timezone=_timezone(reader),
        inbox_fresh_minutes=_minutes(reader, "INBOX_FRESH_MINUTES", DEFAULT_INBOX_FRESH_MINUTES),
    )


def _minutes(reader: _Reader, key: str, default: int) -> int:
    value = reader.get(key)
    if value is None:
        return default
    if not (value.isascii() and value.isdigit()) or not 1 <= int(value) <= 1440:
        raise reader.error(key, f"{value!r} is not a number of minutes (1-1440)")
    return int(value)


def _days(reader: _Reader, key: str, default: int) -> int:
    value = reader.get(key)
    if value is None:
        return default
    if not (value.isascii() and value.isdigit()) or int(value) > 3650:
        raise reader.error(key, f"{value!r} is not a number of days (0-3650)")
    return int(value)


def _folder(reader: _Reader) -> str | None:
    value = _single_line(reader, "IMAP_PROCESSED_FOLDER")
    if value is not None and (value.upper() == "INBOX" or any(c in value for c in '"*%\\')):
        raise reader.error("IMAP_PROCESSED_FOLDER", f"{value!r} is not a folder to move mail to")
    return value


def _return_path(reader: _Reader) -> str | None:
    value = _optional_address(reader, "RETURN_PATH")
    if value is not None and "+" in value.split("@")[0]:
        # The token goes after a '+': a base that already has one would be ambiguous.
        raise reader.error("RETURN_PATH", f"{value!r} must not contain '+' before the '@'")
    return value


def _clock_time(reader: _Reader, key: str) -> str | None:
    value = reader.get(key)
    if value is None:
        return None
    match = re.fullmatch(r"([01]?\d|2[0-3]):([0-5]\d)", value)
    if match is None:
        raise reader.error(key, f"{value!r} is not a time of day like 08:30")
    return f"{int(match.group(1)):02d}:{match.group(2)}"


def _timezone(reader: _Reader) -> str:
    value = reader.get("TIMEZONE")
    if value is None:
        return "UTC"
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise reader.error("TIMEZONE", f"{value!r} is not a time zone like Asia/Tokyo") from None
    return value


def _unsubscribe_url(reader: _Reader) -> str | None:
    url = _single_line(reader, "UNSUBSCRIBE_URL")
    if url is None:
        return None
    parts = urlsplit(url)
    loopback = parts.hostname in ("127.0.0.1", "localhost", "::1")
    if not parts.hostname or not (parts.scheme == "https" or (parts.scheme == "http" and loopback)):
        raise reader.error("UNSUBSCRIBE_URL", f"{url!r} must be an https:// address (RFC 8058)")
    if parts.query or parts.fragment:
        raise reader.error("UNSUBSCRIBE_URL", f"{url!r} must not have a ?query or #fragment")
    if reader.get("UNSUBSCRIBE_SECRET") is None:
        raise reader.error("UNSUBSCRIBE_URL", "needs OUTREACH_UNSUBSCRIBE_SECRET to sign links")
    return url


def _unsubscribe_secret(reader: _Reader) -> Secret | None:
    value = reader.get("UNSUBSCRIBE_SECRET")
    if value is None:
        return None
    if len(value) < MIN_SECRET_CHARACTERS:
        raise reader.error("UNSUBSCRIBE_SECRET", f"must be at least {MIN_SECRET_CHARACTERS} "
                           "characters (e.g. `python3 -c 'import secrets; "
                           "print(secrets.token_urlsafe(32))'`)")  # fmt: skip
    return Secret(value)


def _oauth_clients(reader: _Reader) -> dict[str, OAuthClient]:
    clients = {}
    google = _single_line(reader, "GOOGLE_CLIENT_ID")
    secret = reader.get("GOOGLE_CLIENT_SECRET")
    if google:
        clients["gmail"] = OAuthClient(google, Secret(secret) if secret else None)
    elif secret:
        raise reader.error("GOOGLE_CLIENT_SECRET", "is set without OUTREACH_GOOGLE_CLIENT_ID")
    microsoft = _single_line(reader, "MICROSOFT_CLIENT_ID")
    tenant = _single_line(reader, "MICROSOFT_TENANT") or "common"
    if not re.fullmatch(r"[A-Za-z0-9.-]{1,64}", tenant):
        raise reader.error("MICROSOFT_TENANT", f"{tenant!r} is not a tenant name or id")
    if microsoft:
        clients["microsoft"] = OAuthClient(microsoft, None, tenant)
    return clients


def _mailbox_passwords(reader: _Reader) -> dict[str, Secret]:
    passwords = {}
    for name, value in reader.values.items():
        match = MAILBOX_PASSWORD.match(name)
        if match and value.strip():
            passwords[match.group(1).lower()] = Secret(value)
    return passwords


def _reject_unknown_keys(reader: _Reader) -> None:
    known = [PREFIX + key for key in KNOWN_KEYS]
    for name in sorted(reader.values):
        if name.startswith(PREFIX) and name not in known and not MAILBOX_PASSWORD.match(name):
            close = difflib.get_close_matches(name, known, n=1)
            hint = f"; did you mean {close[0]}?" if close else ""
            where = reader.sources.get(name, "the environment")
            raise SettingsError(f"{name} (from {where}): unknown setting{hint}")


def _database_url(reader: _Reader, workspace: Path) -> str:
    url = reader.get("DATABASE_URL")
    if url is None:
        return f"sqlite:///{workspace / DEFAULT_DATABASE_FILENAME}"
    if not url.startswith(("sqlite:", "postgresql:", "postgresql+")):
        raise reader.error("DATABASE_URL", "must start with sqlite:/// or postgresql://")
    return url


def _sender(reader: _Reader) -> str | None:
    value = reader.get("FROM")
    if value is None:
        return None
    _check_single_line(reader, "FROM", value)
    if len(getaddresses([value])) != 1:
        raise reader.error("FROM", "must be exactly one address like 'Luna <luna@brand.example>'")
    name, address = parseaddr(value)
    try:
        normalise_address(address)
    except AddressError as exc:
        raise reader.error(
            "FROM", f"{value!r} is not an address like 'Luna <luna@brand.example>': {exc}"
        ) from None
    return value if name else address


def _optional_address(reader: _Reader, key: str) -> str | None:
    value = reader.get(key)
    if value is None:
        return None
    _check_single_line(reader, key, value)
    try:
        return normalise_address(value)
    except AddressError as exc:
        raise reader.error(key, f"{value!r} is not a valid address: {exc}") from None


def _single_line(reader: _Reader, key: str) -> str | None:
    value = reader.get(key)
    if value is not None:
        _check_single_line(reader, key, value)
    return value


def _check_single_line(reader: _Reader, key: str, value: str) -> None:
    if "\n" in value or "\r" in value:
        raise reader.error(key, "must be a single line")


def _mail_server(reader: _Reader, kind: str) -> MailServer:
    security = _security(reader, kind)
    password = reader.values.get(f"{PREFIX}{kind}_PASSWORD") or None
    return MailServer(
        host=_single_line(reader, f"{kind}_HOST"),
        port=_port(reader, kind, security),
        user=_single_line(reader, f"{kind}_USER"),
        password=Secret(password) if password else None,
        security=security,
        timeout_seconds=_timeout(reader, kind),
    )


def _security(reader: _Reader, kind: str) -> Security:
    key = f"{kind}_SECURITY"
    value = reader.get(key)
    if value is None:
        return DEFAULT_SECURITY[kind]
    try:
        return Security(value.lower())
    except ValueError:
        raise reader.error(key, f"{value!r} is not one of none, starttls, tls") from None


def _port(reader: _Reader, kind: str, security: Security) -> int:
    key = f"{kind}_PORT"
    value = reader.get(key)
    if value is None:
        return DEFAULT_PORTS[kind][security]
    if not (value.isascii() and value.isdigit()) or not 1 <= int(value) <= 65535:
        raise reader.error(key, f"{value!r} is not a port number (1-65535)")
    return int(value)


def _timeout(reader: _Reader, kind: str) -> float:
    key = f"{kind}_TIMEOUT_SECONDS"
    if key not in KNOWN_KEYS:
        return DEFAULT_SMTP_TIMEOUT_SECONDS
    value = reader.get(key)
    if value is None:
        return DEFAULT_SMTP_TIMEOUT_SECONDS
    try:
        seconds = float(value)
    except ValueError:
        raise reader.error(key, f"{value!r} is not a number of seconds") from None
    if not 0 < seconds <= 3600:
        raise reader.error(key, f"{value!r} must be more than 0 and at most 3600 seconds")
    return seconds


_USERINFO = re.compile(r"^(?P<scheme>[^:/]+://)(?P<userinfo>[^/?#]*)@")
_QUERY_SECRET = re.compile(r"(?i)([?&](?:password|pass|pwd|sslpassword)=)[^&#]*")


def url_secrets(url: str) -> list[str]:
    """Every piece of a URL that may be a password (to scrub from driver messages too)."""
    secrets = [m.group(0).split("=", 1)[1] for m in _QUERY_SECRET.finditer(url)]
    match = _USERINFO.match(url)
    if match and ":" in match.group("userinfo"):
        password = match.group("userinfo").split(":", 1)[1]
        # An unencoded '@' in a password makes parsers cut it anywhere: scrub every piece.
        secrets += [password, *password.split("@")]
    return sorted({s for s in secrets if s}, key=len, reverse=True)


def masked_database_url(url: str) -> str:
    """The database URL with any password (in the user part or the query) masked."""
    # The user part ends at the LAST '@' before the path: a password with an unencoded '@'
    # stays masked whole instead of leaking its tail as a "host".
    head, _, tail = url.partition("://")
    if not _:
        return MASK  # not a URL: it could be anything, a password included
    authority, slash, rest = tail.partition("/")
    userinfo, at, host = authority.rpartition("@")
    if at and ":" in userinfo:
        userinfo = userinfo.split(":", 1)[0] + ":" + MASK
    masked = f"{head}://{userinfo}{at}{host}{slash}{rest}"
    return _QUERY_SECRET.sub(lambda m: m.group(1) + MASK, masked)


def scrub(text: str, secrets: list[str]) -> str:
    """The text with every secret replaced by the mask."""
    for secret in secrets:
        text = text.replace(secret, MASK)
    return text


def describe(settings: Settings) -> list[tuple[str, str, str]]:
    """Rows of (key, effective value with secrets masked, where it came from)."""

    def source(key: str) -> str:
        return settings.sources.get(PREFIX + key, "default")

    def show(value: object) -> str:
        return "" if value is None else str(value)

    rows = [
        ("DATABASE_URL", masked_database_url(settings.database_url)),
        ("FROM", show(settings.sender)),
    ]
    for kind, server in (("SMTP", settings.smtp), ("IMAP", settings.imap)):
        rows += [
            (f"{kind}_HOST", show(server.host)),
            (f"{kind}_PORT", str(server.port)),
            (f"{kind}_USER", show(server.user)),
            (f"{kind}_PASSWORD", MASK if server.password else ""),
            (f"{kind}_SECURITY", server.security.value),
        ]
    rows.insert(7, ("SMTP_TIMEOUT_SECONDS", f"{settings.smtp.timeout_seconds:g}"))
    rows += [
        ("UNSUBSCRIBE_MAILTO", show(settings.unsubscribe_mailto)),
        ("COMPANY", show(settings.company)),
        ("POSTAL_ADDRESS", show(settings.postal_address)),
        ("COMPLAINTS_CONTACT", show(settings.complaints_contact)),
        ("COOL_OFF_DAYS", str(settings.cool_off_days)),
        ("IMAP_PROCESSED_FOLDER", show(settings.imap_processed_folder)),
        ("RETURN_PATH", show(settings.return_path)),
        ("RIGHTS_WARN_DAYS", str(settings.rights_warn_days)),
        ("DIGEST_TO", show(settings.digest_to)),
        ("DIGEST_AT", show(settings.digest_at)),
        ("TIMEZONE", settings.timezone),
        ("INBOX_FRESH_MINUTES", str(settings.inbox_fresh_minutes)),
    ]
    rows += [
        ("UNSUBSCRIBE_URL", show(settings.unsubscribe_url)),
        ("UNSUBSCRIBE_SECRET", MASK if settings.unsubscribe_secret else ""),
    ]
    google, microsoft = settings.oauth_clients.get("gmail"), settings.oauth_clients.get("microsoft")
    rows += [
        ("GOOGLE_CLIENT_ID", google.client_id if google else ""),
        ("GOOGLE_CLIENT_SECRET", MASK if google and google.client_secret else ""),
        ("MICROSOFT_CLIENT_ID", microsoft.client_id if microsoft else ""),
        ("MICROSOFT_TENANT", microsoft.tenant if microsoft else ""),
    ]
    rows += [
        (f"MAILBOX_{name.upper()}_PASSWORD", MASK) for name in sorted(settings.mailbox_passwords)
    ]
    return [(PREFIX + key, value, source(key)) for key, value in rows]
