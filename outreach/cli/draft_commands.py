"""`outreach drafts`: first touches waiting for a person: notes to write, proposals to approve."""

from __future__ import annotations

import json
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Annotated

import typer

from outreach.adapters.campaign_files import find_campaign
from outreach.adapters.models import Creator
from outreach.cli.clock import NowOption, clock_for
from outreach.cli.editor import edit_text, read_text_file
from outreach.cli.output import note, raw_message, readable_message, say, table, table_or_json
from outreach.cli.state import state
from outreach.core.edited_drafts import SCISSORS
from outreach.errors import OutreachError
from outreach.services.drafts import (
    AWAITING_APPROVAL,
    NEEDS_NOTE,
    Draft,
    edit_draft,
    editable_text,
    find_draft,
    profile_facts,
    render_draft,
    skip_draft,
    waiting_drafts,
)
from outreach.services.outbox_admin import approve
from outreach.services.personal_notes import enrollment_of, note_for, write_note
from outreach.services.sincerity_guard import note_problem

app = typer.Typer(
    help="First touches waiting for a person: notes to write, proposals to approve.",
    no_args_is_help=True,
)

DraftId = Annotated[int, typer.Argument(help="The draft's id (see 'outreach drafts list')")]


@app.command("list")
def list_command(
    ctx: typer.Context,
    campaign: Annotated[str | None, typer.Option("--campaign", help="Only this campaign")] = None,
    output: Annotated[str, typer.Option("--format", help="table or json")] = "table",
) -> None:
    """Drafts needing a personal note and drafts awaiting approval, oldest first."""
    table_or_json(output)
    with state(ctx).app().reading() as session:
        found = waiting_drafts(session, campaign)
        if output == "json":
            say(json.dumps([d.as_json() for d in found], ensure_ascii=False, indent=2))
            return
        table(
            (
                "id",
                "creator",
                "campaign",
                "waits for",
                "niches",
                "followers",
                "eng.",
                "recent post",
            ),
            [_row(d) for d in found],
            max_cell=48,
        )
        say(f"{len(found)} draft{'s' if len(found) != 1 else ''} waiting")
    if found:
        note(
            "Write a note: outreach drafts write HANDLE --campaign NAME; "
            "see one: outreach drafts show ID"
        )


def _row(draft: Draft) -> tuple[object, ...]:
    c = draft.creator
    rate = f"{c.engagement_rate:g}%" if c.engagement_rate is not None else ""
    waits = draft.kind if draft.kind != "note held" else draft.message.last_error
    return (draft.message.id, "@" + c.handle, draft.message.campaign, waits,
            ", ".join(c.niches), c.followers, rate, c.recent_post)  # fmt: skip


@app.command("show")
def show_command(
    ctx: typer.Context,
    draft_id: DraftId,
    raw: Annotated[bool, typer.Option("--raw", help="Show the exact wire format")] = False,
) -> None:
    """The message exactly as it would go out, with the profile facts to write from."""
    workspace_app = state(ctx).app()
    with workspace_app.session() as session:
        draft = find_draft(session, draft_id)
        composed = render_draft(workspace_app, draft, workspace_app.clock())
        if composed is None:
            stored = draft.message.raw.encode("utf-8")
            parsed = message_from_bytes(stored, policy=policy.default)
            assert isinstance(parsed, EmailMessage)
            text = raw_message(stored) if raw else readable_message(parsed)
        else:
            text = raw_message(composed.built.data) if raw else readable_message(
                composed.built.parsed())  # fmt: skip
        say(text)
        say("")
        say(f"--- waits for: {_waiting_for(draft)}")
        for line in _fact_lines(draft.creator):
            say(line)


def _waiting_for(draft: Draft) -> str:
    if draft.kind == AWAITING_APPROVAL:
        return f"approval: outreach drafts approve {draft.message.id}"
    how = f"outreach drafts write {draft.creator.handle} --campaign {draft.message.campaign}"
    if draft.kind == NEEDS_NOTE:
        return f"a personal note: {how}"
    return f"a better note ({draft.message.last_error}): {how}"


