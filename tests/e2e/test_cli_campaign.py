"""End to end: a campaign through the installed command, from enrolment to follow-ups."""

from __future__ import annotations

import email
import email.policy
import json
import re
from pathlib import Path

import pytest

from tests.campaign_helpers import (
    optional_personal_notes,
    require_personal_notes,
    with_personal_notes,
)
from tests.conftest import run_outreach

TUESDAY_TOKYO_MORNING = "2030-01-08T01:30Z"  # 10:30 in Tokyo and Seoul


@pytest.fixture
def imported(workspace: Path) -> Path:
    """The sample workspace with its creators imported; every proposal may go without a note."""
    optional_personal_notes(workspace)
    assert run_outreach(workspace, "contacts", "import", "contacts/creators.csv").code == 0
    return workspace


def outbox(workspace: Path, *args: str) -> list[dict[str, object]]:
    result = run_outreach(workspace, "outbox", "list", "--format", "json", *args)
    assert result.code == 0, result.stderr
    return json.loads(result.stdout)


def test_dry_run_lists_who_and_why_and_changes_nothing(imported: Path) -> None:
    result = run_outreach(imported, "campaign", "enroll", "spring-serum", "--dry-run")

    assert result.code == 0, result.stderr
    lines = result.stdout.splitlines()
    # Best fit first, each with its score and reasons.
    assert [line.split()[2] for line in lines[:7]] == [
        "@misaki.hada", "@seoyeon.vegan", "@hannahbrooks.skin", "@minji.glow",
        "@kenta.skincare", "@priya.makes.up", "@haruka_vegancos",
    ]  # fmt: skip
    assert lines[0] == (
        "  would enrol  @misaki.hada           fit  84: niches 2/2 (skincare, vegan); engagement "
        "4.8% = 1.9x typical (2.5%); 18,400 followers; ja/JP"
    )
    # TikTok's typical engagement is twice Instagram's: 7.1% there is about typical.
    assert "engagement 7.1% = 0.9x typical (8%)" in lines[6]
    assert lines[7:] == [
        "  left out     @jiho.haircare: niches ['haircare', 'wellness'] not in ['skincare', "
        "'vegan']; 800 followers is below 1,000",
        "spring-serum: 7 would enrol, 0 already enrolled, 1 left out",
    ]
    again = run_outreach(imported, "campaign", "enroll", "spring-serum", "--dry-run")
    assert again.stdout == result.stdout


def test_enrolment_names_the_country_rule_that_leaves_a_source_out(imported: Path) -> None:
    sheet = imported / "contacts" / "creators.csv"
    # Kenta's address turns out to have been passed on by a friend, not published by him.
    sheet.write_text(sheet.read_text(encoding="utf-8").replace(
        "kenta.tanaka@mail.example,bio,", "kenta.tanaka@mail.example,referral,"),
        encoding="utf-8")  # fmt: skip
    assert run_outreach(imported, "contacts", "import", "contacts/creators.csv").code == 0

    result = run_outreach(imported, "campaign", "enroll", "spring-serum", "--dry-run")
    consent = run_outreach(imported, "contacts", "consent", "kenta.skincare", "--source",
                           "asked him by DM on YouTube")  # fmt: skip
    after = run_outreach(imported, "campaign", "enroll", "spring-serum", "--dry-run")

    assert result.code == 0, result.stderr
    assert "  left out     @kenta.skincare: source not allowed for JP: email_source is " in (
        result.stdout
    )
    assert result.stdout.splitlines()[-1].startswith("Where an address came from decides")
    assert consent.code == 0, consent.stderr
    assert "  would enrol  @kenta.skincare" in after.stdout and "Where an address" not in (
        after.stdout
    )


def test_enrolling_twice_changes_nothing(imported: Path) -> None:
    first = run_outreach(imported, "campaign", "enroll", "spring-serum")
    second = run_outreach(imported, "campaign", "enroll", "spring-serum")

    assert first.stdout.splitlines()[-1] == (
        "spring-serum: 7 enrolled, 0 already enrolled, 1 left out"
    )
    assert second.stdout.splitlines()[-1] == (
        "spring-serum: 0 enrolled, 7 already enrolled, 1 left out"
    )


