"""OAuth 2.0 mailboxes against real local servers: a token endpoint on loopback, an SMTP server
that takes only AUTH XOAUTH2, and Dovecot checking tokens by introspection."""

from __future__ import annotations

import asyncio
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest

from outreach.adapters.models import Creator
from outreach.adapters.smtp_transport import SmtpTransport
from outreach.adapters.token_store import StoredToken, load_token, save_token, token_path
from outreach.bootstrap import bootstrap
from outreach.core.retry import RetryPolicy
from outreach.errors import PermanentDeliveryError
from outreach.services.app import App
from outreach.services.mailboxes import find_mailbox
from tests.campaign_helpers import (
    MONDAY,
    SENDER,
    add_creator,
    enroll_in,
    messages,
    prepare_workspace,
    run_once,
    write_campaign,
)
from tests.conftest import run_outreach
from tests.imap_server import DovecotTestServer
from tests.inbox_helpers import reply
from tests.oauth_server import OAuthTestServer
from tests.smtp_server import SmtpTestServer

USER = "luna@glowlab.example"


@dataclass
class OAuthWorld:
    """The three servers and the workspace's settings for a Microsoft-style OAuth mailbox."""

    oauth: OAuthTestServer
    smtp: SmtpTestServer
    imap: DovecotTestServer
    environ: dict[str, str]


@contextmanager
def oauth_world(workspace: Path, database_url: str) -> Iterator[OAuthWorld]:
    with (
        OAuthTestServer() as oauth,
        DovecotTestServer(user=USER, oauth_introspection_url=f"{oauth.url}/introspect") as imap,
        SmtpTestServer(security="none", xoauth2=oauth.valid) as smtp,
    ):
        prepare_workspace(workspace)
        (workspace / "mailboxes.toml").write_text(
            f'[[mailbox]]\nname = "luna"\naddress = "Luna at Glowlab <{USER}>"\n'
            f'provider = "microsoft"\nauth = "oauth2"\nsmtp_host = "{smtp.host}"\n'
            f'smtp_port = {smtp.port}\nsmtp_security = "none"\nimap_host = "{imap.host}"\n'
            f'imap_port = {imap.port}\nimap_security = "none"\n'
            f'oauth_token_url = "{oauth.url}/token"\noauth_device_url = "{oauth.url}/devicecode"\n',
            encoding="utf-8",
        )
        environ = {"OUTREACH_DATABASE_URL": database_url, "OUTREACH_FROM": SENDER,
                   "OUTREACH_POSTAL_ADDRESS": "1-2-3 Jingumae, Tokyo",
                   "OUTREACH_MICROSOFT_CLIENT_ID": oauth.client_id}  # fmt: skip
        yield OAuthWorld(oauth, smtp, imap, environ)


def signed_in(workspace: Path, world: OAuthWorld) -> str:
    """What `outreach mailbox login luna` leaves behind: a refresh token, no access token yet."""
    refresh = world.oauth.issue_refresh_token(USER)
    save_token(workspace, "luna", StoredToken("microsoft", USER, refresh))
    return refresh


def campaign_app(workspace: Path, world: OAuthWorld) -> App:
    return bootstrap(workspace, environ=world.environ, retry=RetryPolicy(1, 0, 1))


def ana_enrolled(workspace: Path, world: OAuthWorld) -> tuple[App, Creator]:
    """A campaign sent from the OAuth mailbox, with Ana enrolled on Monday."""
    app = campaign_app(workspace, world)
    spec = write_campaign(workspace, "solo", senders=["luna"])
    ana = add_creator(app, "ana")
    enroll_in(app, spec, MONDAY)
    return app, ana


