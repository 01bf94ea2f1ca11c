"""End to end: the README's demo command, run twice."""

from __future__ import annotations

import email.policy
import re
from email import message_from_bytes
from pathlib import Path

from tests.conftest import run_outreach, run_outreach_process

SENT = {
    "misaki.hada": "ja",
    "haruka_vegancos": "ja",
    "kenta.skincare": "ja",
    "minji.glow": "ko",
    "seoyeon.vegan": "ko",
    "hannahbrooks.skin": "en",
    "priya.makes.up": "en",
}


def test_demo_sends_each_fitting_creator_one_proposal_in_their_language(tmp_path: Path) -> None:
    # The README's first command, as a real process.
    result = run_outreach_process(tmp_path, "demo", env={"OUTREACH_SMTP_HOST": "smtp.real.example"})

    assert result.code == 0, result.stderr
    assert "no inbox is set" not in result.stderr  # the simulated runs are not the daemon's log
    lines = result.stdout.splitlines()
    assert lines[0] == f"Demo workspace: {tmp_path / 'demo'}"
    sent = [re.split(r"\s+", line.strip())[:3] for line in lines if line.startswith("  sent")]
    assert {handle[1:]: language for _, handle, language in sent} == SENT
    assert all(
        re.fullmatch(r"outbox-capture/\d{8}-\d{6}-\S+@\S+-[0-9a-f]{8}\.eml", line.split()[-1])
        for line in lines
        if line.startswith("  sent")
    )
    assert lines[-4] == (
        "  skip  @jiho.haircare      niches ['haircare', 'wellness'] not in ['skincare', "
        "'vegan']; 800 followers is below 1,000"
    )
    assert lines[-3] == (
        "Files: 21 created, 0 kept. Creators: 8 imported, 0 updated, 0 unchanged, 0 skipped. "
        "Enrolled: 7 new, 0 already."
    )
    assert lines[-2] == f"Sent 7 messages into {tmp_path / 'demo' / 'outbox-capture'}"
    local_times = [
        re.split(r"\s+", line.strip())[3:5] for line in lines if line.startswith("  sent")
    ]
    for day, clock in local_times:
        assert day in ("Mon", "Tue", "Wed", "Thu", "Fri")
        assert "10:00" <= clock < "18:00"
    emls = sorted((tmp_path / "demo" / "outbox-capture").glob("*.eml"))
    assert len(emls) == 7
    recipients = set()
    for eml in emls:
        message = message_from_bytes(eml.read_bytes(), policy=email.policy.default)
        recipients.add(message["X-Envelope-To"])
        body = message.get_body(preferencelist=("plain",)).get_content()
        assert "{{" not in body and "None" not in body
    assert len(recipients) == 7


def test_running_the_demo_again_sends_nothing_new(tmp_path: Path) -> None:
    run_outreach(tmp_path, "demo")

    second = run_outreach(tmp_path, "demo")

    assert second.code == 0, second.stderr
    assert "  sent " not in second.stdout
    assert (
        "Creators: 0 imported, 0 updated, 8 unchanged, 0 skipped. Enrolled: 0 new, 7 "
        "already." in second.stdout
    )
    assert len(list((tmp_path / "demo" / "outbox-capture").glob("*.eml"))) == 7