def test_run_once_sends_inside_windows_and_outbox_json_has_the_documented_keys(
    imported: Path,
) -> None:
    run_outreach(imported, "campaign", "enroll", "spring-serum")

    result = run_outreach(imported, "run", "--once", "--now", TUESDAY_TOKYO_MORNING)

    assert result.code == 0, result.stderr
    rows = outbox(imported)
    assert len(rows) == 7
    keys = {"id", "creator", "to", "campaign", "step", "state", "message_id", "attempts",
            "last_error", "sent_at"}  # fmt: skip
    assert all(keys <= set(row) for row in rows)
    sent = [row for row in rows if row["state"] == "sent"]
    # One mailbox, random gaps of 4-10 minutes: at one fixed moment only one message goes.
    assert len(sent) == 1
    assert sent[0]["sent_at"] == "2030-01-08T01:30:00+00:00"
    # 01:30 UTC is 10:30 in Tokyo and Seoul and 17:30 the day before in Los Angeles (all
    # inside 10:00-18:00), but 01:30 in London.
    assert sent[0]["creator"] in {"haruka_vegancos", "kenta.skincare", "minji.glow",
                                  "misaki.hada", "seoyeon.vegan", "hannahbrooks.skin"}  # fmt: skip
    [london] = [r for r in rows if r["creator"] == "priya.makes.up"]
    assert london["state"] == "queued"
    # The output says why the rest wait, and until when (a gap of 4 to 10 minutes).
    assert re.search(
        r"put off by the gap between sends \(min_gap_seconds \+ jitter_seconds\): "
        r"the next may go at 2030-01-08 01:(3[4-9]|40) UTC", result.stderr
    )  # fmt: skip


def test_a_recorded_reply_cancels_the_planned_follow_up(imported: Path) -> None:
    run_outreach(imported, "campaign", "enroll", "spring-serum")
    for minute in range(0, 70, 10):
        run_outreach(imported, "run", "--once", "--now", f"2030-01-08T01:{minute // 10}0Z"
                     if minute < 60 else "2030-01-08T02:10Z")  # fmt: skip
    run_outreach(imported, "run", "--once", "--now", "2030-01-12T02:00Z")  # Saturday: planned
    planned = [r for r in outbox(imported) if r["creator"] == "misaki.hada" and r["step"] == 2]

    recorded = run_outreach(imported, "replies", "record", "misaki.hada", "--kind", "reply",
                            "--note", "Yes please!")  # fmt: skip
    run_outreach(imported, "run", "--once", "--now", "2030-01-13T02:00Z")  # Monday 11:00 JST

    assert [r["state"] for r in planned] == ["queued"]
    assert recorded.stdout == "Recorded reply from @misaki.hada; 1 sequence(s) stopped.\n"
    follow_up = [r for r in outbox(imported) if r["creator"] == "misaki.hada" and r["step"] == 2]
    assert [r["state"] for r in follow_up] == ["cancelled"]
    history = run_outreach(imported, "history", "misaki.hada").stdout
    assert "reply          reply recorded: Yes please!" in history


def test_pause_stops_sends_and_resume_continues(imported: Path) -> None:
    run_outreach(imported, "campaign", "enroll", "spring-serum")
    paused = run_outreach(imported, "campaign", "pause", "spring-serum")

    run_outreach(imported, "run", "--once", "--now", TUESDAY_TOKYO_MORNING)
    while_paused = outbox(imported)
    run_outreach(imported, "campaign", "resume", "spring-serum")
    run_outreach(imported, "run", "--once", "--now", TUESDAY_TOKYO_MORNING)

    assert paused.stdout == (
        "spring-serum paused: nothing more is sent until `outreach campaign resume spring-serum`\n"
    )
    assert while_paused == []
    assert [r["state"] for r in outbox(imported)].count("sent") == 1


