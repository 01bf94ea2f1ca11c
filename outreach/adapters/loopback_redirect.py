"""The address a provider sends the browser back to after sign-in: one request on 127.0.0.1.

RFC 8252 section 7.3: a desktop tool listens on the loopback interface on a port of its own
choosing, for one redirect only, and answers the browser with a page that says it is done.
"""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from types import TracebackType
from urllib.parse import parse_qs, urlsplit

_DONE_PAGE = (
    b"<!doctype html><meta charset=utf-8><title>outreach</title>"
    b"<p>Signed in. You can close this window and go back to the terminal.</p>"
)


class LoopbackRedirect:
    """Listens for the one redirect; `wait` gives its query parameters."""

    def __init__(self) -> None:
        self._received: dict[str, str] | None = None
        self._arrived = threading.Event()
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                query = parse_qs(urlsplit(self.path).query)
                if "code" not in query and "error" not in query:
                    self.send_response(404)  # a favicon or a stray request: not the redirect
                    self.end_headers()
                    return
                owner._received = {key: values[0] for key, values in query.items()}
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.end_headers()
                self.wfile.write(_DONE_PAGE)
                owner._arrived.set()

            def log_message(self, format: str, *args: object) -> None:
                pass  # the code in the address must not reach a log

        self._server = HTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def redirect_uri(self) -> str:
        """Where the provider should send the browser back."""
        return f"http://127.0.0.1:{self._server.server_address[1]}/"

    def wait(self, timeout_seconds: float) -> dict[str, str] | None:
        """The redirect's parameters, or None when none came in time."""
        self._arrived.wait(timeout_seconds)
        return self._received

    def __enter__(self) -> LoopbackRedirect:
        self._thread.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:  # fmt: skip
        self._server.shutdown()
        self._server.server_close()
