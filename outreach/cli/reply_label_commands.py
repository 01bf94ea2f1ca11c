"""`outreach replies classify`, `label` and `retrain`: what replies say, and teaching it."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Annotated

import typer

from outreach.adapters.reply_training import default_cache
from outreach.cli.clock import NowOption, clock_for
from outreach.cli.daemon_commands import replies_app
from outreach.cli.editor import read_text_file
from outreach.cli.output import say
from outreach.cli.state import state
from outreach.services.reply_classifier import classify_reply, model_with
from outreach.services.reply_corrections import correct_label, workspace_corrections


def classify(
    from_file: Annotated[
        Path | None, typer.Option("--file", help="Read the replies from this UTF-8 file")
    ] = None,
) -> None:
    """Label replies, one per line ("\\n" inside a line is a line break); one JSON line each."""
    text = read_text_file(from_file) if from_file is not None else sys.stdin.read()
    for line in text.splitlines():
        found = classify_reply(line.replace("\\n", "\n"))
        say(json.dumps(found.as_json(), ensure_ascii=False))


def label(
    ctx: typer.Context,
    inbound_id: Annotated[int, typer.Argument(help="The reply (see 'outreach replies list')")],
    new_label: Annotated[str, typer.Argument(metavar="LABEL", help="What the reply says")],
    now: NowOption = None,
) -> None:
    """Correct a reply's label: counted everywhere, kept in the history, and taught."""
    workspace_app = state(ctx).app()
    moment = clock_for(now)()
    with workspace_app.session() as session:
        before = correct_label(session, inbound_id, new_label, moment)
    say(f"Reply {inbound_id} is now {new_label} (was {before}). The classifier learns it at the "
        "next sync (or now: outreach replies retrain).")  # fmt: skip


def retrain(ctx: typer.Context) -> None:
    """Train the classifier again with this workspace's corrections (normally at the next sync)."""
    workspace_app = state(ctx).app()
    with workspace_app.session() as session:
        corrections = workspace_corrections(session)
    started = time.perf_counter()
    model = model_with(tuple(corrections))
    say(f"Classifier ready: the shipped replies and {len(corrections)} correction(s) of this "
        f"workspace; {len(model.vocabulary):,} features, {time.perf_counter() - started:.1f} s "
        f"(cached in {default_cache()}).")  # fmt: skip


# `outreach replies` is the inbox's group (daemon_commands) with these three added; the lazy
# command table loads it from here so that they are always there.
replies_app.command("classify")(classify)
replies_app.command("label")(label)
replies_app.command("retrain")(retrain)
