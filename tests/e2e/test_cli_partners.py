"""End to end: `outreach partners` lists, explains and promotes, through the installed command."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlmodel import select

from outreach.adapters.models import Agreement, ContentItem, Creator, Enrollment, Inbound
from outreach.bootstrap import bootstrap
from tests.conftest import run_outreach

THEN = datetime(2029, 11, 1, tzinfo=UTC)
NOW = "2030-01-07T01:00Z"


@pytest.fixture
def with_history(workspace: Path) -> Path:
    """The sample creators, three with a past winter campaign: delivered, silent, declined."""
    assert run_outreach(workspace, "contacts", "import", "contacts/creators.csv").code == 0
    app = bootstrap(workspace, environ={})
    with app.session() as session:
        ids = {c.handle: c.id for c in session.exec(select(Creator))}
        rows: list[object] = [
            Enrollment(campaign="winter", creator_id=ids[handle], state=state,
                       created_at=THEN, updated_at=THEN)
            for handle, state in [("misaki.hada", "replied"), ("minji.glow", "completed"),
                                  ("hannahbrooks.skin", "replied")]
        ]  # fmt: skip
        rows += [
            Agreement(creator_id=ids["misaki.hada"], campaign="winter", offer="gifted",
                      due_on=date(2029, 12, 1), agreed_at=THEN),
            ContentItem(creator_id=ids["misaki.hada"], campaign="winter",
                        url="https://instagram.example/p/1", posted_on=date(2029, 11, 20),
                        recorded_at=THEN),
            Inbound(mailbox="luna@glowlab.example", uidvalidity=1, uid=1, kind="reply",
                    label="declined", creator_id=ids["hannahbrooks.skin"], received_at=THEN),
        ]  # fmt: skip
        session.add_all(rows)
        session.commit()
    return workspace


def partners_json(workspace: Path, *args: str) -> list[dict[str, object]]:
    result = run_outreach(workspace, "partners", "--format", "json", "--now", NOW, *args)
    assert result.code == 0, result.stderr
    rows: list[dict[str, object]] = json.loads(result.stdout)
    return rows


def test_partners_lists_the_best_first_with_the_reasons(with_history: Path) -> None:
    result = run_outreach(with_history, "partners", "--now", NOW)

    assert result.code == 0, result.stderr
    reasons = [
        "+2 replied in 1 campaign; +3 accepted in 1 campaign; "
        "+5 delivered content on time (1 of 1)",
        "-1 silent in 1 campaign",
        "+2 replied in 1 campaign; -4 declined once",
    ]
    assert result.stdout.splitlines() == [
        "handle              name           score  ambassador  campaigns  reasons",
        "------------------  -------------  -----  ----------  ---------  " + "-" * len(reasons[0]),
        "@misaki.hada        佐藤美咲       10                 1          " + reasons[0],
        "@minji.glow         김민지         -1                 1          " + reasons[1],
        "@hannahbrooks.skin  Hannah Brooks  -2                 1          " + reasons[2],
        "3 past partners",
    ]


def test_partners_json_has_the_documented_keys(with_history: Path) -> None:
    rows = partners_json(with_history, "--limit", "1")

    assert rows == [
        {
            "handle": "misaki.hada",
            "platform": "instagram",
            "name": "佐藤美咲",
            "email": "misaki@mail.example",
            "score": 10,
            "ambassador": False,
            "campaigns": 1,
            "agreements": 1,
            "reasons": [
                "+2 replied in 1 campaign",
                "+3 accepted in 1 campaign",
                "+5 delivered content on time (1 of 1)",
            ],
        }
    ]


def test_partners_for_a_campaign_leave_out_who_does_not_fit_it(with_history: Path) -> None:
    (with_history / "schedules" / "spring-serum.toml").write_text(
        (with_history / "schedules" / "spring-serum.toml")
        .read_text(encoding="utf-8")
        .replace('languages = ["ja", "ko", "en"]', 'languages = ["ko", "en"]'),
        encoding="utf-8",
    )

    rows = partners_json(with_history, "--campaign", "spring-serum")

    assert [row["handle"] for row in rows] == ["minji.glow", "hannahbrooks.skin"]


def test_promote_marks_an_ambassador_in_the_history_and_the_score(with_history: Path) -> None:
    first = run_outreach(with_history, "partners", "promote", "@minji.glow", "--now", NOW)
    again = run_outreach(with_history, "partners", "promote", "minji.glow", "--now", NOW)

    assert (first.code, first.stdout) == (0, "@minji.glow is now an ambassador\n")
    assert (again.code, again.stdout) == (0, "@minji.glow is already an ambassador\n")
    rows = partners_json(with_history)
    assert [(row["handle"], row["score"]) for row in rows] == [
        ("misaki.hada", 10), ("minji.glow", 9), ("hannahbrooks.skin", -2)
    ]  # fmt: skip
    assert rows[1]["ambassador"] is True
    assert rows[1]["reasons"] == ["-1 silent in 1 campaign", "+10 ambassador"]
    history = run_outreach(with_history, "history", "minji.glow").stdout.splitlines()
    assert history[-1] == "2030-01-07 01:00 UTC  ambassador     promoted to ambassador"
    demoted = run_outreach(with_history, "partners", "demote", "minji.glow", "--now", NOW)
    assert demoted.stdout == "@minji.glow is no longer an ambassador\n"
    assert [row["score"] for row in partners_json(with_history)] == [10, -1, -2]


def test_without_history_there_are_no_partners_and_the_list_says_why(workspace: Path) -> None:
    assert run_outreach(workspace, "contacts", "import", "contacts/creators.csv").code == 0

    result = run_outreach(workspace, "partners")

    assert result.stdout == (
        "No past partners: a creator counts once enrolled in a campaign or with an agreement "
        "(and not opted out or suppressed).\n"
    )
    assert partners_json(workspace) == []


def test_unknown_handle_and_unknown_campaign_are_refused_by_name(with_history: Path) -> None:
    handle = run_outreach(with_history, "partners", "promote", "nobody")
    campaign = run_outreach(with_history, "partners", "--campaign", "nope")

    assert (handle.code, handle.stdout) == (1, "")
    assert handle.stderr.endswith("error: no creator @nobody; see 'outreach contacts list'\n")
    assert campaign.code == 1
    assert "error: no campaign named 'nope'" in campaign.stderr
