"""`outreach contacts`: import, list, show creators; record consent; forget one."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Annotated

import typer

from outreach.adapters.models import Creator, CreatorStatus
from outreach.cli.clock import NowOption, clock_for
from outreach.cli.output import note, say, table
from outreach.cli.state import state
from outreach.core.tiers import TIERS, tier_for
from outreach.services.consent import record_consent
from outreach.services.creators import CreatorFilter, find_creator, list_creators
from outreach.services.erasure import forget_creator
from outreach.services.importing import import_creators

MAX_CELL_CHARACTERS = 40  # a 5,000-character name must not make the table unreadable

app = typer.Typer(help="Import, list, show and forget creators.", no_args_is_help=True)


@app.command("import")
def import_command(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="CSV file of creators")],
    now: NowOption = None,
) -> None:
    """Import creators from CSV; bad rows are reported by line and skipped."""
    workspace_app = state(ctx).app()
    moment = clock_for(now)()
    with workspace_app.session() as session:
        report = import_creators(session, file, moment)
    for problem in report.problems:
        note(problem)
    say(
        f"Imported {report.imported}, updated {report.updated}, unchanged {report.unchanged}, "
        f"skipped {report.skipped}."
    )


@app.command("list")
def list_command(
    ctx: typer.Context,
    niche: Annotated[str | None, typer.Option(help="Only this niche")] = None,
    tier: Annotated[str | None, typer.Option(help="nano, micro, macro or mega")] = None,
    language: Annotated[str | None, typer.Option(help="Language code, e.g. ja")] = None,
    status: Annotated[str | None, typer.Option(help="new, contacted, replied...")] = None,
) -> None:
    """List creators, filtered by niche, tier, language or status."""
    _check_choice("--tier", tier, TIERS)
    _check_choice("--status", status, [s.value for s in CreatorStatus])
    with state(ctx).app().reading() as session:
        creators = list_creators(session, CreatorFilter(niche, tier, language, status))
    rows = [
        (
            "@" + c.handle,
            c.platform,
            c.name,
            c.email,
            f"{c.followers:,}" if c.followers is not None else "",
            tier_for(c.followers),
            f"{c.engagement_rate:g}%" if c.engagement_rate is not None else "",
            ";".join(c.niches),
            c.language,
            c.status,
        )
        for c in creators
    ]
    headers = ("handle", "platform", "name", "email", "followers", "tier", "rate", "niches")
    table((*headers, "lang", "status"), rows, max_cell=MAX_CELL_CHARACTERS)
    say(f"{len(rows)} creator{'s' if len(rows) != 1 else ''}")


def _check_choice(option: str, value: str | None, choices: Sequence[str]) -> None:
    if value is not None and value.lower() not in choices:
        raise typer.BadParameter(f"{value!r} is not one of {', '.join(choices)}", param_hint=option)


@app.command("show")
def show_command(
    ctx: typer.Context, handle: Annotated[str, typer.Argument(help="Creator handle")]
) -> None:
    """Everything we know about one creator."""
    with state(ctx).app().reading() as session:
        c = find_creator(session, handle)
    language = c.language or ""
    if c.language and c.language_detected:
        language += " (detected)"
    fields = [
        ("handle", "@" + c.handle),
        ("platform", c.platform),
        ("name", c.name),
        ("email", c.email),
        ("followers", f"{c.followers:,}" if c.followers is not None else None),
        ("tier", tier_for(c.followers)),
        ("engagement_rate", f"{c.engagement_rate:g}%" if c.engagement_rate is not None else None),
        ("niches", ", ".join(c.niches)),
        ("language", language),
        ("country", c.country),
        ("timezone", c.timezone),
        ("status", c.status),
        ("bio", c.bio),
        ("recent_post", c.recent_post),
        ("recent_post_url", c.recent_post_url),
        ("notes", c.notes),
        ("personal_note", c.personal_note),
        ("email_source", _source(c)),
        ("consent", f"{c.consent_at:%Y-%m-%d}: {c.consent_detail}" if c.consent_at else None),
        *sorted(c.custom.items()),
    ]
    for key, value in fields:
        say(f"{key + ':':<17}{value or '-'}")


@app.command("consent")
def consent_command(
    ctx: typer.Context,
    handle: Annotated[str, typer.Argument(help="Creator handle")],
    source: Annotated[str, typer.Option("--source", help="How consent was given, e.g. "
                                        "'replied yes to our DM'")],
    url: Annotated[str | None, typer.Option("--url", help="Where it can be seen")] = None,
    note: Annotated[str | None, typer.Option("--note", help="Anything else to keep")] = None,
    now: NowOption = None,
) -> None:  # fmt: skip
    """Record that the creator agreed to be written to (kept in their history)."""
    workspace_app = state(ctx).app()
    with workspace_app.session() as session:
        creator = find_creator(session, handle)
        record_consent(session, creator, source, url, note, clock_for(now)())
    say(f"Consent of @{handle} recorded; their address's source is now 'consent'.")


def _source(creator: Creator) -> str | None:
    parts = [creator.email_source, creator.email_source_url,
             f"seen {creator.email_seen_on}" if creator.email_seen_on else None]  # fmt: skip
    return ", ".join(part for part in parts if part) or None


@app.command("forget")
def forget_command(
    ctx: typer.Context,
    handle: Annotated[str, typer.Argument(help="Creator handle")],
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask for confirmation")] = False,
    now: NowOption = None,
) -> None:
    """Erase a creator's personal data everywhere (GDPR Art. 17); they are never contacted again."""
    workspace_app = state(ctx).app()
    with workspace_app.session() as session:
        creator = find_creator(session, handle)
        label = f"@{creator.handle} <{creator.email}>"
        if not yes and not typer.confirm(
            f"Erase {label}: their profile, the words of every message, reply and history "
            "entry, and their rows in contacts/*.csv? This cannot be undone"
        ):
            raise typer.Exit(1)
        report = forget_creator(session, creator, workspace_app.workspace, clock_for(now)())
    say(f"Forgot {label}. Removed:")
    for what, count in sorted(report.removed.items()):
        say(f"  {what}: {count}")
    for path in report.files:
        say(f"  {path.relative_to(workspace_app.workspace)}")
    say("Kept: an anonymous row (reports still count them), what was sent and when, and a "
        "keyed hash of the address, so they are never contacted or imported again.")  # fmt: skip
