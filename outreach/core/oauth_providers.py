"""Where Google and Microsoft sign mail programs in (OAuth 2.0), and what they must ask for.

From each provider's documentation for IMAP and SMTP with OAuth 2.0: Google's "OAuth 2.0 for
Mobile & Desktop Apps" and "IMAP, POP, and SMTP" (the scope https://mail.google.com/), and
Microsoft's "Authenticate an IMAP, POP or SMTP connection using OAuth" (the Outlook scopes
IMAP.AccessAsUser.All and SMTP.Send, and offline_access for a refresh token).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class OAuthEndpoints:
    """One provider's sign-in addresses and the scopes mail needs."""

    authorize_url: str
    token_url: str
    device_url: str | None  # None: no device code flow (Google's has no mail scope there)
    scopes: tuple[str, ...]
    client_setting: str  # the setting that names the brand's app, e.g. OUTREACH_GOOGLE_CLIENT_ID


def provider_endpoints(provider: str, tenant: str = "common") -> OAuthEndpoints:
    """The endpoints of "gmail" or "microsoft" (the tenant picks Microsoft's directory)."""
    if provider == "gmail":
        return OAuthEndpoints(
            authorize_url="https://accounts.google.com/o/oauth2/v2/auth",
            token_url="https://oauth2.googleapis.com/token",
            device_url=None,
            scopes=("https://mail.google.com/",),
            client_setting="OUTREACH_GOOGLE_CLIENT_ID",
        )
    if provider == "microsoft":
        base = f"https://login.microsoftonline.com/{tenant}/oauth2/v2.0"
        return OAuthEndpoints(
            authorize_url=f"{base}/authorize",
            token_url=f"{base}/token",
            device_url=f"{base}/devicecode",
            scopes=(
                "https://outlook.office.com/IMAP.AccessAsUser.All",
                "https://outlook.office.com/SMTP.Send",
                "offline_access",
            ),
            client_setting="OUTREACH_MICROSOFT_CLIENT_ID",
        )
    raise ValueError(f"provider {provider!r} has no OAuth 2.0 sign-in here")


def with_overrides(
    endpoints: OAuthEndpoints, token_url: str | None, device_url: str | None,
    authorize_url: str | None = None,
) -> OAuthEndpoints:  # fmt: skip
    """The endpoints with a mailbox's own addresses (a national cloud, a test endpoint)."""
    return OAuthEndpoints(
        authorize_url=authorize_url or endpoints.authorize_url,
        token_url=token_url or endpoints.token_url,
        device_url=device_url or endpoints.device_url,
        scopes=endpoints.scopes,
        client_setting=endpoints.client_setting,
    )
