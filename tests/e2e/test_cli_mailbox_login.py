"""End to end: `outreach mailbox login` signs a mailbox in (device code, browser), against a
loopback token endpoint; the sign-in then logs in to Dovecot and an XOAUTH2-only SMTP server."""

from __future__ import annotations

import stat
import sys
from pathlib import Path

from outreach.adapters.token_store import load_token, token_path
from tests.conftest import run_outreach, run_outreach_process
from tests.imap_server import DovecotTestServer
from tests.oauth_server import OAuthTestServer
from tests.smtp_server import SmtpTestServer

USER = "luna@glowlab.example"


def oauth_mailbox(workspace: Path, provider: str, oauth: OAuthTestServer,
                  smtp: SmtpTestServer | None = None,
                  imap: DovecotTestServer | None = None) -> dict[str, str]:  # fmt: skip
    """mailboxes.toml with one OAuth mailbox on the local servers; the settings it needs."""
    servers = ""
    if smtp is not None and imap is not None:
        servers = (f'smtp_host = "{smtp.host}"\nsmtp_port = {smtp.port}\nsmtp_security = "none"\n'
                   f'imap_host = "{imap.host}"\nimap_port = {imap.port}\n'
                   'imap_security = "none"\n')  # fmt: skip
    (workspace / "mailboxes.toml").write_text(
        f'[[mailbox]]\nname = "luna"\naddress = "Luna at Glowlab <{USER}>"\n'
        f'provider = "{provider}"\nauth = "oauth2"\n{servers}'
        f'oauth_token_url = "{oauth.url}/token"\noauth_device_url = "{oauth.url}/devicecode"\n'
        f'oauth_authorize_url = "{oauth.url}/authorize"\n',
        encoding="utf-8",
    )
    if provider == "microsoft":
        return {"OUTREACH_MICROSOFT_CLIENT_ID": oauth.client_id}
    return {"OUTREACH_GOOGLE_CLIENT_ID": oauth.client_id,
            "OUTREACH_GOOGLE_CLIENT_SECRET": "not-so-secret-desktop"}  # fmt: skip


def test_microsoft_device_code_sign_in_then_the_mailbox_logs_in_with_xoauth2(
    workspace: Path,
) -> None:
    with (
        OAuthTestServer() as oauth,
        DovecotTestServer(user=USER, oauth_introspection_url=f"{oauth.url}/introspect") as imap,
        SmtpTestServer(security="none", xoauth2=oauth.valid) as smtp,
    ):
        env = oauth_mailbox(workspace, "microsoft", oauth, smtp, imap)
        before = run_outreach(workspace, "mailbox", "list", env=env)

        login = run_outreach(workspace, "mailbox", "login", "luna", env=env)
        listed = run_outreach(workspace, "mailbox", "list", env=env)
        tested = run_outreach(workspace, "mailbox", "test", "luna", env=env)
        device_page = f"{oauth.url}/device"

    assert "not signed in: run 'outreach mailbox login luna'" in before.stdout
    assert login.code == 0, login.stderr
    assert f"open {device_page} in any browser and enter the code WDJB-MJHT" in login.stdout
    assert f"Signed in {USER}" in login.stdout
    assert oauth.grants["urn:ietf:params:oauth:grant-type:device_code"] == 2  # one pending
    stored = load_token(workspace, "luna")
    assert stored is not None and stored.provider == "microsoft" and stored.user == USER
    assert stat.S_IMODE(token_path(workspace, "luna").stat().st_mode) == 0o600
    assert "ready (signed in with OAuth 2.0)" in listed.stdout
    assert tested.code == 0, tested.stdout + tested.stderr
    assert tested.stdout.count(f"ok    logged in as {USER}") == 2
    assert smtp.auth_logins == [USER] and smtp.messages == []
    for result in (login, listed, tested):
        assert stored.refresh_token not in result.stdout + result.stderr
        assert (stored.access_token or "-") not in result.stdout + result.stderr


def test_google_sign_in_in_the_browser_comes_back_to_loopback(
    workspace: Path, tmp_path: Path
) -> None:
    # The "browser": follows the sign-in address and its redirect, as a person's would.
    browser = tmp_path / "browser"
    script = "import sys, urllib.request\nurllib.request.urlopen(sys.argv[1]).read()\n"
    browser.write_text(f"#!{sys.executable}\n{script}", encoding="utf-8")
    browser.chmod(0o755)
    with OAuthTestServer() as oauth:
        env = oauth_mailbox(workspace, "gmail", oauth)

        login = run_outreach_process(workspace, "mailbox", "login", "luna",
                                     env={**env, "BROWSER": str(browser)})  # fmt: skip
        authorize = f"{oauth.url}/authorize?"

    assert login.code == 0, login.stderr
    assert authorize in login.stdout and "code_challenge=" in login.stdout
    assert oauth.grants["authorization_code"] == 1
    stored = load_token(workspace, "luna")
    assert stored is not None and stored.provider == "gmail"
    assert stored.refresh_token not in login.stdout + login.stderr


def test_a_pasted_address_that_is_not_this_sign_ins_answer_is_refused(workspace: Path) -> None:
    with OAuthTestServer() as oauth:
        env = oauth_mailbox(workspace, "gmail", oauth)

        pasted = "http://127.0.0.1:1/?code=ac-stolen&state=guessed\n"
        forged = run_outreach(workspace, "mailbox", "login", "luna", "--paste", env=env,
                              stdin=pasted)  # fmt: skip

    assert forged.code == 1
    assert "Then paste the address the browser ended on" in forged.stdout
    assert "that address is not the answer to this sign-in" in forged.stderr
    assert not token_path(workspace, "luna").exists() and oauth.grants == {}


def test_login_explains_what_is_missing_and_logout_forgets(workspace: Path) -> None:
    with OAuthTestServer() as oauth:
        env = oauth_mailbox(workspace, "microsoft", oauth)
        no_app = run_outreach(workspace, "mailbox", "login", "luna")
        run_outreach(workspace, "mailbox", "login", "luna", env=env)

        out = run_outreach(workspace, "mailbox", "logout", "luna", env=env)
        again = run_outreach(workspace, "mailbox", "logout", "luna", env=env)

    assert no_app.code == 1 and "OUTREACH_MICROSOFT_CLIENT_ID is not set" in no_app.stderr
    assert out.code == 0 and "Forgot the sign-in of luna" in out.stdout
    assert "was not signed in here" in again.stdout
    assert not token_path(workspace, "luna").exists()
