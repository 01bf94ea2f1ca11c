"""End to end: send, sync a real inbox, and read the report as a table, CSV, JSON and a web page."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.conftest import run_outreach
from tests.imap_server import DovecotTestServer

NOW = "2026-12-01T03:00Z"
REPORT_KEYS = {"generated_at", "timezone", "campaign", "since", "campaigns", "breakdown",
               "needs_response",
               "next_follow_ups", "unknown_deliveries", "expiring_rights", "inboxes",
               "waiting_for_inbox"}  # fmt: skip
CAMPAIGN_KEYS = {"name", "enrolled", "sent", "replied", "interested", "declined", "not_now",
                 "bounced", "opted_out", "auto_replied", "in_sequence", "finished_no_reply",
                 "unknown_delivery", "reply_rate", "positive_rate", "breakdown"}  # fmt: skip
HOSTILE = "<p>ぜひ試してみたいです！<script>alert(1)</script><img src=x onerror=alert(2)></p>"


def campaign_with_a_reply(workspace: Path, imap_server: DovecotTestServer) -> None:
    """Seven proposals captured by the daemon; Misaki answers with hostile HTML."""
    env = {"OUTREACH_FROM": "Luna at Glowlab <luna@glowlab.example>",
           "OUTREACH_POSTAL_ADDRESS": "1-2-3 Jingumae, Tokyo",
           "OUTREACH_IMAP_HOST": imap_server.host, "OUTREACH_IMAP_PORT": str(imap_server.port),
           "OUTREACH_IMAP_SECURITY": "none", "OUTREACH_IMAP_USER": imap_server.user,
           "OUTREACH_IMAP_PASSWORD": imap_server.password}  # fmt: skip
    (workspace / ".env").write_text("".join(f"{k}={v}\n" for k, v in env.items()), "utf-8")
    for command in (("contacts", "import", "contacts/creators.csv", "--now", NOW),
                    ("campaign", "enroll", "spring-serum", "--now", NOW),
                    ("run", "--once", "--now", "2026-12-01T04:00Z")):  # fmt: skip
        assert run_outreach(workspace, *command).code == 0
    rows = json.loads(run_outreach(workspace, "outbox", "list", "--format", "json").stdout)
    sent_to = next(row["message_id"] for row in rows if row["creator"] == "misaki.hada")
    imap_server.append(
        f"From: misaki@mail.example\r\nTo: luna@glowlab.example\r\nSubject: Re: hello\r\n"
        f"Message-ID: <r1@mail.example>\r\nIn-Reply-To: {sent_to}\r\nMIME-Version: 1.0\r\n"
        f"Content-Type: text/html; charset=utf-8\r\n\r\n{HOSTILE}\r\n".encode()
    )
    synced = run_outreach(workspace, "replies", "sync", "--now", "2026-12-01T06:00Z")
    assert synced.code == 0, synced.stderr


def test_the_report_counts_the_reply_in_every_format(
    workspace: Path, imap_server: DovecotTestServer
) -> None:
    campaign_with_a_reply(workspace, imap_server)
    later = "2026-12-01T09:00Z"

    as_json = run_outreach(workspace, "report", "--format", "json", "--now", later)
    as_table = run_outreach(workspace, "report", "--now", later)
    as_csv = run_outreach(workspace, "report", "--format", "csv", "--campaign", "spring-serum")

    report: dict[str, Any] = json.loads(as_json.stdout)
    assert set(report) == REPORT_KEYS
    (campaign,) = report["campaigns"]
    assert set(campaign) >= CAMPAIGN_KEYS
    # One proposal went (the sample waits 4 minutes between sends), to Misaki, whose reply
    # took her out of the sequence.
    assert (campaign["enrolled"], campaign["sent"], campaign["in_sequence"]) == (7, 1, 6)
    assert (campaign["replied"], campaign["interested"], campaign["reply_rate"]) == (1, 1, 1.0)
    assert [(r["creator"], r["label"], r["age_hours"]) for r in report["needs_response"]] == [
        ("misaki.hada", "interested", 3.0)
    ]
    assert "reply rate" in as_table.stdout and "@misaki.hada" in as_table.stdout
    assert "<script" not in as_table.stdout
    summary = next(csv.DictReader(io.StringIO(as_csv.stdout)))
    assert (summary["name"], summary["replied"], summary["interested"]) == (
        "spring-serum",
        "1",
        "1",
    )


def test_the_html_report_opens_offline_in_a_browser_and_runs_nothing(
    workspace: Path, imap_server: DovecotTestServer, browser: Callable[[], Any], tmp_path: Path
) -> None:
    campaign_with_a_reply(workspace, imap_server)
    page_file = tmp_path / "report.html"

    written = run_outreach(workspace, "report", "--format", "html", "--out", str(page_file),
                           "--now", "2026-12-01T09:00Z")  # fmt: skip

    assert written.code == 0 and written.stdout == ""
    problems: list[str] = []
    with browser() as chromium:
        page = chromium.new_page()
        page.on("console", lambda message: problems.append(f"console: {message.text}"))
        page.on("pageerror", lambda error: problems.append(f"error: {error}"))
        page.on("dialog", lambda dialog: problems.append(f"dialog: {dialog.message}"))
        page.on("request", lambda request: problems.append(f"fetch: {request.url}")
                if not request.url.startswith("file:") else None)  # fmt: skip
        page.goto(page_file.as_uri())
        visible = page.inner_text("body")
        charts = page.locator("svg").count()
        page.close()

    assert problems == []
    assert "spring-serum" in visible and "Reply rate" in visible
    assert "ぜひ試してみたいです！" in visible and "@misaki.hada" in visible
    assert charts >= 3  # funnel, replies over time, rates by tier and by language


def test_bad_report_options_are_named(workspace: Path) -> None:
    cases = {
        ("--format", "pdf"): "'pdf' is not one of table, csv, json, html",
        ("--since", "yesterday"): "'yesterday' is not a date like 2026-12-01",
        ("--campaign", "nope"): "no campaign 'nope' (known: spring-serum)",
    }
    for args, message in cases.items():
        result = run_outreach(workspace, "report", *args)
        assert result.code == 2 and message in result.stderr, result.stderr
