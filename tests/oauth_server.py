"""A real OAuth 2.0 token endpoint on loopback: refresh and device code grants, revocation,
and token introspection (RFC 7662) for Dovecot's oauth2 passdb."""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import threading
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from urllib.parse import parse_qs, urlencode, urlsplit


class OAuthTestServer:
    """Issues, refreshes and revokes tokens for known users; counts every grant."""

    def __init__(self, client_id: str = "test-client", lifetime_seconds: int = 3600) -> None:
        self.client_id = client_id
        self.lifetime_seconds = lifetime_seconds
        self.rotate_refresh_tokens = True  # as Microsoft does
        self.device_pending_polls = 1  # "authorization_pending" answers before the sign-in
        self.device_user = "luna@glowlab.example"
        self.grants: Counter[str] = Counter()
        self._lock = threading.Lock()
        self._refresh: dict[str, str] = {}  # refresh token -> user
        self._access: dict[str, str] = {}  # access token -> user
        self._devices: dict[str, int] = {}  # device code -> polls so far
        self._codes: dict[str, tuple[str, str]] = {}  # authorization code -> (challenge, uri)
        self.browser_user = "luna@glowlab.example"  # who signs in at /authorize
        self._server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        """The base address, e.g. http://127.0.0.1:PORT."""
        assert self._server is not None
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def issue_refresh_token(self, user: str) -> str:
        """A valid refresh token for the user (what a finished sign-in left behind)."""
        token = "rt-" + secrets.token_urlsafe(12)
        with self._lock:
            self._refresh[token] = user
        return token

    def revoke_all(self) -> None:
        """The person revoked the app's access: no token works any more."""
        with self._lock:
            self._refresh.clear()
            self._access.clear()

    def expire_access_tokens(self) -> None:
        """Access tokens end early (the provider may do so any time); refresh tokens still work."""
        with self._lock:
            self._access.clear()

    def valid(self, user: str, access_token: str) -> bool:
        """Whether the access token is live and belongs to the user (for the SMTP server)."""
        with self._lock:
            return self._access.get(access_token) == user

    def _issue(self, user: str, refresh_token: str | None) -> dict[str, object]:
        access = "at-" + secrets.token_urlsafe(12)
        self._access[access] = user
        answer: dict[str, object] = {"access_token": access, "token_type": "Bearer",
                                     "expires_in": self.lifetime_seconds}  # fmt: skip
        if refresh_token is not None:
            answer["refresh_token"] = refresh_token
        return answer

    def handle(self, path: str, form: dict[str, str]) -> tuple[int, dict[str, object]]:
        """One request to the endpoint: status and JSON answer."""
        with self._lock:
            if path == "/introspect":
                user = self._access.get(form.get("token", ""))
                return 200, ({"active": True, "username": user} if user else {"active": False})
            if form.get("client_id") != self.client_id:
                return 401, {"error": "invalid_client", "error_description": "unknown client"}
            if path == "/devicecode":
                code = "dc-" + secrets.token_urlsafe(8)
                self._devices[code] = 0
                return 200, {"device_code": code, "user_code": "WDJB-MJHT",
                             "verification_uri": f"{self.url}/device", "interval": 1,
                             "expires_in": 60}  # fmt: skip
            if path != "/token":
                return 404, {"error": "not_found"}
            grant = form.get("grant_type", "")
            self.grants[grant] += 1
            if grant == "refresh_token":
                user = self._refresh.get(form.get("refresh_token", ""))
                if user is None:
                    return 400, {"error": "invalid_grant",
                                 "error_description": "AADSTS70008: the refresh token has "
                                 "expired or been revoked"}  # fmt: skip
                renewed = None
                if self.rotate_refresh_tokens:
                    renewed = "rt-" + secrets.token_urlsafe(12)
                    self._refresh[renewed] = user
                return 200, self._issue(user, renewed)
            if grant == "authorization_code":
                challenge, redirect_uri = self._codes.pop(form.get("code", ""), ("", ""))
                verifier = form.get("code_verifier", "")
                if not challenge or _s256(verifier) != challenge:
                    return 400, {"error": "invalid_grant", "error_description": "bad code"}
                if form.get("redirect_uri") != redirect_uri:
                    return 400, {"error": "invalid_grant", "error_description": "redirect_uri"}
                refresh = "rt-" + secrets.token_urlsafe(12)
                self._refresh[refresh] = self.browser_user
                return 200, self._issue(self.browser_user, refresh)
            if grant == "urn:ietf:params:oauth:grant-type:device_code":
                code = form.get("device_code", "")
                if code not in self._devices:
                    return 400, {"error": "expired_token"}
                self._devices[code] += 1
                if self._devices[code] <= self.device_pending_polls:
                    return 400, {"error": "authorization_pending"}
                del self._devices[code]
                refresh = "rt-" + secrets.token_urlsafe(12)
                self._refresh[refresh] = self.device_user
                return 200, self._issue(self.device_user, refresh)
            return 400, {"error": "unsupported_grant_type"}

    def authorize(self, query: dict[str, str]) -> str:
        """The browser's visit to /authorize: where the provider redirects it (code, state)."""
        if query.get("client_id") != self.client_id or query.get("code_challenge_method") != "S256":
            return f"{query.get('redirect_uri', '')}?error=invalid_request"
        code = "ac-" + secrets.token_urlsafe(8)
        with self._lock:
            self._codes[code] = (query.get("code_challenge", ""), query.get("redirect_uri", ""))
        return (
            f"{query['redirect_uri']}?{urlencode({'code': code, 'state': query.get('state', '')})}"
        )

    def start(self) -> OAuthTestServer:
        """Listen on a free loopback port in a background thread."""
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                parts = urlsplit(self.path)
                query = {key: values[0] for key, values in parse_qs(parts.query).items()}
                self.send_response(302)
                self.send_header("Location", owner.authorize(query))
                self.end_headers()

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length).decode("utf-8")
                form = {key: values[0] for key, values in parse_qs(body).items()}
                status, answer = owner.handle(self.path.split("?")[0], form)
                data = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: object) -> None:
                pass  # quiet: the tests assert on what matters

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        """Stop listening."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> OAuthTestServer:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:  # fmt: skip
        self.stop()


def _s256(verifier: str) -> str:
    """PKCE's S256 challenge of a verifier (RFC 7636 section 4.2)."""
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).decode("ascii").rstrip("=")
