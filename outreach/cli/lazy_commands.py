"""Commands loaded only when they run, so `outreach --help` reads no database or mail library."""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Any

import typer

# Typer carries its own copy of Click (there is no separate click package to import).
from typer._click import Command, Context, HelpFormatter
from typer._click.utils import make_default_short_help
from typer.core import TyperGroup


@dataclass(frozen=True)
class LazyCommand:
    """Where a command lives, and the line `outreach --help` shows for it without loading it."""

    module: str  # under outreach.cli
    attribute: str  # a Typer app (a group of commands) or one command's function
    help: str  # the first line of its help; a test keeps it equal to the loaded command's

    def load(self, name: str) -> Command:
        """Import the command's module and build its click command, mounted as `outreach NAME`."""
        target = getattr(importlib.import_module(f"outreach.cli.{self.module}"), self.attribute)
        # Mounted on a stand-in for the top-level app, so that it gets the app's settings
        # (plain help, no completion options) exactly as `add_typer` or `command` gave them.
        mount = typer.Typer(**APP_SETTINGS)
        if isinstance(target, typer.Typer):
            mount.add_typer(target, name=name)
        else:
            mount.command(name)(target)
        return typer.main.get_group(mount).commands[name]


# The top-level app's settings; pretty tracebacks are off because they print local
# variables, which can hold secrets.
APP_SETTINGS: dict[str, Any] = {
    "add_completion": False, "pretty_exceptions_enable": False, "rich_markup_mode": None,
}  # fmt: skip

LAZY_COMMANDS = {
    "run": LazyCommand("daemon_commands", "run",
                       "Run the worker: plan, send inside windows and caps, keep the heartbeat."),
    "status": LazyCommand("status_commands", "status", "Workers alive, messages per state, what "
                          "is due next, deliveries held as unknown."),
    "approve": LazyCommand("daemon_commands", "approve_command",
                           "List drafts waiting for approval; approve one, all, or skip one."),
    "brief": LazyCommand("campaign_commands", "brief_command", "One creator's brief, in their "
                         "language, with the disclosure their country requires."),
    "note": LazyCommand("relationship_commands", "note", "Add a note to a creator's history."),
    "agree": LazyCommand("relationship_commands", "agree",
                         "Record what a creator agreed to in a campaign."),
    "ship": LazyCommand("relationship_commands", "ship",
                        "Record that a product was sent to a creator."),
    "delivered": LazyCommand("relationship_commands", "delivered",
                             "Record that the product arrived."),
    "paid": LazyCommand("relationship_commands", "paid", "Record a fee paid to a creator."),
    "report": LazyCommand("report_commands", "report", "Who answered, who waits for us, what "
                          "worked: per campaign, step, tier, niche, language."),
    "serve-unsubscribe": LazyCommand("unsubscribe_commands", "serve_unsubscribe", "Answer "
                                     "one-click unsubscribe links (RFC 8058) until stopped; put "
                                     "HTTPS in front."),
    "contacts": LazyCommand("contacts_commands", "app",
                            "Import, list, show and forget creators."),
    "suppress": LazyCommand("suppress_commands", "app", "Addresses and domains never to contact."),
    "campaign": LazyCommand("campaign_commands", "app",
                            "Campaigns: list, show, enrol, pause, resume."),
    "outbox": LazyCommand("daemon_commands", "outbox_app",
                          "The outbox: every message and its state."),
    "replies": LazyCommand("reply_label_commands", "replies_app",
                           "Replies, bounces and opt-outs."),
    "partners": LazyCommand("partner_commands", "app", "Past partners, best first, with the "
                            "reasons for each score; promote ambassadors."),
    "mailbox": LazyCommand("mailbox_commands", "app",
                           "Mailboxes: list them, test their logins, sign in with OAuth 2.0."),
    "drafts": LazyCommand("draft_commands", "app", "First touches waiting for a person: notes "
                          "to write, proposals to approve."),
    "content": LazyCommand("relationship_commands", "content_app", "Posts creators published."),
    "rights": LazyCommand("relationship_commands", "rights_app",
                          "Usage rights (secondary use) of creators' content."),
}  # fmt: skip


class LazyGroup(TyperGroup):
    """The top-level group: its own commands, then LAZY_COMMANDS, each imported when used."""

    def list_commands(self, ctx: Context) -> list[str]:
        """Every command name, the group's own first."""
        own = super().list_commands(ctx)
        return own + [name for name in LAZY_COMMANDS if name not in own]

    def get_command(self, ctx: Context, cmd_name: str) -> Command | None:
        """The command, imported and built the first time it is asked for."""
        command = super().get_command(ctx, cmd_name)
        if command is None and cmd_name in LAZY_COMMANDS:
            command = LAZY_COMMANDS[cmd_name].load(cmd_name)
            self.commands[cmd_name] = command
        return command

    def format_commands(self, ctx: Context, formatter: HelpFormatter) -> None:
        """The command list for --help, from the table for commands not loaded yet."""
        names = self.list_commands(ctx)
        if not names:
            return
        limit = formatter.width - 6 - max(len(name) for name in names)
        rows = []
        for name in names:
            command = self.commands.get(name)
            if command is not None and command.hidden:
                continue
            if command is not None:
                short = command.get_short_help_str(limit)
            else:
                short = make_default_short_help(LAZY_COMMANDS[name].help, limit)
            rows.append((name, short))
        with formatter.section("Commands"):
            formatter.write_dl(rows)
