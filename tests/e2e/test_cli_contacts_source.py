"""End to end: where each address came from, imported with the creators, and consent recorded."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import run_outreach

CSV = """handle,email,country,email_source,email_source_url,email_seen_on
aiko.glow,aiko@mail.example,JP,bio,https://instagram.example.com/aiko.glow,2026-11-30
jun.skin,jun@mail.example,KR,,,
bad.source,bad@mail.example,JP,found it,,
bad.day,day@mail.example,US,website,https://day.example,30/11/2026
"""


def test_sources_are_imported_checked_shown_and_consent_is_recorded(workspace: Path) -> None:
    (workspace / "contacts" / "sources.csv").write_text(CSV, encoding="utf-8")

    imported = run_outreach(workspace, "contacts", "import", "contacts/sources.csv")
    shown = run_outreach(workspace, "contacts", "show", "aiko.glow")
    consent = run_outreach(
        workspace,
        "contacts",
        "consent",
        "jun.skin",
        "--source",
        "said yes to our DM on Instagram",
        "--url",
        "https://instagram.example.com/jun.skin",
        "--now",
        "2026-12-01T03:00Z",
    )
    bad_url = run_outreach(workspace, "contacts", "consent", "jun.skin", "--source", "dm",
                           "--url", "javascript:alert(1)")  # fmt: skip
    jun = run_outreach(workspace, "contacts", "show", "jun.skin")
    history = json.loads(run_outreach(workspace, "history", "jun.skin", "--format", "json").stdout)

    assert "Imported 2" in imported.stdout and "skipped 2" in imported.stdout
    assert "sources.csv:4: email_source 'found it' is not one of bio, website, consent" in (
        imported.stderr
    )
    assert "sources.csv:5: email_seen_on '30/11/2026' is not a date" in imported.stderr
    assert ("email_source:    bio, https://instagram.example.com/aiko.glow, seen 2026-11-30"
            in shown.stdout)  # fmt: skip
    assert consent.code == 0 and "source is now 'consent'" in consent.stdout
    assert bad_url.code == 1 and "is not an http(s) link" in bad_url.stderr
    assert "email_source:    consent, https://instagram.example.com/jun.skin" in jun.stdout
    assert "consent:         2026-12-01: said yes to our DM on Instagram" in jun.stdout
    [event] = [e for e in history["events"] if e["kind"] == "consent"]
    assert event["summary"].startswith("consent recorded: said yes to our DM on Instagram")