def test_status_shows_counts_and_next_times(imported: Path) -> None:
    run_outreach(imported, "campaign", "enroll", "spring-serum")
    run_outreach(imported, "run", "--once", "--now", TUESDAY_TOKYO_MORNING)

    result = run_outreach(imported, "status", "--now", TUESDAY_TOKYO_MORNING)

    lines = result.stdout.splitlines()
    assert lines[0] == "workers alive: 0"
    assert lines[1] == "messages: queued 6, sent 1"
    assert lines[2].startswith("next send: 2030-01-08 01:")
    assert lines[2].endswith("; next step due: 2030-01-12 01:30 UTC")


def test_approval_holds_proposals_as_drafts_until_approved(imported: Path) -> None:
    campaign = imported / "schedules" / "spring-serum.toml"
    campaign.write_text(
        campaign.read_text(encoding="utf-8").replace(
            "require_approval = false", "require_approval = true"
        ),
        encoding="utf-8",
    )
    run_outreach(imported, "campaign", "enroll", "spring-serum")
    run_outreach(imported, "run", "--once", "--now", TUESDAY_TOKYO_MORNING)

    listed = run_outreach(imported, "approve")
    drafts = outbox(imported, "--state", "draft")
    skipped = run_outreach(imported, "approve", "--skip", str(drafts[0]["id"]))
    approved = run_outreach(imported, "approve", "--all")
    run_outreach(imported, "run", "--once", "--now", TUESDAY_TOKYO_MORNING)

    assert listed.stdout.splitlines()[-1] == "7 drafts waiting"
    assert skipped.stdout.startswith(f"Skipped draft {drafts[0]['id']};")
    assert approved.stdout == "Approved 6 drafts.\n"
    states = sorted(str(r["state"]) for r in outbox(imported))
    assert states.count("skipped") == 1
    assert states.count("sent") == 1


def test_a_moment_out_of_range_is_a_usage_error(imported: Path) -> None:
    result = run_outreach(imported, "run", "--once", "--now", "9999-12-31T23:59Z")

    assert result.code == 2
    assert "'9999-12-31T23:59Z' is out of range (years 1970-9000)" in result.stderr


def test_a_campaign_mistake_names_file_line_and_key(imported: Path) -> None:
    campaign = imported / "schedules" / "spring-serum.toml"
    text = campaign.read_text(encoding="utf-8").replace('end = "18:00"', 'end = "09:00"')
    campaign.write_text(text, encoding="utf-8")
    line = 1 + text.splitlines().index(next(x for x in text.splitlines() if x.startswith("end =")))

    result = run_outreach(imported, "campaign", "enroll", "spring-serum")

    assert result.code == 1
    assert result.stderr.splitlines()[-1].startswith(
        f"error: {campaign}:{line}: window.end: '09:00' must be after start '10:00'"
    )


def test_a_step_without_a_template_file_is_refused_before_enrolment(imported: Path) -> None:
    campaign = imported / "schedules" / "spring-serum.toml"
    campaign.write_text(
        campaign.read_text(encoding="utf-8").replace('"follow_up_2"', '"thank_you"'),
        encoding="utf-8",
    )

    result = run_outreach(imported, "campaign", "enroll", "spring-serum")

    assert result.code == 1
    assert result.stderr.splitlines()[-1] == (
        "error: campaign 'spring-serum': steps[3].template: no template named 'thank_you' "
        f"(expected {imported / 'templates/messages'}/LANG/thank_you.txt)"
    )
    assert outbox(imported) == []


def test_status_names_paused_campaigns_and_ones_whose_file_is_gone(imported: Path) -> None:
    run_outreach(imported, "campaign", "enroll", "spring-serum")
    run_outreach(imported, "campaign", "pause", "spring-serum")
    (imported / "schedules" / "spring-serum.toml").rename(imported / "spring-serum.toml.bak")

    lines = run_outreach(imported, "status").stdout.splitlines()

    assert "paused: spring-serum" in lines
    assert (
        "no campaign file for active enrolments of: spring-serum (restore the file in schedules/)"
    ) in lines


def test_an_unknown_outbox_state_is_a_usage_error(imported: Path) -> None:
    result = run_outreach(imported, "outbox", "list", "--state", "bogus")

    assert result.code == 2
    assert "'bogus' is not one of queued, sending, sent" in result.stderr


