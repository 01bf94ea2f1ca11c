"""`outreach campaign`: list, show, enrol, pause and resume campaigns."""

from __future__ import annotations

from typing import Annotated

import typer

from outreach.adapters.campaign_files import (
    check_step_templates,
    find_campaign,
    load_all_campaigns,
)
from outreach.cli.clock import NowOption, clock_for
from outreach.cli.output import note, say, table
from outreach.cli.state import state
from outreach.core.brief_text import render_brief
from outreach.core.disclosures import disclosure_for
from outreach.core.legal_profiles import SOURCE_REFUSED
from outreach.core.timing import format_delay
from outreach.errors import OutreachError
from outreach.services.campaign_control import (
    enrollment_counts,
    is_paused,
    orphan_campaigns,
    set_paused,
)
from outreach.services.creators import find_creator
from outreach.services.enrollment import enroll, plan_enrollment
from outreach.services.sequences import resume_creator_sequence
from outreach.services.sincerity_guard import campaign_check

app = typer.Typer(help="Campaigns: list, show, enrol, pause, resume.", no_args_is_help=True)

Name = Annotated[str, typer.Argument(help="Campaign name (its `name` key)")]


@app.command("list")
def list_command(ctx: typer.Context) -> None:
    """Every campaign in schedules/, with its enrolments by state."""
    workspace_app = state(ctx).app()
    specs = load_all_campaigns(workspace_app.schedules)
    rows: list[tuple[object, ...]] = []
    with workspace_app.reading() as session:
        for name, spec in sorted(specs.items()):
            counts = enrollment_counts(session, name)
            summary = ", ".join(f"{k} {v}" for k, v in sorted(counts.items())) or "none"
            paused = "paused" if is_paused(session, name) else "running"
            rows.append((name, spec.product, len(spec.steps), paused, summary))
        for name in orphan_campaigns(session, set(specs)):
            counts = enrollment_counts(session, name)
            summary = ", ".join(f"{k} {v}" for k, v in sorted(counts.items()))
            rows.append((name, "(no file in schedules/)", "", "stalled", summary))
    table(("campaign", "product", "steps", "state", "enrolments"), rows)


@app.command("show")
def show_command(ctx: typer.Context, name: Name) -> None:
    """A campaign's definition and progress."""
    workspace_app = state(ctx).app()
    spec = find_campaign(workspace_app.schedules, name)
    check_step_templates(spec, workspace_app.templates)
    with workspace_app.reading() as session:
        counts = enrollment_counts(session, name)
        paused = is_paused(session, name)
    say(f"{spec.name}: {spec.product}" + (" (paused)" if paused else ""))
    say(f"objective {spec.objective}, offer {spec.offer}, language {spec.language}, "
        f"approval {'required' if spec.require_approval else 'not required'}")  # fmt: skip
    say(f"sender: {spec.sender or '(OUTREACH_FROM)'}")
    for number, step in enumerate(spec.steps, start=1):
        say(f"step {number}: {step.template} after {format_delay(step.delay)}")
    if spec.window:
        days = ",".join(spec.window.days)
        say(f"window: {days} {spec.window.start:%H:%M}-{spec.window.end:%H:%M} recipient time "
            f"(fallback zone {spec.window.timezone or 'UTC'})")  # fmt: skip
    limits = spec.limits
    say(
        f"limits: {limits.per_mailbox_per_day}/day per mailbox, {limits.per_campaign_per_day}"
        f"/day for the campaign, gaps {limits.min_gap_seconds}s + 0-{limits.jitter_seconds}s"
    )
    say("enrolments: " + (", ".join(f"{k} {v}" for k, v in sorted(counts.items())) or "none"))
    if spec.brief is not None:
        mentions = spec.brief.most_points()
        say(f"brief: structure {spec.brief.structure}, {mentions} must_mention "
            f"(outreach brief HANDLE --campaign {spec.name})")  # fmt: skip


