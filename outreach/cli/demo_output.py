"""Runs the demo and tells the person what happened and where to look."""

from __future__ import annotations

from pathlib import Path

from outreach.cli.output import say
from outreach.demo import DEMO_CAMPAIGN, DEMO_TEMPLATE, run_demo


def run_and_show(directory: Path) -> None:
    """Run the demo in DIRECTORY, printing each captured message as it goes."""
    say(f"Demo workspace: {directory.resolve()}")
    say(
        f"Sending {DEMO_TEMPLATE!r} of campaign {DEMO_CAMPAIGN!r} to the sample creators. "
        "No mail server is set, so each message is captured as an .eml file; nothing leaves "
        "this machine."
    )

    root = directory.resolve()

    def show(handle: str, language: str, address: str, answer: str) -> None:
        where = answer.removeprefix("captured to ")
        if where != answer and Path(where).is_relative_to(root):
            where = str(Path(where).relative_to(root))
        say(f"  sent  @{handle:<18} {language}  {address:<30} {where}")

    report = run_demo(directory, on_sent=show)
    imported = report.imported
    for handle, reason in report.left_out:
        say(f"  skip  @{handle:<18} {reason}")
    say(
        f"Files: {len(report.init.created)} created, {len(report.init.kept)} kept. Creators: "
        f"{imported.imported} imported, {imported.updated} updated, {imported.unchanged} "
        f"unchanged, {imported.skipped} skipped."
    )
    say(f"Sent {len(report.sent)} proposals into {report.capture_folder}")
    say(
        f"Next: outreach -w {directory} history <handle>, or open any .eml file there in a "
        "mail program."
    )