def test_a_campaign_without_a_description_names_the_file_to_fix_in_full(imported: Path) -> None:
    campaign = imported / "schedules" / "spring-serum.toml"
    text = campaign.read_text(encoding="utf-8")
    campaign.write_text(
        "\n".join(line for line in text.splitlines() if not line.startswith("description")),
        encoding="utf-8",
    )
    for proposal in imported.glob("templates/messages/*/proposal.txt"):
        # The samples say the brief's core message; these templates say the description.
        template = proposal.read_text(encoding="utf-8")
        proposal.write_text(template.replace("core_message | default(description)", "description"),
                            encoding="utf-8")  # fmt: skip
    run_outreach(imported, "campaign", "enroll", "spring-serum")

    run_outreach(imported, "run", "--once", "--now", TUESDAY_TOKYO_MORNING)
    listed = run_outreach(imported, "outbox", "list", "--state", "held")

    held = [row for row in outbox(imported) if row["state"] == "held"]
    assert len(held) == 7
    reason = str(held[0]["last_error"])
    assert "campaign 'spring-serum' has no 'description'" in reason
    assert 'Set description = "..." in schedules/spring-serum.toml' in reason
    assert "--campaign" not in reason  # `run` has no such option
    assert reason.split(": field")[1] in listed.stdout  # the table shows it whole


def test_a_reply_recorded_by_hand_is_listed_labelled_dated_and_reported(imported: Path) -> None:
    run_outreach(imported, "campaign", "enroll", "spring-serum")
    for minute in range(0, 60, 10):
        run_outreach(imported, "run", "--once", "--now", f"2030-01-08T01:{minute}0Z")

    recorded = run_outreach(imported, "replies", "record", "misaki.hada", "--kind", "reply",
                            "--label", "interested", "--text", "Yes please! (by DM)",
                            "--at", "2030-01-09", "--now", "2030-01-10T03:00Z")  # fmt: skip
    listed = run_outreach(imported, "replies", "list", "--needs-response")
    report = json.loads(run_outreach(imported, "report", "--format", "json", "--now",
                                     "2030-01-10T03:00Z").stdout)  # fmt: skip

    assert recorded.code == 0, recorded.stderr
    assert "misaki.hada" in listed.stdout and "interested" in listed.stdout
    [spring] = report["campaigns"]
    assert (spring["replied"], spring["interested"]) == (1, 1)
    [waiting] = report["needs_response"]
    # Noon on 9 January in the brand's zone (UTC by default), not the moment it was typed.
    assert waiting["received_at"] == "2030-01-09T12:00:00+00:00"
    assert waiting["text"] == "Yes please! (by DM)"


def test_a_corrected_label_counts_everywhere_is_in_the_history_and_is_taught(
    imported: Path,
) -> None:
    run_outreach(imported, "campaign", "enroll", "spring-serum")
    for minute in range(0, 60, 10):
        run_outreach(imported, "run", "--once", "--now", f"2030-01-08T01:{minute}0Z")
    slang = "nah fam, zorblax season is over for me"
    run_outreach(imported, "replies", "record", "misaki.hada", "--kind", "reply", "--label",
                 "interested", "--text", slang, "--at", "2030-01-09", "--now",
                 "2030-01-10T03:00Z")  # fmt: skip
    [reply] = json.loads(run_outreach(imported, "replies", "list", "--format", "json").stdout)

    corrected = run_outreach(imported, "replies", "label", str(reply["id"]), "declined",
                             "--now", "2030-01-10T03:00Z")  # fmt: skip
    wrong = run_outreach(imported, "replies", "label", str(reply["id"]), "maybe")
    retrained = run_outreach(imported, "replies", "retrain")

    assert corrected.code == 0, corrected.stderr
    assert f"Reply {reply['id']} is now declined (was interested)" in corrected.stdout
    assert wrong.code == 1 and "'maybe' is not a reply label" in wrong.stderr
    assert "1 correction(s) of this workspace" in retrained.stdout
    [listed] = json.loads(run_outreach(imported, "replies", "list", "--format", "json").stdout)
    assert (listed["label"], listed["needs_review"]) == ("declined", False)
    report = json.loads(run_outreach(imported, "report", "--format", "json").stdout)
    [spring] = report["campaigns"]
    assert (spring["interested"], spring["declined"]) == (0, 1)
    history = run_outreach(imported, "history", "misaki.hada").stdout
    assert f"reply {reply['id']} labelled declined by a person (was interested)" in history


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (("--kind", "reply", "--label", "maybe"), 2, "'maybe' is not one of interested"),
        (("--kind", "bounce", "--label", "declined"), 1, "--label is for replies"),
        (("--kind", "reply", "--at", "2999-01-01"), 1, "is in the future"),
        (("--kind", "reply", "--at", "yesterday"), 1, "--at: 'yesterday' is not a date"),
        (("--kind", "reply", "--campaign", "nope"), 1, "got no message in campaign 'nope'"),
    ],
)
def test_a_bad_answer_by_hand_is_refused_and_nothing_is_recorded(
    imported: Path, args: tuple[str, ...], code: int, message: str
) -> None:
    result = run_outreach(imported, "replies", "record", "misaki.hada", *args)

    assert result.code == code
    assert message in result.stderr
    assert "misaki.hada" not in run_outreach(imported, "replies", "list").stdout


