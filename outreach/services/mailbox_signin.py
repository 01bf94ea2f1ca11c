"""`outreach mailbox login`: sign a mailbox in with OAuth 2.0 and keep only its tokens."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import datetime
from urllib.parse import parse_qs, urlsplit

from outreach.adapters.loopback_redirect import LoopbackRedirect
from outreach.adapters.oauth_client import (
    Grant,
    authorization_url,
    exchange_code,
    start_device_code,
    wait_for_device_code,
)
from outreach.adapters.token_store import StoredToken, save_token
from outreach.errors import OutreachError, SignInRevoked
from outreach.services.mailbox_tokens import oauth_client
from outreach.services.mailboxes import Mailbox
from outreach.settings import Settings

BROWSER_WAIT_SECONDS = 300.0


def sign_in_with_device_code(
    settings: Settings, mailbox: Mailbox, tell: Callable[[str], None],
    clock: Callable[[], datetime],
) -> StoredToken:  # fmt: skip
    """Microsoft's way for a tool without a browser: a code the person enters elsewhere."""
    client, endpoints = oauth_client(settings, mailbox.spec)
    device = start_device_code(endpoints, client)
    minutes = device.expires_in // 60
    tell(f"To sign in {mailbox.spec.user}, open {device.verification_uri} in any browser and "
         f"enter the code {device.user_code} (within {minutes} minutes).")  # fmt: skip
    grant = wait_for_device_code(endpoints, client, device, clock)
    return _keep(settings, mailbox, grant)


def sign_in_in_browser(
    settings: Settings, mailbox: Mailbox, tell: Callable[[str], None],
    open_browser: Callable[[str], object], clock: Callable[[], datetime],
    pasted: Callable[[], str] | None = None,
) -> StoredToken:  # fmt: skip
    """Google's way for a desktop tool: the browser signs in and comes back to 127.0.0.1.

    With `pasted`, for a machine without a browser: the person opens the address elsewhere and
    pastes the address the browser ended on (it cannot load, but it holds the code).
    """
    client, endpoints = oauth_client(settings, mailbox.spec)
    with LoopbackRedirect() as loopback:
        url, state, verifier = authorization_url(endpoints, client, loopback.redirect_uri)
        tell(f"To sign in {mailbox.spec.user}, open this address and allow access:\n{url}")
        if pasted is None:
            open_browser(url)
            answer = loopback.wait(BROWSER_WAIT_SECONDS)
            if answer is None:
                raise SignInRevoked("no answer from the browser in 5 minutes; run the login again")
        else:
            tell("Then paste the address the browser ended on (it starts with "
                 f"{loopback.redirect_uri}):")  # fmt: skip
            answer = {k: v[0] for k, v in parse_qs(urlsplit(pasted().strip()).query).items()}
    if "error" in answer:
        raise SignInRevoked(f"the provider refused: {answer['error']}")
    # The state proves the answer belongs to this sign-in and not to a forged link.
    if not secrets.compare_digest(answer.get("state", ""), state) or "code" not in answer:
        raise OutreachError("that address is not the answer to this sign-in; run the login again")
    grant = exchange_code(endpoints, client, answer["code"], loopback.redirect_uri, verifier,
                          clock())  # fmt: skip
    return _keep(settings, mailbox, grant)


def _keep(settings: Settings, mailbox: Mailbox, grant: Grant) -> StoredToken:
    if not grant.refresh_token:
        raise SignInRevoked(
            "the provider gave no refresh token (Microsoft: the app needs offline_access; "
            "Google: remove the app's access in your account and sign in again)"
        )
    token = StoredToken(
        provider=mailbox.spec.provider, user=mailbox.spec.user,
        refresh_token=grant.refresh_token, access_token=grant.access_token,
        expires_at=grant.expires_at,
    )  # fmt: skip
    save_token(settings.workspace, mailbox.spec.name, token)
    return token