@app.command("write")
def write_command(
    ctx: typer.Context,
    handle: Annotated[str, typer.Argument(help="The creator (@handle)")],
    campaign: Annotated[str, typer.Option("--campaign", help="The campaign it is for")],
    text: Annotated[str | None, typer.Option("--text", help="The note itself")] = None,
    from_file: Annotated[
        Path | None, typer.Option("--file", help="Read the note from this UTF-8 file")
    ] = None,
    now: NowOption = None,
) -> None:
    """Write why this creator, in their language; with no option, opens $EDITOR."""
    if text is not None and from_file is not None:
        raise typer.BadParameter("give --text or --file, not both", param_hint="--text")
    workspace_app = state(ctx).app()
    spec = find_campaign(workspace_app.schedules, campaign)
    moment = clock_for(now)()
    with workspace_app.session() as session:
        creator, enrollment = enrollment_of(session, handle, campaign)
        if from_file is not None:
            text = read_text_file(from_file)
        elif text is None:
            text = _edit_note(note_for(creator, enrollment), _facts_help(creator, campaign))
        problem = note_problem(session, creator, spec.product, text.strip())
        if problem is not None:
            # Nothing is stored: a held note helps nobody; say why, keep the words on screen.
            note("Not saved; your text was:\n" + text.strip())
            raise OutreachError(f"@{creator.handle}: {problem}")
        write_note(session, creator.handle, campaign, text, moment)
        session.commit()
    say(f"Personal note for @{creator.handle} in {campaign!r} saved; the guard accepts it.")
    say("Its first touch is planned with it on the worker's next pass (outreach run --once).")


def _facts_help(creator: Creator, campaign: str) -> str:
    lines = [
        SCISSORS,
        f"# Write above the line why @{creator.handle}, in their language, for {campaign!r}.",
        "# Name something of theirs: a niche, a post, a product or place of theirs.",
    ]
    lines += [f"# {line}" for line in _fact_lines(creator)]
    return "\n".join(lines)


def _fact_lines(creator: Creator) -> list[str]:
    """One "key: value" line per profile fact there is."""
    return [
        f"{key}: {', '.join(value) if isinstance(value, list) else value}"
        for key, value in profile_facts(creator).items()
        if value not in (None, "", [])
    ]


def _edit_note(current: str, help_text: str) -> str:
    edited = edit_text(f"{current}\n\n{help_text}\n")
    return edited.split(SCISSORS, 1)[0]


@app.command("edit")
def edit_command(
    ctx: typer.Context,
    draft_id: DraftId,
    from_file: Annotated[
        Path | None,
        typer.Option("--file", help="Take the edited text from this file, not $EDITOR"),
    ] = None,
) -> None:
    """Edit a proposal awaiting approval in $EDITOR; your text is what goes."""
    workspace_app = state(ctx).app()
    with workspace_app.session() as session:
        draft = find_draft(session, draft_id)
        current = editable_text(draft)
        edited = read_text_file(from_file) if from_file is not None else edit_text(current)
        if edited == current:
            say(f"Draft {draft_id} unchanged.")
            return
        edit_draft(workspace_app, session, draft, edited, workspace_app.clock())
        session.commit()
    say(f"Draft {draft_id} saved as you wrote it; approve it to send: "
        f"outreach drafts approve {draft_id}")  # fmt: skip


@app.command("approve")
def approve_command(
    ctx: typer.Context,
    draft_id: Annotated[int | None, typer.Argument(help="The draft to approve")] = None,
    all_drafts: Annotated[bool, typer.Option("--all", help="Approve every draft")] = False,
) -> None:
    """Approve a proposal awaiting approval (or all of them): it goes in its window."""
    if draft_id is None and not all_drafts:
        raise typer.BadParameter("name a draft id or give --all", param_hint="ID")
    workspace_app = state(ctx).app()
    with workspace_app.session() as session:
        if draft_id is not None:
            draft = find_draft(session, draft_id)
            if draft.kind != AWAITING_APPROVAL:
                raise OutreachError(f"draft {draft_id} waits for a note, not approval: "
                                    f"{_waiting_for(draft)}")  # fmt: skip
        count = approve(session, draft_id, workspace_app.clock())
    say(f"Approved {count} draft{'s' if count != 1 else ''}.")


@app.command("skip")
def skip_command(ctx: typer.Context, draft_id: DraftId) -> None:
    """No proposal to this creator in this campaign: the draft is dropped, the sequence ends."""
    workspace_app = state(ctx).app()
    with workspace_app.session() as session:
        draft = find_draft(session, draft_id)
        skip_draft(session, draft, workspace_app.clock())
        session.commit()
        handle = draft.creator.handle
    say(f"Skipped draft {draft_id}; @{handle}'s sequence in this campaign ends here.")
