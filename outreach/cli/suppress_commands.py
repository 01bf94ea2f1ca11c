"""`outreach suppress`: the do-not-contact list."""

from __future__ import annotations

from typing import Annotated

import typer

from outreach.cli.output import say, table
from outreach.cli.state import state
from outreach.services.suppressions import add_suppression, list_suppressions, remove_suppression

app = typer.Typer(help="Addresses and domains never to contact.", no_args_is_help=True)

Entry = Annotated[str, typer.Argument(help="Address, or @domain for a whole domain")]


@app.command("add")
def add_command(
    ctx: typer.Context,
    address: Entry,
    reason: Annotated[str, typer.Option(help="Why (kept with the entry)")] = "added by hand",
) -> None:
    """Never contact this address (or @domain) again, in any campaign."""
    workspace_app = state(ctx).app()
    with workspace_app.session() as session:
        entry, created = add_suppression(session, address, reason, workspace_app.clock())
        session.commit()
    if created:
        say(f"Suppressed {entry.address} ({entry.reason})")
    else:
        say(
            f"{entry.address} was already suppressed since {entry.created_at:%Y-%m-%d} "
            f"({entry.reason})"
        )


@app.command("remove")
def remove_command(ctx: typer.Context, address: Entry) -> None:
    """Allow contacting this address again."""
    workspace_app = state(ctx).app()
    with workspace_app.session() as session:
        entry = remove_suppression(session, address, workspace_app.clock())
    say(f"Removed {entry.address} from suppressions")


@app.command("list")
def list_command(ctx: typer.Context) -> None:
    """Every suppressed address and domain, oldest first."""
    with state(ctx).app().reading() as session:
        entries = list_suppressions(session)
    rows = [(e.address, e.reason, e.source, f"{e.created_at:%Y-%m-%d}") for e in entries]
    table(("address", "reason", "source", "since"), rows)
    say(f"{len(rows)} suppressed")