def test_sends_and_reads_with_xoauth2_refreshing_before_expiry_and_after_a_refusal(
    workspace: Path, database_url: str
) -> None:
    with oauth_world(workspace, database_url) as world:
        first_refresh = signed_in(workspace, world)
        app, ana = ana_enrolled(workspace, world)

        report = run_once(app, MONDAY)

        # One refresh gave the access token both the inbox read and the send used.
        assert report.inbox_error is None and report.sent == 1
        assert world.oauth.grants["refresh_token"] == 1
        assert world.smtp.auth_logins == [USER] and len(world.smtp.messages) == 1
        stored = load_token(workspace, "luna")
        assert stored is not None and stored.refresh_token != first_refresh  # rotated, kept
        path = token_path(workspace, "luna")
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700

        # The provider ends access tokens early: the refused login refreshes once and goes on.
        world.oauth.expire_access_tokens()
        [proposal] = messages(app, creator_id=ana.id)
        world.imap.append(reply(proposal, ana.email, "Could you tell me more first?"))
        later = run_once(app, MONDAY + timedelta(hours=1))

        assert later.inbox_error is None
        assert world.oauth.grants["refresh_token"] == 2
        assert [m.state for m in messages(app, creator_id=ana.id)] == ["sent"]  # replied: no nudge
    # No token ever reaches the database.
    if database_url.startswith("sqlite"):
        data = Path(database_url.removeprefix("sqlite:///")).read_bytes()
        assert b"rt-" not in data and b"at-" not in data


def test_a_revoked_sign_in_holds_the_mailbox_sends_nothing_twice_and_loses_nothing(
    workspace: Path, database_url: str
) -> None:
    with oauth_world(workspace, database_url) as world:
        signed_in(workspace, world)
        app, ana = ana_enrolled(workspace, world)
        assert run_once(app, MONDAY).sent == 1
        world.oauth.revoke_all()  # the person removed the app's access in their account

        held = run_once(app, MONDAY + timedelta(days=5))

        assert held.sent == 0 and held.failed == 0
        assert held.inbox_error is not None
        assert "run `outreach mailbox login luna`" in held.inbox_error
        assert "invalid_grant" in held.inbox_error
        [nudge] = messages(app, creator_id=ana.id, step=2)
        assert nudge.state == "queued" and nudge.attempts == 0
        status = run_outreach(workspace, "status", env=world.environ)
        assert "FAILING" in status.stdout and "outreach mailbox login luna" in status.stdout
        stored = load_token(workspace, "luna")
        assert stored is not None
        for secret in (stored.refresh_token, stored.access_token or "-"):
            assert secret not in held.inbox_error + status.stdout + status.stderr

        signed_in(workspace, world)  # signed in again
        resumed = run_once(app, MONDAY + timedelta(days=5, minutes=5))

    assert resumed.inbox_error is None and resumed.sent == 1
    assert [m.state for m in messages(app, creator_id=ana.id)] == ["sent", "sent"]
    assert len(world.smtp.messages) == 2  # each message once


def test_smtp_with_a_revoked_sign_in_is_the_mailboxs_fault_and_says_how_to_fix_it(
    workspace: Path, database_url: str
) -> None:
    with oauth_world(workspace, database_url) as world:
        signed_in(workspace, world)
        app = campaign_app(workspace, world)
        transport = SmtpTransport(find_mailbox(app.settings, "luna").server("smtp"))
        raw = f"From: {USER}\r\nTo: ana@mail.example\r\nSubject: hi\r\n\r\nhello\r\n".encode()

        async def send_revoke_send() -> str:
            answer = await transport.send(raw, USER, ["ana@mail.example"])
            await transport.close()  # the next send logs in again
            world.oauth.revoke_all()
            with pytest.raises(PermanentDeliveryError) as refused:
                await transport.send(raw, USER, ["ana@mail.example"])
            return f"{answer}|{refused.value}|{refused.value.mailbox_fault}"

        answer, refusal, mailbox_fault = asyncio.run(send_revoke_send()).split("|")

    assert answer.startswith("250") and mailbox_fault == "True"
    assert "the sign-in is no longer valid" in refusal
    assert "outreach mailbox login luna" in refusal
    assert len(world.smtp.messages) == 1