@app.command("enroll")
def enroll_command(
    ctx: typer.Context,
    name: Name,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Only show who would be enrolled")
    ] = False,
    now: NowOption = None,
) -> None:
    """Enrol every creator who fits the campaign; --dry-run says who and why not."""
    workspace_app = state(ctx).app()
    spec = find_campaign(workspace_app.schedules, name)
    check_step_templates(spec, workspace_app.templates)
    moment = clock_for(now)()
    cool_off = workspace_app.settings.cool_off_days
    with workspace_app.session() as session:
        act = plan_enrollment if dry_run else enroll
        plan = act(session, spec, moment, cool_off)
    verb = "would enrol" if dry_run else "enrolled"
    for creator in plan.enrolled:  # best fit first
        fit = plan.fit_of(creator)
        why = f"  fit {fit.score:>3}: {'; '.join(fit.reasons)}" if fit else ""
        say(f"  {verb:<12} @{creator.handle:<20}{why}".rstrip())
    for creator, reason in plan.left_out:
        say(f"  {'left out':<12} @{creator.handle}: {reason}")
    say(f"{spec.name}: {len(plan.enrolled)} {verb}, {len(plan.already)} already enrolled, "
        f"{len(plan.left_out)} left out")  # fmt: skip
    if any(reason.startswith(SOURCE_REFUSED) for _, reason in plan.left_out):
        say("Where an address came from decides whether you may write: fill the email_source "
            "column in contacts/*.csv and import again, or record consent with `outreach "
            "contacts consent HANDLE --source \"how it was given\"`.")  # fmt: skip


@app.command("pause")
def pause_command(ctx: typer.Context, name: Name) -> None:
    """Stop every further send of the campaign at once, queued follow-ups included."""
    workspace_app = state(ctx).app()
    find_campaign(workspace_app.schedules, name)
    with workspace_app.session() as session:
        was_paused = set_paused(session, name, True, workspace_app.clock())
    if was_paused:
        say(f"{name} was already paused")
        return
    say(f"{name} paused: nothing more is sent until `outreach campaign resume {name}`")


@app.command("resume")
def resume_command(
    ctx: typer.Context,
    name: Name,
    creator: Annotated[
        str | None,
        typer.Option("--creator", help="Resume only this creator's sequence, stopped by a "
                     "failed delivery (e.g. after fixing the address)"),
    ] = None,
    now: NowOption = None,
) -> None:  # fmt: skip
    """Continue a paused campaign where it stopped (nothing is sent twice)."""
    workspace_app = state(ctx).app()
    find_campaign(workspace_app.schedules, name)
    if creator is not None:
        with workspace_app.session() as session:
            found = find_creator(session, creator)
            enrollment = resume_creator_sequence(session, name, found, clock_for(now)())
            session.commit()
        say(f"@{found.handle} in {name} resumed: step {enrollment.next_step} goes at the next "
            "run, inside the sending window")  # fmt: skip
        return
    with workspace_app.session() as session:
        was_paused = set_paused(session, name, False, workspace_app.clock())
    say(f"{name} resumed" if was_paused else f"{name} was not paused")


@app.command("check")
def check_command(ctx: typer.Context, name: Name) -> None:
    """Run the sincerity guard over the campaign's personal notes; nothing is changed."""
    workspace_app = state(ctx).app()
    spec = find_campaign(workspace_app.schedules, name)
    with workspace_app.session() as session:
        rows = campaign_check(session, name, spec.product)
    table(
        ("creator", "nearest", "similarity", "length", "verdict"),
        [
            ("@" + row.handle, "@" + v.nearest if v and v.nearest else "-",
             f"{v.similarity:.2f}" if v else "-", v.length if v else 0,
             (v.problem or "ok") if v else (
                 "no note: waits for one" if spec.personal == "required" else "no note"))
            for row in rows
            for v in [row.verdict]
        ],
    )  # fmt: skip
    held = sum(1 for row in rows if row.verdict is not None and row.verdict.problem)
    say(f"{len(rows)} creator(s), {held} note(s) the guard holds")


def brief_command(
    ctx: typer.Context,
    handle: Annotated[str, typer.Argument(help="The creator (@handle)")],
    campaign: Annotated[str, typer.Option("--campaign", help="The campaign whose brief")],
) -> None:
    """One creator's brief, in their language, with the disclosure their country requires."""
    workspace_app = state(ctx).app()
    spec = find_campaign(workspace_app.schedules, campaign)
    if spec.brief is None:
        raise OutreachError(
            f"campaign {campaign!r} has no [brief] section; add one to its file "
            "(theme, core_message, must_mention, structure, key_ingredient)"
        )
    with workspace_app.session() as session:
        creator = find_creator(session, handle)
    disclosure = disclosure_for(creator.country, creator.language, spec.offer)
    say(render_brief(spec.brief, spec.product, creator.language, spec.language, disclosure))
    note(f"Disclosure for @{creator.handle}: {' or '.join(disclosure.tags)} ({disclosure.rule})")
