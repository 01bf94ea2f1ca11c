"""`outreach report`: reply status per campaign, as a table, CSV, JSON or an HTML page."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer

from outreach.adapters.campaign_files import load_all_campaigns
from outreach.cli.clock import NowOption, clock_for
from outreach.cli.output import note
from outreach.cli.state import state
from outreach.core.report_text import report_csv, report_text
from outreach.services.report import ReportRequest, build_report, recorded_campaigns


def _html(report: dict[str, Any]) -> str:
    # Imported for the page alone: Jinja2 is no part of the table, CSV or JSON.
    from outreach.core.report_html import report_html

    return report_html(report)


FORMATS = {
    "table": report_text,
    "csv": report_csv,
    "json": lambda report: json.dumps(report, ensure_ascii=False, indent=2) + "\n",
    "html": _html,
}


def report(
    ctx: typer.Context,
    campaign: Annotated[str | None, typer.Option(help="Only this campaign")] = None,
    since: Annotated[
        str | None, typer.Option(help="Only activity from this date (YYYY-MM-DD)")
    ] = None,
    output: Annotated[str, typer.Option("--format", help="table, csv, json or html")] = "table",
    out: Annotated[Path | None, typer.Option("--out", help="Write to this file")] = None,
    now: NowOption = None,
) -> None:
    """Who answered, who waits for us, what worked: per campaign, step, tier, niche, language."""
    if output not in FORMATS:
        raise typer.BadParameter(
            f"{output!r} is not one of {', '.join(FORMATS)}", param_hint="--format"
        )
    start = _date(since)
    workspace_app = state(ctx).app()
    settings = workspace_app.settings
    known = tuple(sorted(load_all_campaigns(workspace_app.schedules)))
    with workspace_app.reading() as session:
        recorded = recorded_campaigns(session)
    if campaign is not None and campaign not in {*known, *recorded}:
        names = ", ".join(sorted({*known, *recorded})) or "none"
        raise typer.BadParameter(
            f"no campaign {campaign!r} (known: {names})", param_hint="--campaign"
        )
    request = ReportRequest(
        now=clock_for(now)(), timezone=settings.timezone, campaign=campaign, since=start,
        rights_warn_days=settings.rights_warn_days, known_campaigns=known,
    )  # fmt: skip
    with workspace_app.reading() as session:
        text = FORMATS[output](build_report(session, request))
    if out is None:
        typer.echo(text, nl=False)
        return
    out.write_text(text, encoding="utf-8")
    note(f"Report written to {out} ({len(text.encode()):,} bytes)")


def _date(value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(
            f"{value!r} is not a date like 2026-12-01", param_hint="--since"
        ) from None
