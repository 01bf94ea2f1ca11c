"""`outreach mailbox`: the mailboxes a workspace sends from and reads (no secret is shown)."""

from __future__ import annotations

from typing import Annotated

import typer

from outreach.cli.output import note, say, table
from outreach.cli.state import state
from outreach.core.mailbox_spec import Endpoint
from outreach.services.mailbox_check import check_mailbox
from outreach.services.mailboxes import Mailbox, configured_mailboxes, find_mailbox

app = typer.Typer(help="Mailboxes: list them, test their logins.", no_args_is_help=True)


@app.command("list")
def list_command(ctx: typer.Context) -> None:
    """Every mailbox with its servers, daily cap and what it still needs; never a password."""
    settings = state(ctx).settings()
    mailboxes = configured_mailboxes(settings)
    headers = ("name", "address", "provider", "auth", "smtp", "imap", "login", "per day", "status")
    table(headers, [_row(m) for m in mailboxes])
    if not mailboxes:
        note("No mailbox: set OUTREACH_SMTP_HOST (and the rest) in .env, or write "
             "mailboxes.toml (see 'Connect your mailbox' in the README).")  # fmt: skip
    say(f"{len(mailboxes)} mailbox(es)")


@app.command("test")
def test_command(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="The mailbox (see 'outreach mailbox list')")],
) -> None:
    """Log in to the mailbox's SMTP and IMAP servers and out again; nothing is sent."""
    settings = state(ctx).settings()
    mailbox = find_mailbox(settings, name)
    lines = check_mailbox(mailbox)
    for line in lines:
        say(f"{line.server:<5} {line.where:<40} {'ok' if line.ok else 'FAIL':<5} {line.message}")
    if not all(line.ok for line in lines):
        raise typer.Exit(1)


def _row(mailbox: Mailbox) -> tuple[object, ...]:
    spec = mailbox.spec
    return (spec.name, spec.address, spec.provider, spec.auth, _server(spec.smtp),
            _server(spec.imap), spec.user, spec.per_day or "campaign's", mailbox.ready)  # fmt: skip


def _server(endpoint: Endpoint) -> str:
    if not endpoint.host:
        return "-"
    return f"{endpoint.host}:{endpoint.port} {endpoint.security}"
