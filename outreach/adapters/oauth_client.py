"""OAuth 2.0 token requests with authlib (over requests): refresh, device code, code + PKCE."""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from outreach.core.oauth_providers import OAuthEndpoints
from outreach.errors import OutreachError, SignInRevoked, SignInUnavailable
from outreach.settings import OAuthClient

DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
HTTP_TIMEOUT_SECONDS = 20.0


@dataclass(frozen=True)
class Grant:
    """What a token request gave: an access token until a moment, maybe a new refresh token."""

    access_token: str
    expires_at: datetime
    refresh_token: str | None

    def __repr__(self) -> str:
        return f"Grant(expires_at={self.expires_at.isoformat()}, tokens=********)"


@dataclass(frozen=True)
class DeviceCode:
    """A device code sign-in under way: the person enters user_code at verification_uri."""

    device_code: str
    user_code: str
    verification_uri: str
    interval: int
    expires_in: int


def refresh_grant(
    endpoints: OAuthEndpoints, client: OAuthClient, refresh_token: str, now: datetime
) -> Grant:
    """A new access token for the refresh token (RFC 6749 section 6)."""
    with _session(client, endpoints) as session:
        token = _ask(lambda: session.refresh_token(endpoints.token_url,
                                                   refresh_token=refresh_token))  # fmt: skip
    return _grant(token, now)


def start_device_code(endpoints: OAuthEndpoints, client: OAuthClient) -> DeviceCode:
    """Ask for a device code (RFC 8628 section 3.1)."""
    if endpoints.device_url is None:
        raise OutreachError("this provider has no device code sign-in; use the browser sign-in")
    with _session(client, endpoints) as session:
        data = {"client_id": client.client_id, "scope": " ".join(endpoints.scopes)}
        answer = _ask(lambda: session.post(endpoints.device_url, data=data, withhold_token=True,
                                           timeout=HTTP_TIMEOUT_SECONDS))  # fmt: skip
        body = _json(answer)
    if answer.status_code != 200 or "device_code" not in body:
        raise SignInUnavailable(f"device code refused: {_error_text(body, answer.status_code)}")
    return DeviceCode(
        device_code=str(body["device_code"]), user_code=str(body["user_code"]),
        verification_uri=str(body.get("verification_uri") or body.get("verification_url")),
        interval=int(body.get("interval", 5)), expires_in=int(body.get("expires_in", 900)),
    )  # fmt: skip


def wait_for_device_code(
    endpoints: OAuthEndpoints, client: OAuthClient, device: DeviceCode,
    clock: Callable[[], datetime], sleep: Callable[[float], None] = time.sleep,
) -> Grant:  # fmt: skip
    """Poll the token endpoint until the person has signed in, refused, or time ran out."""
    interval = max(device.interval, 1)
    deadline = clock() + timedelta(seconds=device.expires_in)
    with _session(client, endpoints) as session:
        while clock() < deadline:
            sleep(interval)
            try:
                token = _ask(lambda: session.fetch_token(
                    endpoints.token_url, grant_type=DEVICE_GRANT,
                    device_code=device.device_code, client_id=client.client_id,
                ))  # fmt: skip
            except _Pending as pending:
                if pending.error == "slow_down":
                    interval += 5  # RFC 8628 section 3.5
                continue
            return _grant(token, clock())
    raise SignInRevoked("the code was not entered in time; run the sign-in again")


def authorization_url(
    endpoints: OAuthEndpoints, client: OAuthClient, redirect_uri: str
) -> tuple[str, str, str]:
    """The address the person opens to sign in, with its state and PKCE verifier."""
    verifier = secrets.token_urlsafe(64)
    with _session(client, endpoints, redirect_uri) as session:
        url, state = session.create_authorization_url(
            endpoints.authorize_url, code_verifier=verifier,
            access_type="offline", prompt="consent",  # Google: a refresh token every time
        )  # fmt: skip
    return url, state, verifier


def exchange_code(
    endpoints: OAuthEndpoints, client: OAuthClient, code: str, redirect_uri: str,
    verifier: str, now: datetime,
) -> Grant:  # fmt: skip
    """Tokens for the code the provider sent back to the redirect address."""
    with _session(client, endpoints, redirect_uri) as session:
        token = _ask(lambda: session.fetch_token(endpoints.token_url, code=code,
                                                 code_verifier=verifier))  # fmt: skip
    return _grant(token, now)


class _Pending(Exception):
    def __init__(self, error: str) -> None:
        super().__init__(error)
        self.error = error


def _session(
    client: OAuthClient, endpoints: OAuthEndpoints, redirect_uri: str | None = None
) -> Any:
    # Imported here: only a mailbox that signs in with OAuth 2.0 pays for loading them.
    from authlib.integrations.requests_client import OAuth2Session

    secret = client.client_secret.reveal() if client.client_secret else None
    return OAuth2Session(
        client_id=client.client_id, client_secret=secret, scope=" ".join(endpoints.scopes),
        redirect_uri=redirect_uri, default_timeout=HTTP_TIMEOUT_SECONDS,
        code_challenge_method="S256",
        # A public client (Microsoft's device flow) sends its id in the body, no secret.
        token_endpoint_auth_method="client_secret_post" if secret else "none",
    )  # fmt: skip


def _ask(request: Callable[[], Any]) -> Any:
    """Run one token request; the provider's refusals and network trouble become ours."""
    import requests
    from authlib.integrations.base_client.errors import OAuthError

    try:
        return request()
    except OAuthError as exc:
        if exc.error in ("authorization_pending", "slow_down"):
            raise _Pending(exc.error) from None
        if exc.error in ("invalid_grant", "access_denied", "expired_token", "invalid_client",
                         "unauthorized_client"):  # fmt: skip
            raise SignInRevoked(_described(exc.error, exc.description)) from None
        raise SignInUnavailable(_described(exc.error, exc.description)) from None
    except requests.RequestException as exc:
        raise SignInUnavailable(
            f"the provider could not be reached: {type(exc).__name__}"
        ) from None
    except ValueError as exc:  # an answer that is not JSON
        raise SignInUnavailable(f"the provider's answer was not understood: {exc}") from None


def _grant(token: Any, now: datetime) -> Grant:
    if "access_token" not in token:
        raise SignInUnavailable("the provider's answer has no access token")
    expires_in = int(token.get("expires_in") or 3600)
    return Grant(str(token["access_token"]), now + timedelta(seconds=expires_in),
                 token.get("refresh_token"))  # fmt: skip


def _json(answer: Any) -> dict[str, Any]:
    try:
        body = answer.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def _error_text(body: dict[str, Any], status: int) -> str:
    return _described(str(body.get("error", f"HTTP {status}")), body.get("error_description"))


def _described(error: str, description: object) -> str:
    # The provider's own words; they never contain our tokens (those are only in requests).
    first = str(description).splitlines()[0] if description else ""
    return f"{error}: {first}" if first else error
