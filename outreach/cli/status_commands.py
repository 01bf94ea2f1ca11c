"""`outreach status`: workers, messages, inboxes, mailboxes and what waits for a person."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import typer

from outreach.adapters.campaign_files import load_all_campaigns
from outreach.cli.clock import NowOption, clock_for
from outreach.cli.output import say, when_text
from outreach.cli.state import state
from outreach.constants import DEAD_WORKER_SECONDS
from outreach.core.inbox_freshness import inbox_failing
from outreach.errors import OutreachError
from outreach.services.app import App
from outreach.services.campaign_control import orphan_campaigns, paused_names
from outreach.services.inbound_admin import list_inbound
from outreach.services.inbox_health import inbox_health, quarantined, waiting_for_inbox
from outreach.services.inboxes import configured_inboxes, each_inbox_once
from outreach.services.relationships import list_rights
from outreach.services.sender_health import failing_senders, waiting_for_sender
from outreach.services.status import system_status


def status(ctx: typer.Context, now: NowOption = None) -> None:
    """Workers alive, messages per state, what is due next, deliveries held as unknown."""
    workspace_app = state(ctx).app()
    with workspace_app.reading() as session:
        info = system_status(session, clock_for(now)(), DEAD_WORKER_SECONDS)
    say(f"workers alive: {len(info.workers)}" + "".join(f"\n  {w.id}" for w in info.workers))
    say("messages: " + (", ".join(f"{k} {v}" for k, v in sorted(info.messages.items())) or "none"))
    next_send, next_step = when_text(info.next_send_at), when_text(info.next_step_due_at)
    say(f"next send: {next_send}; next step due: {next_step}")
    _show_inboxes(workspace_app)
    _show_failing_senders(workspace_app)
    with workspace_app.reading() as session:
        paused = paused_names(session)
        try:
            orphans = orphan_campaigns(session, set(load_all_campaigns(workspace_app.schedules)))
        except OutreachError as exc:
            orphans = []
            say(f"campaign files: {exc}")
    if paused:
        say("paused: " + ", ".join(paused))
    if orphans:
        say("no campaign file for active enrolments of: " + ", ".join(orphans)
            + " (restore the file in schedules/)")  # fmt: skip
    settings = workspace_app.settings
    today = clock_for(now)().astimezone(ZoneInfo(settings.timezone)).date()
    with workspace_app.reading() as session:
        expiring = list_rights(session, today, settings.rights_warn_days)
        waiting = len(list_inbound(session, needs_response=True))
    if waiting:
        say(f"replies waiting for our answer: {waiting} (`outreach replies list --needs-response`)")
    if expiring:
        say(f"usage rights expiring within {settings.rights_warn_days} days ({len(expiring)}):")
        for row in expiring:
            say(f"  {row.grant.ends_on}  {row.days_left:>3}d  @{row.handle}  "
                f"{','.join(row.grant.channels)}  {row.grant.content_url}")  # fmt: skip
    if info.unknown:
        say(f"unknown deliveries ({len(info.unknown)}), settle each with "
            "`outreach outbox resolve ID --sent` or `--resend`:")  # fmt: skip
        for message in info.unknown:
            say(f"  {message.id}  {message.to_address}  {message.template}  {message.last_error}")


def _show_failing_senders(workspace_app: App) -> None:
    """Each mailbox that cannot send: since when, why, when it is tried again, what waits."""
    with workspace_app.reading() as session:
        failing = failing_senders(session)
        waiting = {health.mailbox: waiting_for_sender(session, health.mailbox)
                   for health in failing}  # fmt: skip
    for health in failing:
        waits = f"{waiting[health.mailbox]} message(s) wait; the other mailboxes go on"
        if health.paused_at is not None:
            say(f"sending from {health.mailbox}: PAUSED by a person since "
                f"{when_text(health.paused_at)} (`outreach mailbox resume {health.mailbox}`); "
                f"{waits}")  # fmt: skip
            continue
        say(f"sending from {health.mailbox}: FAILING since {when_text(health.failing_since)}: "
            f"{health.last_error}; tried again at {when_text(health.retry_at)}; "
            f"{waits}")  # fmt: skip


def _show_inboxes(workspace_app: App) -> None:
    """Each inbox's last good read and last failure, and what waits for it."""
    places = each_inbox_once(configured_inboxes(workspace_app.settings))
    if not places:
        say("inbox: none set (OUTREACH_IMAP_HOST or mailboxes.toml); replies, bounces and "
            "opt-outs are not read")  # fmt: skip
        return
    with workspace_app.reading() as session:
        # The inboxes set now (older versions named them by host and port: rows of history).
        known = {health.mailbox: health for health in inbox_health(session)}
        waiting = waiting_for_inbox(session)
        set_aside = quarantined(session)
    for place in places:
        health = known.get(place.name)
        if health is None:
            say(f"inbox {place.name}: not read yet")
            continue
        last = when_text(health.last_read_at) if health.last_read_at else "never"
        line = f"inbox {health.mailbox}: last read {last}"
        if inbox_failing(health.last_read_at, health.last_error_at):
            line += f"; FAILING since {when_text(health.last_error_at)}: {health.last_error}"
        say(line)
    if waiting:
        say(f"messages waiting for the inbox to be read: {waiting}")
    if set_aside:
        say(f"inbox messages set aside after an unexpected error: {set_aside} "
            "(`outreach replies list --needs-response`)")  # fmt: skip
