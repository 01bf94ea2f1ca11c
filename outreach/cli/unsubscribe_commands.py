"""`outreach serve-unsubscribe`: the page behind each message's one-click unsubscribe link."""

from __future__ import annotations

from typing import Annotated

import typer

from outreach.adapters.models import utcnow
from outreach.adapters.unsubscribe_web import make_wsgi_app, serve
from outreach.cli.output import note
from outreach.cli.state import state
from outreach.errors import SettingsError
from outreach.services.unsubscribe import look_up, unsubscribe


def serve_unsubscribe(
    ctx: typer.Context,
    host: Annotated[str, typer.Option(help="Address to listen on (your HTTPS proxy's side)")]
    = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on")] = 8025,
) -> None:  # fmt: skip
    """Answer one-click unsubscribe links (RFC 8058) until stopped; put HTTPS in front."""
    workspace_app = state(ctx).app()
    settings = workspace_app.settings
    if not settings.unsubscribe_url or settings.unsubscribe_secret is None:
        raise SettingsError("set OUTREACH_UNSUBSCRIBE_URL (the public https address of this "
                            "page) and OUTREACH_UNSUBSCRIBE_SECRET first")  # fmt: skip
    application = make_wsgi_app(
        lambda token, now: look_up(workspace_app, token, now),
        lambda token, now: unsubscribe(workspace_app, token, now),
        utcnow,
    )
    note(f"Answering {settings.unsubscribe_url}/<token> on http://{host}:{port}/ "
         "(stop with Ctrl-C)")  # fmt: skip
    serve(application, host, port)
