"""The `outreach` command: workspace, settings, preview, send, history."""

from __future__ import annotations

import contextlib
import json
import logging
import os
import sys
from pathlib import Path
from typing import Annotated

import typer

from outreach.cli.lazy_commands import APP_SETTINGS, LazyGroup
from outreach.cli.output import note, raw_message, readable_message, say, table, table_or_json
from outreach.cli.state import CliState, state
from outreach.errors import OutreachError

app = typer.Typer(
    name="outreach",
    help="Sincere, individual collaboration proposals to creators: sent once, remembered.",
    no_args_is_help=True,
    **APP_SETTINGS,
    # The other commands (lazy_commands.LAZY_COMMANDS) are imported only when they run.
    cls=LazyGroup,
)

To = Annotated[str, typer.Option("--to", help="Creator handle, e.g. misaki or instagram:misaki")]
TemplateName = Annotated[str, typer.Option("--template", help="Template name, e.g. proposal")]
CampaignName = Annotated[
    str | None, typer.Option("--campaign", help="Campaign whose product and sender to use")
]


@app.callback()
def main_options(
    ctx: typer.Context,
    workspace: Annotated[
        Path,
        typer.Option(
            "--workspace", "-w", envvar="OUTREACH_WORKSPACE", help="Workspace folder (default: .)"
        ),
    ] = Path("."),
) -> None:
    """Sincere, individual collaboration proposals to creators: sent once, remembered."""
    ctx.obj = CliState(workspace)
    ctx.call_on_close(ctx.obj.close)


@app.command()
def init(directory: Annotated[Path, typer.Argument(help="Folder for the new workspace")]) -> None:
    """Write a ready-to-edit workspace; existing files are never overwritten."""
    from outreach.services.workspace import init_workspace

    report = init_workspace(directory)
    for path in report.created:
        say(f"Created {path}")
    for path in report.kept:
        say(f"Kept {path} (already there)")
    say(f"Workspace ready in {directory}. Next: cd {directory} && cp .env.example .env")


@app.command()
def demo(
    directory: Annotated[Path, typer.Argument(help="Folder for the demo workspace")] = Path("demo"),
) -> None:
    """The main job on embedded defaults: init, import, enrol, and the daemon's first days."""
    from outreach.cli.demo_output import run_and_show

    run_and_show(directory)


@app.command()
def config(ctx: typer.Context) -> None:
    """Show the effective settings, secrets masked, and where each came from."""
    from outreach.settings import describe

    settings = state(ctx).settings()
    say(f"Workspace: {settings.workspace}")
    table(("setting", "value", "from"), describe(settings))


@app.command()
def preview(
    ctx: typer.Context,
    to: To,
    template: TemplateName,
    campaign: CampaignName = None,
    raw: Annotated[bool, typer.Option("--raw", help="Show the exact wire format")] = False,
) -> None:
    """Print exactly the message that would go out; nothing is sent."""
    from outreach.services.sending import prepare

    creator, composed = prepare(state(ctx).app(), to, template, campaign, for_preview=True)
    built = composed.built
    say(raw_message(built.data) if raw else readable_message(built.parsed()))
    note(
        f"Preview of {composed.template!r} ({composed.language}) for @{creator.handle}; nothing "
        "was sent. Date and Message-ID are set anew when it is sent."
    )


@app.command()
def send(
    ctx: typer.Context,
    to: To,
    template: TemplateName,
    campaign: CampaignName = None,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Send without asking")] = False,
    again: Annotated[
        bool, typer.Option("--again", help="Send even if this template already went out")
    ] = False,
) -> None:
    """Send one message now (shows it and asks first, unless --yes)."""
    from outreach.services.sending import prepare, send_now

    workspace_app = state(ctx).app()
    if not yes:
        creator, composed = prepare(workspace_app, to, template, campaign)
        say(readable_message(composed.built.parsed()))
        say()
        if not typer.confirm(f"Send this to @{creator.handle} <{creator.email}>?", default=False):
            note("Nothing was sent.")
            raise typer.Exit(1)
    result = send_now(workspace_app, to, template, campaign, again=again)
    row = result.message
    say(
        f"Sent {row.template!r} ({row.language}) to {row.to_address} as message {row.id}: "
        f"{row.smtp_response}"
    )


@app.command()
def history(
    ctx: typer.Context,
    handle: Annotated[str, typer.Argument(help="Creator handle")],
    full: Annotated[bool, typer.Option("--full", help="Include the text of sent messages")] = False,
    output: Annotated[str, typer.Option("--format", help="table or json")] = "table",
) -> None:
    """The creator's whole timeline, oldest first (newest last)."""
    from outreach.services.creators import find_creator
    from outreach.services.history import history_json, timeline

    table_or_json(output)
    with state(ctx).app().reading() as session:
        creator = find_creator(session, handle)
        events = timeline(session, creator)
    if output == "json":
        say(json.dumps(history_json(creator, events), ensure_ascii=False, indent=2))
        return
    platform = f" ({creator.platform})" if creator.platform else ""
    say(f"@{creator.handle}{platform} {creator.name or ''} <{creator.email}>".replace("  ", " "))
    for event in events:
        say(f"{event.at:%Y-%m-%d %H:%M} UTC  {event.kind:<14} {event.summary}")
        if full:
            _show_detail(event.detail)


def _show_detail(detail: dict[str, object]) -> None:
    """The exact text sent, its Message-ID and the server's answer, indented."""
    if detail.get("message_id"):
        say(f"    Message-ID: {detail['message_id']}")
    if detail.get("answer"):
        say(f"    Server: {detail['answer']}")
    text = detail.get("text")
    if text:
        say("    " + "\n    ".join(str(text).rstrip("\n").splitlines()))


def main(argv: list[str] | None = None) -> None:
    """Run the command, turning our errors into one clear line (the tests call this)."""
    try:
        app(args=argv, prog_name="outreach")
    except OutreachError as exc:
        note(f"error: {exc}")
        sys.exit(exc.exit_code)


def entry() -> None:
    """The `outreach` console script: main(), then the process ends at once."""
    try:
        main()
    except SystemExit as done:
        code = done.code
    else:
        code = 0
    if not isinstance(code, int):
        if code is not None:
            print(code, file=sys.stderr)  # what Python does with sys.exit("text")
        code = 0 if code is None else 1
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError):  # a reader that went away (`| head`)
            stream.flush()
    logging.shutdown()
    # Everything is committed, closed and flushed by now. A normal exit would free every
    # SQLAlchemy and pydantic object one by one: about 0.1 s of a 0.5 s command, for nothing.
    os._exit(code)
