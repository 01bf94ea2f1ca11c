"""A mailbox's OAuth 2.0 access token: stored, refreshed before it expires or when refused."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta

from outreach.adapters.models import utcnow
from outreach.adapters.oauth_client import refresh_grant
from outreach.adapters.token_store import StoredToken, load_token, save_token, token_path
from outreach.core.mailbox_spec import MailboxSpec
from outreach.core.oauth_providers import OAuthEndpoints, provider_endpoints, with_overrides
from outreach.errors import SignInRevoked
from outreach.settings import OAuthClient, Settings

# A token this close to its end is renewed first: a long send or sync must not outlive it.
REFRESH_BEFORE = timedelta(minutes=5)


def oauth_client(settings: Settings, spec: MailboxSpec) -> tuple[OAuthClient, OAuthEndpoints]:
    """The brand's app and the provider's endpoints for this mailbox; refuses naming the setting."""
    client = settings.oauth_clients.get(spec.provider)
    tenant = client.tenant if client else "common"
    endpoints = with_overrides(
        provider_endpoints(spec.provider, tenant),
        spec.oauth_token_url,
        spec.oauth_device_url,
        spec.oauth_authorize_url,
    )
    if client is None:
        raise SignInRevoked(
            f"mailbox {spec.name!r} signs in with OAuth 2.0 but {endpoints.client_setting} is "
            "not set (see README, 'Connect your mailbox')"
        )
    return client, endpoints


class AccessTokens:
    """Gives the mailbox's access token; call with True for a fresh one after a refusal."""

    def __init__(
        self, settings: Settings, spec: MailboxSpec, clock: Callable[[], datetime] = utcnow
    ) -> None:
        self.settings = settings
        self.spec = spec
        self.clock = clock
        self._lock = threading.Lock()  # a sync thread and the sender may ask at once

    def signed_in(self) -> bool:
        """Whether `outreach mailbox login` has left a sign-in to use (read when asked)."""
        return token_path(self.settings.workspace, self.spec.name).exists()

    def __call__(self, fresh: bool = False) -> str:
        """A valid access token; raises SignInError (revoked or unavailable) when there is none."""
        with self._lock:
            stored = load_token(self.settings.workspace, self.spec.name)
            if stored is None:
                raise SignInRevoked(
                    f"mailbox {self.spec.name!r} has not signed in: run "
                    f"`outreach mailbox login {self.spec.name}`"
                )
            now = self.clock()
            if (
                not fresh
                and stored.access_token
                and stored.expires_at is not None
                and stored.expires_at - now > REFRESH_BEFORE
            ):
                return stored.access_token
            return self._refresh(stored, now)

    def _refresh(self, stored: StoredToken, now: datetime) -> str:
        client, endpoints = oauth_client(self.settings, self.spec)
        try:
            grant = refresh_grant(endpoints, client, stored.refresh_token, now)
        except SignInRevoked as exc:
            raise SignInRevoked(
                f"mailbox {self.spec.name!r}: the sign-in is no longer valid ({exc}); run "
                f"`outreach mailbox login {self.spec.name}`"
            ) from None
        # Microsoft sends a new refresh token with each grant; the old one may stop working.
        save_token(self.settings.workspace, self.spec.name, replace(
            stored, refresh_token=grant.refresh_token or stored.refresh_token,
            access_token=grant.access_token, expires_at=grant.expires_at,
        ))  # fmt: skip
        return grant.access_token
