"""Two people's mailboxes on their own local servers (SMTP and Dovecot), in mailboxes.toml."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import ExitStack, contextmanager
from pathlib import Path

from outreach.bootstrap import bootstrap
from outreach.core.retry import RetryPolicy
from outreach.services.app import App
from tests.campaign_helpers import SENDER, prepare_workspace
from tests.imap_server import DovecotTestServer
from tests.smtp_server import SmtpTestServer

NAMES = ("luna", "minji")
Servers = dict[str, tuple[SmtpTestServer, DovecotTestServer]]


@contextmanager
def two_mailboxes(smtp_passwords: Mapping[str, str] | None = None) -> Iterator[Servers]:
    """Luna's and Minji's SMTP and IMAP servers; each takes only its own login.

    `smtp_passwords` makes an SMTP server expect another password than the mailbox's.
    """
    with ExitStack() as stack:
        servers = {}
        for name in NAMES:
            imap = stack.enter_context(
                DovecotTestServer(user=f"{name}@glowlab.example", password=f"{name}-pass-1")
            )
            password = (smtp_passwords or {}).get(name, imap.password)
            smtp = stack.enter_context(SmtpTestServer(security="none",
                                                      auth=(imap.user, password)))  # fmt: skip
            servers[name] = (smtp, imap)
        yield servers


def mailboxes_toml(servers: Servers, per_day: Mapping[str, int] | None = None) -> str:
    """A [[mailbox]] per server pair, plain connections, with its daily cap."""
    blocks = []
    for name, (smtp, imap) in servers.items():
        blocks.append(
            f'[[mailbox]]\nname = "{name}"\naddress = "{name.title()} at Glowlab <{imap.user}>"\n'
            f'provider = "custom"\nuser = "{imap.user}"\nsmtp_host = "{smtp.host}"\n'
            f'smtp_port = {smtp.port}\nsmtp_security = "none"\nimap_host = "{imap.host}"\n'
            f'imap_port = {imap.port}\nimap_security = "none"\n'
            f"per_day = {(per_day or {}).get(name, 30)}\n"
        )
    return "\n".join(blocks)


def sender_app(
    workspace: Path, database_url: str, servers: Servers,
    per_day: Mapping[str, int] | None = None, passwords: Mapping[str, str] | None = None,
) -> App:  # fmt: skip
    """The workspace (prepared once) sending from both mailboxes; `passwords` override."""
    if not (workspace / "mailboxes.toml").exists():
        prepare_workspace(workspace)
    (workspace / "mailboxes.toml").write_text(mailboxes_toml(servers, per_day), encoding="utf-8")
    environ = {
        "OUTREACH_DATABASE_URL": database_url,
        "OUTREACH_FROM": SENDER,
        "OUTREACH_POSTAL_ADDRESS": "1-2-3 Jingumae, Tokyo",
    }
    for name, (_smtp, imap) in servers.items():
        password = (passwords or {}).get(name, imap.password)
        environ[f"OUTREACH_MAILBOX_{name.upper()}_PASSWORD"] = password
    return bootstrap(workspace, environ=environ, retry=RetryPolicy(1, 0, 1))