def test_a_template_over_its_limits_holds_only_its_messages_and_the_run_goes_on(
    imported: Path,
) -> None:
    english = imported / "templates" / "messages" / "en" / "proposal.txt"
    english.write_text("Subject: Hi {{ addressee }}\n\n{% for a in range(9999) %}{% for b in "
                       "range(9999) %}{% for c in range(9999) %}{% endfor %}{% endfor %}"
                       "{% endfor %}Hello\n", encoding="utf-8")  # fmt: skip
    run_outreach(imported, "campaign", "enroll", "spring-serum")

    result = run_outreach(imported, "run", "--once", "--now", TUESDAY_TOKYO_MORNING)

    assert result.code == 0, result.stderr
    rows = outbox(imported)
    held = {r["creator"]: r["last_error"] for r in rows if r["state"] == "held"}
    assert set(held) == {"hannahbrooks.skin", "priya.makes.up"}  # the English proposals
    assert all("over a limit: rendering took over 2 s" in str(why) for why in held.values())
    assert any(r["state"] == "sent" for r in rows)  # the others went on


def test_a_first_touch_without_its_personal_note_waits_and_goes_once_written(
    workspace: Path,
) -> None:
    require_personal_notes(workspace)
    for template in workspace.glob("templates/messages/*/proposal.txt"):
        text = template.read_text(encoding="utf-8").partition("--- html ---")[0]
        template.write_text(text.rstrip("\n") + "\n\n{{ personal_note }}\n", encoding="utf-8")
    misaki_note = "敏感肌の成分チェックの投稿、毎回メモしながら読んでいます。"
    with_personal_notes(workspace, {"misaki.hada": misaki_note})
    run_outreach(workspace, "contacts", "import", "contacts/creators.csv")
    run_outreach(workspace, "campaign", "enroll", "spring-serum")

    run_outreach(workspace, "run", "--once", "--now", TUESDAY_TOKYO_MORNING)

    rows = {r["creator"]: r for r in outbox(workspace) if r["step"] == 1}
    assert rows["misaki.hada"]["state"] in ("sent", "queued")
    waiting = {h for h, r in rows.items() if r["state"] == "held"}
    assert "minji.glow" in waiting and "misaki.hada" not in waiting
    assert str(rows["minji.glow"]["last_error"]).startswith("waiting for a personal note")

    minji_note = "비건 스킨케어 루틴 영상에서 성분을 하나하나 설명해 주시는 점이 좋았어요."
    with_personal_notes(workspace, {"misaki.hada": misaki_note, "minji.glow": minji_note})
    assert run_outreach(workspace, "contacts", "import", "contacts/creators.csv").code == 0
    for minute in range(2, 60, 5):  # the gaps between sends: a few runs, minutes apart
        run_outreach(workspace, "run", "--once", "--now", f"2030-01-08T02:{minute:02d}Z")

    [minji] = [r for r in outbox(workspace) if r["creator"] == "minji.glow" and r["step"] == 1]
    assert minji["state"] == "sent"
    [path] = (workspace / "outbox-capture").glob("*minji*.eml")
    message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    body = message.get_body(preferencelist=("plain",))
    assert body is not None and minji_note in body.get_content()  # type: ignore[attr-defined]


