"""Runs the demo and tells the person what happened and where to look."""

from __future__ import annotations

from pathlib import Path

from outreach.adapters.models import utcnow
from outreach.cli.output import say
from outreach.demo import DEMO_CAMPAIGN, SentLine, run_demo


def run_and_show(directory: Path) -> None:
    """Run the demo in DIRECTORY, printing each captured message as it goes."""
    root = directory.resolve()
    say(f"Demo workspace: {root}")
    say(
        f"Campaign {DEMO_CAMPAIGN!r}: the daemon's first days are simulated, so each proposal "
        "goes out inside the creator's own sending window (mon-fri 10:00-18:00 local), with "
        "random gaps. No mail server is set: every message is captured as an .eml file and "
        "nothing leaves this machine."
    )

    def show(line: SentLine) -> None:
        where = line.answer.removeprefix("captured to ")
        if where != line.answer and Path(where).is_relative_to(root):
            where = str(Path(where).relative_to(root))
        say(f"  sent  @{line.handle:<18} {line.language}  {line.local_time:<26} {where}")

    report = run_demo(directory, utcnow(), on_sent=show)
    for handle in report.waiting_for_notes:
        say(f"  held  @{handle:<18} waits for its personal note: why this creator, written by you")
    for creator, reason in report.enrolled.left_out:
        say(f"  skip  @{creator.handle:<18} {reason}")
    imported, enrolled = report.imported, report.enrolled
    say(
        f"Files: {len(report.init.created)} created, {len(report.init.kept)} kept. Creators: "
        f"{imported.imported} imported, {imported.updated} updated, {imported.unchanged} "
        f"unchanged, {imported.skipped} skipped. Enrolled: {len(enrolled.enrolled)} new, "
        f"{len(enrolled.already)} already."
    )
    say(f"Sent {len(report.sent)} messages into {report.capture_folder}")
    for handle in report.waiting_for_notes:
        say(
            f"Held: the proposal to @{handle} waits for a personal note. See what to write from: "
            f"outreach -w {directory} drafts list; write it: outreach -w {directory} drafts "
            f'write {handle} --campaign {DEMO_CAMPAIGN} (opens $EDITOR, or --text "..."); '
            "the next run sends it."
        )
    say(
        f"Next: outreach -w {directory} outbox list; outreach -w {directory} history <handle>; "
        f"follow-ups come 4 days later: outreach -w {directory} run --once --now <a later time>"
    )
