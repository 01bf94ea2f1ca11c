"""End to end: `outreach drafts`: notes written per campaign, shown, approved and skipped."""

from __future__ import annotations

import email
import email.policy
import json
import stat
import sys
from pathlib import Path

import pytest

from tests.campaign_helpers import require_personal_notes, with_personal_notes
from tests.conftest import run_outreach

TUESDAY_TOKYO_MORNING = "2030-01-08T01:30Z"  # 10:30 in Tokyo and Seoul
MISAKI = "敏感肌の成分チェックの投稿、毎回メモしながら読んでいます。"
MINJI = "비건 스킨케어 루틴 영상에서 성분을 하나하나 설명해 주시는 점이 좋았어요."


@pytest.fixture
def waiting(workspace: Path) -> Path:
    """Notes required; only Misaki has one, so every other first touch waits for its note."""
    require_personal_notes(workspace)
    for template in workspace.glob("templates/messages/*/proposal.txt"):
        text = template.read_text(encoding="utf-8").partition("--- html ---")[0]
        template.write_text(text.rstrip("\n") + "\n\n{{ personal_note }}\n", encoding="utf-8")
    with_personal_notes(workspace, {"misaki.hada": MISAKI})
    assert run_outreach(workspace, "contacts", "import", "contacts/creators.csv").code == 0
    assert run_outreach(workspace, "campaign", "enroll", "spring-serum").code == 0
    assert run_outreach(workspace, "run", "--once", "--now", TUESDAY_TOKYO_MORNING).code == 0
    return workspace


def drafts(workspace: Path) -> list[dict[str, object]]:
    result = run_outreach(workspace, "drafts", "list", "--format", "json")
    assert result.code == 0, result.stderr
    return json.loads(result.stdout)


def draft_of(workspace: Path, handle: str) -> dict[str, object]:
    [found] = [d for d in drafts(workspace) if d["creator"] == handle]
    return found


def sent_body(workspace: Path, handle: str) -> str:
    [path] = (workspace / "outbox-capture").glob(f"*{handle.split('.')[0]}*.eml")
    message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    body = message.get_body(preferencelist=("plain",))
    assert body is not None
    return str(body.get_content())  # type: ignore[attr-defined]


def run_for_an_hour(workspace: Path) -> None:
    for minute in range(2, 60, 5):  # the gaps between sends: a few runs, minutes apart
        run_outreach(workspace, "run", "--once", "--now", f"2030-01-08T02:{minute:02d}Z")


def test_drafts_list_what_waits_for_a_note_with_the_facts_to_write_from(waiting: Path) -> None:
    found = drafts(waiting)

    handles = [d["creator"] for d in found]
    assert "minji.glow" in handles and "misaki.hada" not in handles
    minji = draft_of(waiting, "minji.glow")
    assert minji["kind"] == "needs a note" and minji["campaign"] == "spring-serum"
    assert str(minji["reason"]).startswith("waiting for a personal note")
    profile = minji["profile"]
    assert isinstance(profile, dict) and profile["language"] == "ko" and profile["niches"]
    assert set(profile) >= {"followers", "engagement_rate", "bio", "recent_post", "recent_post_url"}
    table = run_outreach(waiting, "drafts", "list")
    assert table.code == 0 and "@minji.glow" in table.stdout and "needs a note" in table.stdout


def test_drafts_show_prints_the_message_with_a_placeholder_and_the_facts(waiting: Path) -> None:
    draft_id = draft_of(waiting, "minji.glow")["id"]

    shown = run_outreach(waiting, "drafts", "show", str(draft_id))

    assert shown.code == 0, shown.stderr
    assert "To: " in shown.stdout and "minji" in shown.stdout
    assert "[personal note: not written yet]" in shown.stdout
    assert "drafts write minji.glow --campaign spring-serum" in shown.stdout
    assert "niches: " in shown.stdout


def test_a_note_written_for_the_campaign_releases_the_first_touch(waiting: Path) -> None:
    written = run_outreach(waiting, "drafts", "write", "@minji.glow", "--campaign",
                           "spring-serum", "--text", MINJI, "--now",
                           "2030-01-08T01:40Z")  # fmt: skip

    assert written.code == 0, written.stderr
    assert "minji.glow" not in [d["creator"] for d in drafts(waiting)]
    preview = run_outreach(waiting, "preview", "--to", "minji.glow", "--template", "proposal",
                           "--campaign", "spring-serum")  # fmt: skip
    assert MINJI in preview.stdout  # the campaign's note, not the profile's (there is none)
    run_for_an_hour(waiting)
    assert MINJI in sent_body(waiting, "minji.glow")
    history = run_outreach(waiting, "history", "minji.glow").stdout
    assert "personal note for 'spring-serum' written" in history


