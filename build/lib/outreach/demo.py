"""The demo: a sample workspace, its creators imported, proposals captured as .eml files."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from sqlmodel import col, select

from outreach.adapters.campaign_files import find_campaign
from outreach.adapters.capture_transport import CaptureTransport
from outreach.adapters.models import Creator
from outreach.bootstrap import bootstrap
from outreach.constants import CAPTURE_DIRNAME, CONTACTS_DIRNAME
from outreach.core.selection import selection_misses
from outreach.errors import OutreachError
from outreach.services.app import App
from outreach.services.importing import ImportReport, import_creators
from outreach.services.sending import send_now
from outreach.services.workspace import InitReport, init_workspace

DEMO_CAMPAIGN = "spring-serum"
DEMO_TEMPLATE = "proposal"


@dataclass
class DemoReport:
    """What the demo did, step by step."""

    init: InitReport
    imported: ImportReport
    capture_folder: Path
    sent: list[tuple[str, str, str, str]] = field(default_factory=list)
    left_out: list[tuple[str, str]] = field(default_factory=list)


def run_demo(target: Path, on_sent: Callable[[str, str, str, str], None]) -> DemoReport:
    """Init the workspace, import its creators, send the campaign's proposal to each match."""
    init = init_workspace(target)
    capture = target.resolve() / CAPTURE_DIRNAME
    # Embedded defaults only: the demo never reads the user's OUTREACH_* settings, so it
    # can never send to real servers.
    app = bootstrap(target, environ={}, transport=CaptureTransport(capture))
    with app.session() as session:
        imported = import_creators(session, target / CONTACTS_DIRNAME / "creators.csv", app.clock())
    report = DemoReport(init=init, imported=imported, capture_folder=capture)
    _send_proposals(app, report, on_sent)
    return report


def _send_proposals(
    app: App, report: DemoReport, on_sent: Callable[[str, str, str, str], None]
) -> None:
    campaign = find_campaign(app.schedules, DEMO_CAMPAIGN)
    with app.session() as session:
        creators = list(session.exec(select(Creator).order_by(col(Creator.id))))
    for creator in creators:
        misses = selection_misses(creator.model_dump(), campaign.sections.get("selection", {}))
        if misses:
            report.left_out.append((creator.handle, "; ".join(misses)))
            continue
        try:
            result = send_now(
                app, f"{creator.platform}:{creator.handle}", DEMO_TEMPLATE, campaign.name
            )
        except OutreachError as exc:
            report.left_out.append((creator.handle, str(exc)))
            continue
        answer = result.message.smtp_response or ""
        entry = (creator.handle, result.composed.language, creator.email, answer)
        report.sent.append(entry)
        on_sent(*entry)
