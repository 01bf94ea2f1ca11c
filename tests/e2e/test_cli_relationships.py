"""End to end: recording a partnership through the command, and refusing bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import run_outreach

NOW = "2026-12-01T01:00Z"
BEFORE = "2026-11-30T01:00Z"


@pytest.fixture
def enrolled(workspace: Path) -> Path:
    """The sample workspace, creators imported and enrolled in spring-serum the day before NOW."""
    csv = "contacts/creators.csv"
    assert run_outreach(workspace, "contacts", "import", csv, "--now", BEFORE).code == 0
    assert run_outreach(workspace, "campaign", "enroll", "spring-serum", "--now", BEFORE).code == 0
    return workspace


def history(workspace: Path, handle: str) -> dict[str, object]:
    result = run_outreach(workspace, "history", handle, "--format", "json")
    assert result.code == 0, result.stderr
    return json.loads(result.stdout)


def test_a_partnership_from_agreement_to_rights_is_one_timeline(enrolled: Path) -> None:
    steps = [
        ("note", "misaki.hada", "Prefers LINE for quick questions"),
        ("agree", "misaki.hada", "--campaign", "spring-serum", "--offer", "paid",
         "--fee", "30000", "JPY", "--deliverables", "1 reel + 2 stories", "--due", "2026-12-20"),
        ("ship", "misaki.hada", "--campaign", "spring-serum", "--carrier", "Yamato",
         "--tracking", "1234-5678"),
        ("delivered", "misaki.hada", "--campaign", "spring-serum", "--on", "2026-12-03"),
        ("content", "add", "misaki.hada", "https://instagram.com/p/serum1",
         "--campaign", "spring-serum", "--posted", "2026-12-10"),
        ("paid", "misaki.hada", "--campaign", "spring-serum", "--amount", "30000", "JPY",
         "--on", "2026-12-15"),
        ("rights", "grant", "misaki.hada", "--content", "https://instagram.com/p/serum1",
         "--channels", "organic,ads,product-page", "--territory", "JP,KR",
         "--from", "2026-12-10", "--until", "2026-12-24", "--fee", "20000", "JPY"),
    ]  # fmt: skip
    outputs = [run_outreach(enrolled, *step, "--now", NOW) for step in steps]

    assert [r.code for r in outputs] == [0] * len(steps), [r.stderr for r in outputs]
    assert outputs[-1].stdout == (
        "Rights recorded for @misaki.hada: organic,ads,product-page in JP,KR, 2026-12-10 to "
        "2026-12-24, fee 20000.00 JPY: https://instagram.com/p/serum1\n"
    )
    timeline = history(enrolled, "misaki.hada")
    kinds = [event["kind"] for event in timeline["events"]]  # type: ignore[index]
    assert kinds[-7:] == ["note", "agreed", "shipped", "delivered", "posted", "paid",
                          "rights_granted"]  # fmt: skip
    agreed = timeline["events"][-6]  # type: ignore[index]
    assert agreed["summary"] == (
        "paid in spring-serum; fee 30000.00 JPY; deliverables: 1 reel + 2 stories; due 2026-12-20"
    )
    assert agreed["detail"]["due"] == "2026-12-20"
    text = run_outreach(enrolled, "history", "misaki.hada").stdout
    assert "note           Prefers LINE for quick questions" in text

    soon = run_outreach(enrolled, "rights", "list", "--expiring", "30", "--format", "json",
                        "--now", "2026-12-20T00:00Z")  # fmt: skip
    later = run_outreach(enrolled, "rights", "list", "--expiring", "30",
                         "--now", "2027-01-10T00:00Z")  # fmt: skip
    [row] = json.loads(soon.stdout)
    assert (row["creator"], row["days_left"], row["until"]) == ("misaki.hada", 4, "2026-12-24")
    assert row["channels"] == ["organic", "ads", "product-page"] and row["exclusive"] is False
    assert "misaki" not in later.stdout  # expired: no longer "expiring"
    status = run_outreach(enrolled, "status", "--now", "2026-12-20T00:00Z").stdout
    assert (
        "usage rights expiring within 14 days (1):\n  2026-12-24    4d  @misaki.hada  "
        "organic,ads,product-page  https://instagram.com/p/serum1" in status
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("agree", "misaki.hada", "--campaign", "summer-sun", "--offer", "gifted"),
         "@misaki.hada is not enrolled in campaign 'summer-sun' (enrolled in: spring-serum)"),
        (("agree", "nobody", "--campaign", "spring-serum", "--offer", "gifted"),
         "no creator @nobody"),
        (("agree", "misaki.hada", "--campaign", "spring-serum", "--offer", "paid"),
         "--offer paid needs --fee AMOUNT CURRENCY"),
        (("agree", "misaki.hada", "--campaign", "spring-serum", "--offer", "gifted",
          "--due", "next friday"), "--due: 'next friday' is not a date like 2026-12-31"),
        (("agree", "misaki.hada", "--campaign", "spring-serum", "--offer", "paid",
          "--fee", "-3", "JPY"), "--fee: '-3' must be 0 or more"),
        (("rights", "grant", "misaki.hada", "--content", "https://x.example/p/1",
          "--channels", "ads", "--from", "2026-12-10", "--until", "2026-11-01"),
         "--until 2026-11-01 is before --from 2026-12-10"),
        (("rights", "grant", "misaki.hada", "--content", "javascript:alert(1)",
          "--channels", "ads", "--from", "2026-12-10", "--until", "2027-01-01"),
         "--content: 'javascript:alert(1)' is not a web address"),
        (("content", "add", "misaki.hada", "https://x.example/p/1", "--campaign", "nope"),
         "is not enrolled in campaign 'nope'"),
        (("delivered", "misaki.hada", "--campaign", "spring-serum", "--on", "2026-11-01"),
         "--on 2026-11-01 is before the shipment of 2026-12-01"),
        (("note", "misaki.hada", "   "), "TEXT: empty text"),
    ],
)  # fmt: skip
def test_bad_input_is_named_and_nothing_is_recorded(
    enrolled: Path, args: tuple[str, ...], message: str
) -> None:
    before = history(enrolled, "misaki.hada")

    result = run_outreach(enrolled, *args, "--now", NOW)

    assert result.code != 0
    assert message in result.stderr, result.stderr
    assert "Traceback" not in result.stderr
    assert history(enrolled, "misaki.hada") == before