def test_a_note_from_a_file_or_the_editor(waiting: Path, tmp_path: Path) -> None:
    note_file = tmp_path / "note.txt"
    note_file.write_text(MINJI + "\n", encoding="utf-8")
    from_file = run_outreach(waiting, "drafts", "write", "minji.glow", "--campaign",
                             "spring-serum", "--file", str(note_file))  # fmt: skip
    assert from_file.code == 0, from_file.stderr

    editor = tmp_path / "editor.sh"
    seoyeon = "지난주 올리신 비건 선크림 비교 영상, 백탁까지 꼼꼼히 보여 주셔서 믿음이 갔어요."
    # The editor writes the note above the help the command put below its scissors line.
    editor.write_text(
        f'#!/bin/sh\nprintf "%s\\n\\n" "{seoyeon}" | cat - "$1" > "$1.new" && mv "$1.new" "$1"\n',
        encoding="utf-8",
    )
    editor.chmod(editor.stat().st_mode | stat.S_IEXEC)
    edited = run_outreach(waiting, "drafts", "write", "seoyeon.vegan", "--campaign",
                          "spring-serum", env={"EDITOR": str(editor)})  # fmt: skip

    assert edited.code == 0, edited.stderr
    left = {d["creator"] for d in drafts(waiting)}
    assert "minji.glow" not in left and "seoyeon.vegan" not in left
    run_for_an_hour(waiting)
    body = sent_body(waiting, "seoyeon.vegan")
    assert seoyeon in body and ">8" not in body and "followers" not in body


def test_a_copied_note_is_refused_naming_the_other_creator_and_nothing_is_saved(
    waiting: Path,
) -> None:
    copy = MISAKI.replace("敏感肌", "敏感肌さん")

    refused = run_outreach(waiting, "drafts", "write", "kenta.skincare", "--campaign",
                           "spring-serum", "--text", copy)  # fmt: skip

    assert refused.code == 1
    assert "@kenta.skincare: personal note nearly the same as @misaki.hada's" in refused.stderr
    assert copy in refused.stderr  # the words are not lost
    assert draft_of(waiting, "kenta.skincare")["personal_note"] is None


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("nobody", "--campaign", "spring-serum", "--text", MINJI), "no creator @nobody"),
        (("minji.glow", "--campaign", "autumn", "--text", MINJI), "autumn"),
        (
            ("minji.glow", "--campaign", "spring-serum", "--text", "  "),
            "the personal note is empty",
        ),
    ],
)
def test_a_bad_write_is_refused_and_changes_nothing(
    waiting: Path, args: tuple[str, ...], message: str
) -> None:
    refused = run_outreach(waiting, "drafts", "write", *args)

    assert refused.code != 0 and message in refused.stderr
    assert draft_of(waiting, "minji.glow")["personal_note"] is None


def test_skip_drops_the_draft_and_ends_the_sequence(waiting: Path) -> None:
    draft_id = draft_of(waiting, "minji.glow")["id"]

    approved = run_outreach(waiting, "drafts", "approve", str(draft_id))
    assert approved.code == 1 and "waits for a note, not approval" in approved.stderr
    skipped = run_outreach(waiting, "drafts", "skip", str(draft_id))

    assert skipped.code == 0, skipped.stderr
    assert "minji.glow" not in [d["creator"] for d in drafts(waiting)]
    shown = run_outreach(waiting, "campaign", "show", "spring-serum")
    assert "stopped" in shown.stdout
    again = run_outreach(waiting, "drafts", "show", str(draft_id))
    assert again.code == 1 and "not waiting for a person" in again.stderr


@pytest.fixture
def awaiting_approval(workspace: Path) -> Path:
    """Proposals wait for approval; every sample creator with a note has a rendered draft."""
    campaign = workspace / "schedules" / "spring-serum.toml"
    text = campaign.read_text(encoding="utf-8")
    campaign.write_text(text.replace("require_approval = false", "require_approval = true"),
                        encoding="utf-8")  # fmt: skip
    run_outreach(workspace, "contacts", "import", "contacts/creators.csv")
    run_outreach(workspace, "campaign", "enroll", "spring-serum")
    run_outreach(workspace, "run", "--once", "--now", TUESDAY_TOKYO_MORNING)
    return workspace


