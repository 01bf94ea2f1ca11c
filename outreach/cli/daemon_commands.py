"""`outreach run`, `status`, `approve`, `outbox` and `replies`: operating the worker."""

from __future__ import annotations

import asyncio
import json
import logging
from datetime import UTC, datetime, time
from typing import TYPE_CHECKING, Annotated
from zoneinfo import ZoneInfo

import typer

from outreach.adapters.models import MessageState
from outreach.cli.clock import NowOption, clock_for
from outreach.cli.output import note, say, table, table_or_json, when_text
from outreach.cli.state import state
from outreach.core.relationship_input import InputError, parse_day
from outreach.core.reply_labels import ReplyLabel
from outreach.errors import OutreachError, SettingsError
from outreach.services.answers_by_hand import record_answer_by_hand
from outreach.services.app import App
from outreach.services.creators import find_creator
from outreach.services.inbound_admin import age, get_inbound, list_inbound, mark_done
from outreach.services.inboxes import configured_inboxes, each_inbox_once
from outreach.services.outbox_admin import approve, drafts, list_outbox, resolve
from outreach.services.replies import ReplyKind

if TYPE_CHECKING:
    from outreach.services.inbox_sync import SyncReport

outbox_app = typer.Typer(help="The outbox: every message and its state.", no_args_is_help=True)
replies_app = typer.Typer(help="Replies, bounces and opt-outs.", no_args_is_help=True)


def run(
    ctx: typer.Context,
    once: Annotated[
        bool, typer.Option("--once", help="Run until nothing is due, then exit")
    ] = False,
    now: NowOption = None,
) -> None:
    """Run the worker: plan, send inside windows and caps, keep the heartbeat."""
    from outreach.daemon import Daemon  # the whole worker: only `run` pays for its imports

    workspace_app = state(ctx).app()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    # APScheduler reports every run of every job at INFO: the sends would drown in it.
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    # flufl.bounce logs each of its ~17 detectors for every message it reads.
    logging.getLogger("flufl.bounce").setLevel(logging.WARNING)
    if not configured_inboxes(workspace_app.settings):
        note(
            "No inbox is set (OUTREACH_IMAP_HOST or mailboxes.toml): replies, bounces and "
            "opt-outs are not read, so follow-ups go to everyone not recorded with "
            "`outreach replies record`."
        )
    daemon = Daemon(app=workspace_app, clock=clock_for(now))
    report = asyncio.run(daemon.run_once() if once else daemon.run_forever())
    say(f"planned {report.planned}, sent {report.sent}, failed {report.failed}, "
        f"put off (window, cap or gap) {report.deferred}, "
        f"waiting for the inbox {report.waiting_for_inbox}, cancelled {report.cancelled}, "
        f"held {report.held}, unknown after dead workers {report.reaped}")  # fmt: skip
    for why, when in sorted(report.put_off.items(), key=lambda item: item[1]):
        note(f"put off by {why}: the next may go at {when_text(when)}")
    for reason, handles in sorted(report.not_lawful.items()):
        shown = ", ".join(f"@{h}" for h in sorted(handles)[:10])
        more = f" and {len(handles) - 10} more" if len(handles) > 10 else ""
        note(f"error: not planned: {reason}: {shown}{more}. Set it in .env; they are tried "
             "again within 10 minutes.")  # fmt: skip
    if report.inbox_error:
        note(f"error: the inbox could not be read, so campaign messages wait until it can: "
             f"{report.inbox_error}")  # fmt: skip
    if report.inbox_error or report.not_lawful:
        raise typer.Exit(1)


def approve_command(
    ctx: typer.Context,
    message_id: Annotated[int | None, typer.Argument(help="Draft to approve")] = None,
    all_drafts: Annotated[bool, typer.Option("--all", help="Approve every draft")] = False,
    skip: Annotated[int | None, typer.Option("--skip", help="Skip this draft")] = None,
) -> None:
    """List drafts waiting for approval; approve one, all, or skip one."""
    workspace_app = state(ctx).app()
    now = workspace_app.clock()
    with workspace_app.session() as session:
        if skip is not None:
            approve(session, skip, now, skip=True)
            say(f"Skipped draft {skip}; that creator's sequence ends here.")
        elif message_id is not None or all_drafts:
            count = approve(session, message_id, now)
            say(f"Approved {count} draft{'s' if count != 1 else ''}.")
        else:
            rows = drafts(session)
            table(("id", "creator", "campaign", "subject"),
                  [(r.message.id, "@" + r.handle, r.message.campaign, r.message.subject)
                   for r in rows])  # fmt: skip
            say(f"{len(rows)} draft{'s' if len(rows) != 1 else ''} waiting")


