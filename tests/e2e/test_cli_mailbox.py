"""End to end: `outreach mailbox list` from mailboxes.toml and the settings; no secret shown."""

from __future__ import annotations

import socket
from pathlib import Path

from tests.conftest import run_outreach
from tests.imap_server import DovecotTestServer
from tests.smtp_server import SmtpTestServer

MAILBOXES = """\
[[mailbox]]
name = "luna"
address = "Luna at Glowlab <luna@glowlab.example>"
provider = "gmail"

[[mailbox]]
name = "minji"
address = "Minji at Glowlab <minji@glowlab.example>"
provider = "naver"
per_day = 20
"""
SECRET = "abcd efgh ijkl mnop"


def test_mailboxes_are_listed_with_their_presets_and_what_they_still_need(
    workspace: Path,
) -> None:
    (workspace / "mailboxes.toml").write_text(MAILBOXES, encoding="utf-8")
    env = {"OUTREACH_MAILBOX_LUNA_PASSWORD": SECRET, "OUTREACH_SMTP_HOST": "relay.example"}

    listed = run_outreach(workspace, "mailbox", "list", env=env)
    config = run_outreach(workspace, "config", env=env)

    assert listed.code == 0, listed.stderr
    rows = {line.split()[0]: line for line in listed.stdout.splitlines()[2:-1]}
    assert "smtp.gmail.com:587 starttls" in rows["luna"] and rows["luna"].endswith("ready")
    assert "imap.naver.com:993 tls" in rows["minji"] and " 20 " in rows["minji"]
    assert rows["minji"].endswith("no password: set OUTREACH_MAILBOX_MINJI_PASSWORD")
    assert rows["default"].endswith("ready (no login)")  # the settings' relay, no user
    assert listed.stdout.splitlines()[-1] == "3 mailbox(es)"
    for output in (listed.stdout + listed.stderr, config.stdout + config.stderr):
        assert SECRET not in output
    assert "OUTREACH_MAILBOX_LUNA_PASSWORD  ********" in config.stdout


def test_a_mistake_in_mailboxes_toml_names_file_line_and_key(workspace: Path) -> None:
    (workspace / "mailboxes.toml").write_text(
        MAILBOXES.replace('provider = "naver"', 'provider = "naver"\nauth = "oauth2"'),
        encoding="utf-8",
    )

    listed = run_outreach(workspace, "mailbox", "list")

    assert listed.code == 1
    assert "mailboxes.toml:10: mailbox[2].auth: provider 'naver' has no OAuth 2.0" in listed.stderr


def test_an_unknown_mailbox_password_setting_is_still_a_typo_elsewhere(workspace: Path) -> None:
    listed = run_outreach(workspace, "mailbox", "list", env={"OUTREACH_MAILBOXX": "x"})

    assert listed.code == 1 and "OUTREACH_MAILBOXX" in listed.stderr and "unknown" in listed.stderr


def local_mailboxes(smtp: SmtpTestServer, imap: DovecotTestServer, closed_port: int) -> str:
    """Two mailboxes on the local servers, and one whose SMTP port nobody listens on."""
    blocks = []
    for name, smtp_port in (("good", smtp.port), ("typo", smtp.port), ("away", closed_port)):
        blocks.append(
            f'[[mailbox]]\nname = "{name}"\naddress = "Team <{name}@glowlab.example>"\n'
            f'provider = "custom"\nuser = "{imap.user}"\nsmtp_host = "{smtp.host}"\n'
            f'smtp_port = {smtp_port}\nsmtp_security = "none"\nimap_host = "{imap.host}"\n'
            f'imap_port = {imap.port}\nimap_security = "none"\n'
        )
    return "\n".join(blocks)


def test_mailbox_test_logs_in_to_smtp_and_imap_and_explains_a_refusal(
    workspace: Path, imap_server: DovecotTestServer
) -> None:
    with SmtpTestServer(security="none", auth=(imap_server.user, imap_server.password)) as smtp:
        closed = free_port()
        (workspace / "mailboxes.toml").write_text(local_mailboxes(smtp, imap_server, closed),
                                                  encoding="utf-8")  # fmt: skip
        env = {"OUTREACH_MAILBOX_GOOD_PASSWORD": imap_server.password,
               "OUTREACH_MAILBOX_TYPO_PASSWORD": "not-the-password-1234",
               "OUTREACH_MAILBOX_AWAY_PASSWORD": imap_server.password}  # fmt: skip

        good = run_outreach(workspace, "mailbox", "test", "good", env=env)
        typo = run_outreach(workspace, "mailbox", "test", "typo", env=env)
        away = run_outreach(workspace, "mailbox", "test", "away", env=env)
        unknown = run_outreach(workspace, "mailbox", "test", "nobody", env=env)

        assert smtp.messages == [] and len(smtp.auth_logins) == 1  # logged in, sent nothing
    assert good.code == 0, good.stdout + good.stderr
    assert good.stdout.count(f"ok    logged in as {imap_server.user}") == 2
    assert typo.code == 1
    assert typo.stdout.count("login refused") == 2 and "wrong password" in typo.stdout
    assert away.code == 1 and f"{smtp.host}:{closed} none" in away.stdout
    assert "cannot connect" in away.stdout
    assert "IMAP" in away.stdout and "ok    logged in" in away.stdout  # IMAP itself was fine
    assert (
        unknown.code == 1 and "no mailbox 'nobody'; mailboxes: good, typo, away" in unknown.stderr
    )
    for result in (good, typo, away):
        assert "not-the-password-1234" not in result.stdout + result.stderr
        assert imap_server.password not in result.stdout + result.stderr


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
