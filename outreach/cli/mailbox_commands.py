"""`outreach mailbox`: the mailboxes a workspace sends from and reads (no secret is shown)."""

from __future__ import annotations

from typing import Annotated

import typer

from outreach.adapters.models import utcnow
from outreach.adapters.token_store import forget_token, token_path
from outreach.cli.clock import NowOption, clock_for
from outreach.cli.output import note, say, table
from outreach.cli.state import state
from outreach.core.mailbox_spec import Endpoint
from outreach.errors import SettingsError
from outreach.services.mailboxes import Mailbox, configured_mailboxes, find_mailbox
from outreach.services.sender_health import set_sender_paused

app = typer.Typer(help="Mailboxes: list them, test their logins, sign in with OAuth 2.0.",
                  no_args_is_help=True)  # fmt: skip


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
    # The mail libraries are loaded by the commands that talk to servers, not by `list`.
    from outreach.services.mailbox_check import check_mailbox

    settings = state(ctx).settings()
    mailbox = find_mailbox(settings, name)
    lines = check_mailbox(mailbox)
    for line in lines:
        say(f"{line.server:<5} {line.where:<40} {'ok' if line.ok else 'FAIL':<5} {line.message}")
    if not all(line.ok for line in lines):
        raise typer.Exit(1)


@app.command("login")
def login_command(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="A mailbox with auth = \"oauth2\"")],
    paste: Annotated[bool, typer.Option(
        "--paste", help="Google, on a machine without a browser: open the address elsewhere "
        "and paste the address the browser ended on")] = False,
) -> None:  # fmt: skip
    """Sign the mailbox in with OAuth 2.0 (Google or Microsoft); its tokens stay in .oauth/."""
    from outreach.services.mailbox_signin import sign_in_in_browser, sign_in_with_device_code

    settings = state(ctx).settings()
    mailbox = find_mailbox(settings, name)
    if mailbox.spec.auth != "oauth2":
        raise SettingsError(f"mailbox {name!r} logs in with a password ({mailbox.password_key}); "
                         'set auth = "oauth2" in mailboxes.toml to sign in instead')  # fmt: skip
    if mailbox.spec.provider == "microsoft":
        sign_in_with_device_code(settings, mailbox, say, utcnow)
    else:
        import webbrowser

        reader = (lambda: input()) if paste else None
        sign_in_in_browser(settings, mailbox, say, webbrowser.open, utcnow, pasted=reader)
    say(f"Signed in {mailbox.spec.user}. The sign-in is kept in "
        f"{token_path(settings.workspace, name)}, readable by you only; "
        f"'outreach mailbox test {name}' checks it.")  # fmt: skip


@app.command("logout")
def logout_command(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="A mailbox signed in with OAuth 2.0")],
) -> None:
    """Forget the mailbox's OAuth 2.0 sign-in here (revoke it in the account too)."""
    settings = state(ctx).settings()
    find_mailbox(settings, name)
    if forget_token(settings.workspace, name):
        say(f"Forgot the sign-in of {name}. To cut access everywhere, also remove the app in "
            "the account's security settings.")  # fmt: skip
    else:
        say(f"{name} was not signed in here.")


@app.command("pause")
def pause_command(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="The mailbox (see 'outreach mailbox list')")],
    now: NowOption = None,
) -> None:
    """Stop sending from this mailbox (its messages wait; new creators go to the others)."""
    _set_paused(ctx, name, True, now)
    say(f"Paused {name}: nothing is sent from it until 'outreach mailbox resume {name}'.")


@app.command("resume")
def resume_command(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="The mailbox (see 'outreach mailbox list')")],
    now: NowOption = None,
) -> None:
    """Send from this mailbox again; a failing one is tried at the next run, not later."""
    due = _set_paused(ctx, name, False, now)
    say(f"Resumed {name}: {due} waiting message(s) are due now.")


def _set_paused(ctx: typer.Context, name: str, paused: bool, now: str | None) -> int:
    workspace_app = state(ctx).app()
    find_mailbox(workspace_app.settings, name)  # a typo names the mailboxes there are
    with workspace_app.session() as session:
        due = set_sender_paused(session, name, paused, clock_for(now)())
        session.commit()
    return due


def _row(mailbox: Mailbox) -> tuple[object, ...]:
    spec = mailbox.spec
    return (spec.name, spec.address, spec.provider, spec.auth, _server(spec.smtp),
            _server(spec.imap), spec.user, spec.per_day or "campaign's", mailbox.ready)  # fmt: skip


def _server(endpoint: Endpoint) -> str:
    if not endpoint.host:
        return "-"
    return f"{endpoint.host}:{endpoint.port} {endpoint.security}"