@outbox_app.command("list")
def outbox_list(
    ctx: typer.Context,
    state_filter: Annotated[str | None, typer.Option("--state", help="Only this state")] = None,
    campaign: Annotated[str | None, typer.Option("--campaign", help="Only this campaign")] = None,
    output: Annotated[str, typer.Option("--format", help="table or json")] = "table",
) -> None:
    """Every message with its state, attempts and last error."""
    table_or_json(output)
    states = [s.value for s in MessageState]
    if state_filter is not None and state_filter not in states:
        raise typer.BadParameter(
            f"{state_filter!r} is not one of {', '.join(states)}", param_hint="--state"
        )
    with state(ctx).app().reading() as session:
        rows = list_outbox(session, state_filter, campaign)
    if output == "json":
        say(json.dumps([row.as_json() for row in rows], ensure_ascii=False, indent=2))
        return
    table(
        ("id", "creator", "campaign", "step", "state", "attempts", "scheduled", "sent", "error"),
        [
            (
                m.id,
                "@" + r.handle,
                m.campaign,
                m.step,
                m.state,
                m.attempts,
                when_text(m.scheduled_at) if m.scheduled_at else "",
                when_text(m.sent_at) if m.sent_at else "",
                m.last_error,  # last and never cut: the reason is what a person acts on
            )
            for r in rows
            for m in [r.message]
        ],
    )


@outbox_app.command("resolve")
def outbox_resolve(
    ctx: typer.Context,
    message_id: Annotated[int, typer.Argument(help="Message id")],
    sent: Annotated[bool, typer.Option("--sent", help="It did go out")] = False,
    resend: Annotated[bool, typer.Option("--resend", help="Send it (again)")] = False,
    now: NowOption = None,
) -> None:
    """Settle an unknown, failed or held message by hand."""
    if sent == resend:
        raise typer.BadParameter("give exactly one of --sent or --resend")
    workspace_app = state(ctx).app()
    with workspace_app.session() as session:
        message = resolve(session, message_id, sent, clock_for(now)())
    if sent:
        say(f"Message {message_id} recorded as sent.")
    elif message.state == MessageState.HELD.value:
        say(f"Message {message_id} will be rendered again by the next run; it stays held, "
            "with the reason, if the data is still missing.")  # fmt: skip
    else:
        say(f"Message {message_id} will be sent again.")


@replies_app.command("sync")
def replies_sync(ctx: typer.Context, now: NowOption = None) -> None:
    """Read new inbox messages, match and classify them, and act on each."""
    from outreach.services.inbox_health import read_inbox

    workspace_app = state(ctx).app()
    places = each_inbox_once(configured_inboxes(workspace_app.settings))
    if not places:
        raise SettingsError("no inbox is set: set OUTREACH_IMAP_HOST, OUTREACH_IMAP_USER and "
                            "OUTREACH_IMAP_PASSWORD, or add mailboxes.toml")  # fmt: skip
    failed = []
    for place in places:
        try:
            report = read_inbox(workspace_app, place.open(), clock_for(now)())
        except OutreachError as exc:
            if len(places) == 1:
                raise
            failed.append(place.name)
            note(f"error: {place.name} was not read: {exc}")
            continue
        _say_synced(workspace_app, place.name, report)
    if failed:
        raise typer.Exit(1)


def _say_synced(workspace_app: App, name: str, report: SyncReport) -> None:
    counts = ", ".join(f"{kind} {n}" for kind, n in sorted(report.counts.items())) or "nothing new"
    say(f"Synced {name}: {counts}")
    if report.moved:
        say(f"Moved {report.moved} handled bounce(s) and auto-reply(s) to "
            f"{workspace_app.settings.imap_processed_folder}.")  # fmt: skip
    if report.move_error:
        note(f"Handled mail was not moved (tried again at the next sync): {report.move_error}")
    if report.sent_error:
        note(f"The Sent folder was not read (tried again at the next sync): {report.sent_error}")