def test_drafts_approve_releases_proposals_awaiting_approval(awaiting_approval: Path) -> None:
    workspace = awaiting_approval
    kinds = {d["creator"]: d["kind"] for d in drafts(workspace)}
    assert kinds.pop("kenta.skincare") == "needs a note"  # the sample leaves his note to you
    assert set(kinds.values()) == {"awaiting approval"} and len(kinds) == 6
    first = next(d for d in drafts(workspace) if d["kind"] == "awaiting approval")
    shown = run_outreach(workspace, "drafts", "show", str(first["id"]))
    assert shown.code == 0 and "Subject: " in shown.stdout and "approval" in shown.stdout

    approved = run_outreach(workspace, "drafts", "approve", "--all")

    assert approved.code == 0 and "Approved 6 drafts." in approved.stdout
    assert [d["creator"] for d in drafts(workspace)] == ["kenta.skincare"]


def editor_replacing(tmp_path: Path, old: str, new: str) -> dict[str, str]:
    """An $EDITOR that replaces one phrase in the file it is given."""
    script = tmp_path / "edit.py"
    script.write_text(
        "import sys, pathlib\n"
        "path = pathlib.Path(sys.argv[1])\n"
        f"path.write_text(path.read_text(encoding='utf-8').replace({old!r}, {new!r}), "
        "encoding='utf-8')\n",
        encoding="utf-8",
    )
    return {"EDITOR": f"{sys.executable} {script}"}


def test_an_edited_draft_goes_exactly_as_written_with_its_footer(
    awaiting_approval: Path, tmp_path: Path
) -> None:
    draft_id = str(draft_of(awaiting_approval, "minji.glow")["id"])
    mine = "제가 직접 덧붙인 한 줄이에요."
    env = editor_replacing(tmp_path, "관심 있으시면 짧게 회신만 주셔도 충분해요.", mine)

    edited = run_outreach(awaiting_approval, "drafts", "edit", draft_id, env=env)
    shown = run_outreach(awaiting_approval, "drafts", "show", draft_id)
    run_outreach(awaiting_approval, "drafts", "approve", draft_id)
    run_for_an_hour(awaiting_approval)

    assert edited.code == 0, edited.stderr
    assert mine in shown.stdout and "--- html part ---" not in shown.stdout
    body = sent_body(awaiting_approval, "minji.glow")
    assert mine in body and "관심 있으시면" not in body
    assert '"수신거부"라고 회신해 주세요' in body  # the opt-out footer, once
    assert body.count("수신거부") == 1
    history = run_outreach(awaiting_approval, "history", "minji.glow").stdout
    assert f"draft {draft_id} edited by hand" in history


@pytest.mark.parametrize(
    ("old", "new", "reason"),
    [
        ("Glowlab의 Luna입니다.", "{{ sender_name }}입니다.", "template code '{{'"),
        ("Subject: ", "Topic: ", "the first line must be 'Subject: ...'"),
        ("김민지님", "None님", "says 'None' where a value belongs"),
    ],
)
def test_an_edit_that_would_go_out_wrong_changes_nothing(
    awaiting_approval: Path, tmp_path: Path, old: str, new: str, reason: str
) -> None:
    draft_id = str(draft_of(awaiting_approval, "minji.glow")["id"])
    before = run_outreach(awaiting_approval, "drafts", "show", draft_id, "--raw").stdout

    edited = run_outreach(awaiting_approval, "drafts", "edit", draft_id,
                          env=editor_replacing(tmp_path, old, new))  # fmt: skip

    assert edited.code == 1 and reason in edited.stderr
    assert f"draft {draft_id} not changed" in edited.stderr
    assert run_outreach(awaiting_approval, "drafts", "show", draft_id, "--raw").stdout == before


def test_a_draft_without_text_yet_cannot_be_edited(awaiting_approval: Path) -> None:
    draft_id = str(draft_of(awaiting_approval, "kenta.skincare")["id"])

    edited = run_outreach(awaiting_approval, "drafts", "edit", draft_id)

    assert edited.code == 1 and "has no text to edit yet (needs a note)" in edited.stderr
