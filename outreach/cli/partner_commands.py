"""`outreach partners`: the best past partners for a new campaign; promote ambassadors."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from outreach.adapters.campaign_files import find_campaign
from outreach.adapters.models import CreatorStatus
from outreach.cli.clock import NowOption, clock_for
from outreach.cli.output import note, say, table, table_or_json
from outreach.cli.state import state
from outreach.services.creators import find_creator
from outreach.services.partners import rank_partners, set_ambassador
from outreach.services.suppressions import suppression_for

app = typer.Typer(
    help="Past partners, best first, with the reasons for each score; promote ambassadors."
)

_BLOCKED = (CreatorStatus.OPTED_OUT.value, CreatorStatus.BOUNCED.value)
Handle = Annotated[str, typer.Argument(help="Creator handle, e.g. misaki or instagram:misaki")]


@app.callback(invoke_without_command=True)
def list_partners(
    ctx: typer.Context,
    campaign: Annotated[
        str | None,
        typer.Option("--campaign", help="Only creators who fit it and are not enrolled in it"),
    ] = None,
    limit: Annotated[int, typer.Option("--limit", min=1, help="Show at most N")] = 20,
    output: Annotated[str, typer.Option("--format", help="table or json")] = "table",
    now: NowOption = None,
) -> None:
    """The best past partners, best first, with the reasons for each score."""
    if ctx.invoked_subcommand is not None:
        return
    table_or_json(output)
    workspace_app = state(ctx).app()
    spec = find_campaign(workspace_app.schedules, campaign) if campaign else None
    with workspace_app.reading() as session:
        partners = rank_partners(session, clock_for(now)(), spec)[:limit]
    if output == "json":
        say(json.dumps([p.as_json() for p in partners], ensure_ascii=False, indent=2))
        return
    if not partners:
        say(
            "No past partners" + (f" for {campaign}" if campaign else "") + ": a creator counts "
            "once enrolled in a campaign or with an agreement (and not opted out or suppressed)."
        )
        return
    table(
        ("handle", "name", "score", "ambassador", "campaigns", "reasons"),
        [("@" + p.handle, p.name, p.score.points, "yes" if p.ambassador else "", p.campaigns,
          "; ".join(p.score.reasons)) for p in partners],
    )  # fmt: skip
    scope = f" for {campaign}" if campaign else ""
    say(f"{len(partners)} past partner{'s' if len(partners) != 1 else ''}{scope}")


@app.command("promote")
def promote(ctx: typer.Context, handle: Handle, now: NowOption = None) -> None:
    """Mark a creator as an ambassador: a clear bonus in every partner score."""
    _set(ctx, handle, True, now)


@app.command("demote")
def demote(ctx: typer.Context, handle: Handle, now: NowOption = None) -> None:
    """Take the ambassador mark away again (the promotion stays in the history)."""
    _set(ctx, handle, False, now)


def _set(ctx: typer.Context, handle: str, value: bool, now: str | None) -> None:
    with state(ctx).app().session() as session:
        creator = find_creator(session, handle)
        changed = set_ambassador(session, creator, value, clock_for(now)())
        blocked = suppression_for(session, creator.email)
        status = creator.status
    done = {(True, True): "is now", (True, False): "is already",
            (False, True): "is no longer", (False, False): "was not"}[value, changed]  # fmt: skip
    say(f"@{creator.handle} {done} an ambassador")
    if value and (blocked or status in _BLOCKED):
        why = f"suppressed ({blocked.address})" if blocked else status.replace("_", " ")
        note(f"note: @{creator.handle} is {why}, so is never listed or enrolled")
