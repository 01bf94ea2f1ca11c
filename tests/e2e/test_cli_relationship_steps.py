"""End to end: agree, ship, delivered, then the worker sends the check-in in the thread."""

from __future__ import annotations

import email
from email.message import Message
from pathlib import Path

from tests.conftest import run_outreach

MONDAY_TOKYO = "2030-01-07T01:30Z"  # 10:30 in Tokyo
FRIDAY_TOKYO = "2030-01-11T01:00Z"  # 10:00 in Tokyo: delivery + 3 days, before follow-ups


def captured(workspace: Path) -> list[Message]:
    files = sorted((workspace / "outbox-capture").glob("*.eml"))
    return [email.message_from_bytes(path.read_bytes()) for path in files]


def without_gaps(workspace: Path) -> None:
    campaign = workspace / "schedules" / "spring-serum.toml"
    text = campaign.read_text(encoding="utf-8")
    text = text.replace("min_gap_seconds = 240", "min_gap_seconds = 0")
    campaign.write_text(text.replace("jitter_seconds = 360", "jitter_seconds = 0"), "utf-8")


def test_a_delivery_brings_one_check_in_in_the_proposal_thread(workspace: Path) -> None:
    without_gaps(workspace)
    steps = [
        ("contacts", "import", "contacts/creators.csv"),
        ("campaign", "enroll", "spring-serum"),
        ("run", "--once"),
        ("agree", "misaki.hada", "--campaign", "spring-serum", "--offer", "gifted"),
        ("ship", "misaki.hada", "--campaign", "spring-serum"),
        ("delivered", "misaki.hada", "--campaign", "spring-serum", "--on", "2030-01-08"),
    ]
    for step in steps:
        result = run_outreach(workspace, *step, "--now", MONDAY_TOKYO)
        assert result.code == 0, (step, result.stderr)
    before = captured(workspace)
    [proposal] = [m for m in before if "<misaki@mail.example>" in m["To"]]

    for _ in range(2):  # a rerun sends nothing twice
        result = run_outreach(workspace, "run", "--once", "--now", FRIDAY_TOKYO)
        assert result.code == 0, result.stderr

    # Proposals to creators outside their window on Monday go now too; misaki gets one mail.
    new = captured(workspace)[len(before) :]
    [check_in] = [m for m in new if "<misaki@mail.example>" in m["To"]]
    assert check_in["In-Reply-To"] == proposal["Message-ID"]
    assert check_in["References"] == proposal["Message-ID"]
    body = check_in.get_payload(decode=True) if not check_in.is_multipart() else None
    text = (body or check_in.get_payload(0).get_payload(decode=True)).decode("utf-8")
    assert "無事にお手元に届きましたでしょうか" in text
