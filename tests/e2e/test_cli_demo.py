"""End to end: the README's demo command, run twice."""

from __future__ import annotations

import email.policy
import itertools
import re
import statistics
from difflib import SequenceMatcher
from email import message_from_bytes
from pathlib import Path

from tests.conftest import run_outreach, run_outreach_process

# The sincerity aim: first touches in one language differ by the words written for each.
MAX_MEDIAN_SIMILARITY = 0.75
KENTA_NOTE = (
    "「忙しい30代男性のための、3分で終わる夜の保湿ケア」を拝見し、スキンケアを難しくしない伝え方が"
    "とても良いと思いました。睡眠の話と合わせて続けられる習慣を紹介されている健太さんに、ぜひ試して"
    "いただきたいです。"
)

SENT = {
    "misaki.hada": "ja",
    "haruka_vegancos": "ja",
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
    assert lines[-6] == (
        "  held  @kenta.skincare     waits for its personal note: why this creator, written by you"
    )
    assert lines[-5] == (
        "  skip  @jiho.haircare      niches ['haircare', 'wellness'] not in ['skincare', "
        "'vegan']; 800 followers is below 1,000"
    )
    assert lines[-4] == (
        "Files: 21 created, 0 kept. Creators: 8 imported, 0 updated, 0 unchanged, 0 skipped. "
        "Enrolled: 7 new, 0 already."
    )
    assert lines[-3] == f"Sent 6 messages into {tmp_path / 'demo' / 'outbox-capture'}"
    assert lines[-2].startswith("Held: the proposal to @kenta.skincare waits for a personal note")
    assert "drafts write kenta.skincare --campaign spring-serum" in lines[-2]
    local_times = [
        re.split(r"\s+", line.strip())[3:5] for line in lines if line.startswith("  sent")
    ]
    for day, clock in local_times:
        assert day in ("Mon", "Tue", "Wed", "Thu", "Fri")
        assert "10:00" <= clock < "18:00"
    emls = sorted((tmp_path / "demo" / "outbox-capture").glob("*.eml"))
    assert len(emls) == 6
    recipients = set()
    for eml in emls:
        message = message_from_bytes(eml.read_bytes(), policy=email.policy.default)
        recipients.add(message["X-Envelope-To"])
        body = message.get_body(preferencelist=("plain",)).get_content()
        assert "{{" not in body and "None" not in body
    assert len(recipients) == 6


def plain_bodies(folder: Path) -> dict[str, list[str]]:
    """The plain-text bodies of the captured messages, by language."""
    by_language: dict[str, list[str]] = {}
    for eml in sorted(folder.glob("*.eml")):
        message = message_from_bytes(eml.read_bytes(), policy=email.policy.default)
        body = message.get_body(preferencelist=("plain",)).get_content().replace("\r\n", "\n")
        by_language.setdefault(_language_of(body), []).append(body)
    return by_language


def _language_of(body: str) -> str:
    if re.search(r"[\u3040-\u30ff]", body):
        return "ja"
    return "ko" if re.search(r"[\uac00-\ud7a3]", body) else "en"


def test_the_demos_proposals_read_as_written_for_each_creator(tmp_path: Path) -> None:
    run_outreach(tmp_path, "demo")

    bodies = plain_bodies(tmp_path / "demo" / "outbox-capture")

    assert sorted(len(found) for found in bodies.values()) == [2, 2, 2]
    for language, found in bodies.items():
        pairs = list(itertools.combinations(found, 2))
        for autojunk in (True, False):
            ratios = [SequenceMatcher(None, a, b, autojunk=autojunk).ratio() for a, b in pairs]
            assert statistics.median(ratios) <= MAX_MEDIAN_SIMILARITY, (language, ratios)
    # No two share a personal note: the paragraph after the greeting is each one's own.
    notes = [body.split("\n\n")[1 if lang == "ko" else 2] for lang, found in bodies.items()
             for body in found]  # fmt: skip
    assert len(set(notes)) == 6 and all(len(note) > 60 for note in notes)


def test_the_held_proposal_goes_once_its_note_is_written(tmp_path: Path) -> None:
    run_outreach(tmp_path, "demo")
    demo = tmp_path / "demo"

    listed = run_outreach(demo, "drafts", "list")
    written = run_outreach(demo, "drafts", "write", "kenta.skincare", "--campaign",
                           "spring-serum", "--text", KENTA_NOTE)  # fmt: skip
    # Years later, the follow-ups are due too and go first; a few runs minutes apart.
    for minute in range(0, 120, 5):
        run_outreach(demo, "run", "--once", "--now", f"2030-01-08T{1 + minute // 60:02d}:"
                     f"{minute % 60:02d}Z")  # fmt: skip
        if list((demo / "outbox-capture").glob("*kenta*.eml")):
            break

    assert "@kenta.skincare" in listed.stdout and "needs a note" in listed.stdout
    assert written.code == 0, written.stderr
    [eml] = (demo / "outbox-capture").glob("*kenta*.eml")
    message = message_from_bytes(eml.read_bytes(), policy=email.policy.default)
    assert KENTA_NOTE in message.get_body(preferencelist=("plain",)).get_content()


def test_running_the_demo_again_sends_nothing_new(tmp_path: Path) -> None:
    run_outreach(tmp_path, "demo")

    second = run_outreach(tmp_path, "demo")

    assert second.code == 0, second.stderr
    assert "  sent " not in second.stdout
    assert (
        "Creators: 0 imported, 0 updated, 8 unchanged, 0 skipped. Enrolled: 0 new, 7 "
        "already." in second.stdout
    )
    assert len(list((tmp_path / "demo" / "outbox-capture").glob("*.eml"))) == 6