def planned_with_notes(workspace: Path, notes: dict[str, str]) -> None:
    """These notes imported a week before, everyone enrolled, first touches planned."""
    with_personal_notes(workspace, notes)
    run_outreach(workspace, "contacts", "import", "contacts/creators.csv", "--now",
                 "2030-01-01T00:00Z")  # fmt: skip
    run_outreach(workspace, "campaign", "enroll", "spring-serum")
    run_outreach(workspace, "run", "--once", "--now", TUESDAY_TOKYO_MORNING)


def test_copied_and_empty_notes_are_held_naming_why_until_fixed(workspace: Path) -> None:
    require_personal_notes(workspace)
    copied = "비건 스킨케어 루틴 영상에서 성분을 하나하나 설명해 주시는 점이 정말 좋았어요."
    notes = {
        "misaki.hada": "敏感肌の成分チェックの投稿、毎回メモしながら読んでいます。",
        "minji.glow": copied,
        "seoyeon.vegan": copied,
        "kenta.skincare": "いつも見てます",
    }
    planned_with_notes(workspace, notes)

    why = {r["creator"]: str(r["last_error"]) for r in outbox(workspace) if r["step"] == 1}
    assert "nearly the same as @seoyeon.vegan's" in why["minji.glow"]
    assert "nearly the same as @minji.glow's" in why["seoyeon.vegan"]
    assert why["kenta.skincare"].startswith("personal note too short")
    assert why["misaki.hada"] == "None"  # queued or sent: nothing wrong
    checked = run_outreach(workspace, "campaign", "check", "spring-serum")
    lines = {line.split()[0]: line for line in checked.stdout.splitlines()[2:-1]}
    assert "@seoyeon.vegan  1.00" in lines["@minji.glow"]
    assert lines["@misaki.hada"].endswith("ok")
    assert lines["@hannahbrooks.skin"].endswith("no note: waits for one")
    assert checked.stdout.splitlines()[-1] == "7 creator(s), 3 note(s) the guard holds"

    notes["seoyeon.vegan"] = (
        "지난주 올리신 비건 선크림 비교 영상, 백탁까지 꼼꼼히 보여 주셔서 믿음이 갔어요."
    )
    with_personal_notes(workspace, notes)
    run_outreach(workspace, "contacts", "import", "contacts/creators.csv", "--now",
                 "2030-01-08T01:40Z")  # fmt: skip
    run_outreach(workspace, "run", "--once", "--now", "2030-01-08T01:45Z")

    states = {r["creator"]: r["state"] for r in outbox(workspace) if r["step"] == 1}
    # Fixing one copy releases both; the short note still waits.
    assert states["minji.glow"] != "held" and states["seoyeon.vegan"] != "held"
    assert states["kenta.skincare"] == "held"


def test_the_guard_checks_again_at_the_moment_of_sending(workspace: Path) -> None:
    require_personal_notes(workspace)
    misaki = "敏感肌の成分チェックの投稿、毎回メモしながら読んでいます。"
    notes = {
        "misaki.hada": misaki,
        "minji.glow": "비건 스킨케어 루틴 영상에서 성분을 하나하나 설명해 주셔서 좋았어요.",
    }
    planned_with_notes(workspace, notes)
    first = {r["creator"]: r["state"] for r in outbox(workspace) if r["step"] == 1}
    [waiting] = [h for h in ("misaki.hada", "minji.glow") if first[h] == "queued"]
    other = "minji.glow" if waiting == "misaki.hada" else "misaki.hada"

    notes[waiting] = notes[other]  # after planning, someone pastes the other creator's note
    with_personal_notes(workspace, notes)
    run_outreach(workspace, "contacts", "import", "contacts/creators.csv", "--now",
                 "2030-01-08T01:35Z")  # fmt: skip
    run_outreach(workspace, "run", "--once", "--now", "2030-01-08T01:50Z")

    [row] = [r for r in outbox(workspace) if r["creator"] == waiting and r["step"] == 1]
    assert row["state"] == "held"
    assert f"nearly the same as @{other}'s" in str(row["last_error"])