@replies_app.command("list")
def replies_list(
    ctx: typer.Context,
    needs_response: Annotated[
        bool, typer.Option("--needs-response", help="Only replies waiting for our answer")
    ] = False,
    output: Annotated[str, typer.Option("--format", help="table or json")] = "table",
    now: NowOption = None,
) -> None:
    """Inbound messages, oldest first, with their age."""
    table_or_json(output)
    with state(ctx).app().reading() as session:
        rows = list_inbound(session, needs_response)
    if output == "json":
        say(json.dumps([row.as_json() for row in rows], ensure_ascii=False, indent=2))
        return
    moment = clock_for(now)()
    table(
        ("id", "creator", "kind", "label", "age", "from", "text"),
        [(r.inbound.id, "@" + r.handle if r.handle else "-", r.inbound.kind,
          (r.inbound.label or "") + ("?" if r.needs_review else ""),
          age(moment - r.inbound.received_at), r.inbound.sender, r.inbound.text)
         for r in rows],
        max_cell=60,
    )  # fmt: skip


@replies_app.command("show")
def replies_show(ctx: typer.Context, inbound_id: Annotated[int, typer.Argument()]) -> None:
    """One inbound message: what it was matched to and the new text (shown as plain text)."""
    with state(ctx).app().reading() as session:
        row = get_inbound(session, inbound_id)
    for key, value in row.as_json().items():
        if key != "text":
            say(f"{key + ':':<14}{'' if value is None else value}")
    say("")
    say(row.inbound.text)


@replies_app.command("done")
def replies_done(ctx: typer.Context, inbound_id: Annotated[int, typer.Argument()]) -> None:
    """Mark a reply as answered."""
    workspace_app = state(ctx).app()
    with workspace_app.session() as session:
        mark_done(session, inbound_id, workspace_app.clock())
    say(f"Reply {inbound_id} marked as answered.")


@replies_app.command("record")
def replies_record(
    ctx: typer.Context,
    handle: Annotated[str, typer.Argument(help="Creator handle")],
    kind: Annotated[str, typer.Option("--kind", help="reply, bounce or opt-out")],
    label: Annotated[
        str | None,
        typer.Option("--label", help="For a reply: " + ", ".join(v.value for v in ReplyLabel)),
    ] = None,
    text: Annotated[str, typer.Option("--text", help="What they said")] = "",
    note_text: Annotated[str, typer.Option("--note", help="Same as --text")] = "",
    at: Annotated[
        str | None,
        typer.Option("--at", help="When they answered: YYYY-MM-DD or ISO 8601 (default: now)"),
    ] = None,
    campaign: Annotated[
        str | None, typer.Option("--campaign", help="The campaign they answered (default: latest)")
    ] = None,
    now: NowOption = None,
) -> None:
    """Record a reply, bounce or opt-out told outside the inbox: counted like synced mail."""
    try:
        reply_kind = ReplyKind(kind)
    except ValueError:
        raise typer.BadParameter(f"{kind!r} is not one of reply, bounce, opt-out") from None
    try:
        reply_label = ReplyLabel(label) if label is not None else None
    except ValueError:
        choices = ", ".join(v.value for v in ReplyLabel)
        raise typer.BadParameter(
            f"{label!r} is not one of {choices}", param_hint="--label"
        ) from None
    workspace_app = state(ctx).app()
    moment = clock_for(now)()
    when = _answered_at(at, moment, workspace_app.settings.timezone)
    with workspace_app.session() as session:
        creator = find_creator(session, handle)
        recorded = record_answer_by_hand(session, creator, reply_kind, moment, when,
                                         reply_label, text or note_text, campaign)  # fmt: skip
        session.commit()
    say(f"Recorded {reply_kind.value} from @{creator.handle}; "
        f"{recorded.ended} sequence(s) stopped.")  # fmt: skip
    if reply_kind is ReplyKind.REPLY:
        note(f"Listed as reply {recorded.row.id} until answered: "
             f"`outreach replies done {recorded.row.id}`.")  # fmt: skip


def _answered_at(text: str | None, now: datetime, zone: str) -> datetime | None:
    """--at as a moment: a day alone is noon of that day in the brand's time zone."""
    if text is None:
        return None
    if len(text.strip()) <= 10:
        day = parse_day(text, "--at")
        return datetime.combine(day, time(12), ZoneInfo(zone)).astimezone(UTC)
    try:
        moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise InputError(f"--at: {text!r} is not a date like 2026-12-31 or a moment like "
                         "2026-12-31T09:00Z") from None  # fmt: skip
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(UTC)
