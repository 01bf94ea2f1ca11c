"""The reply status report counts exactly what happened, on both databases."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

from sqlmodel import select

from outreach.adapters.models import Creator, Inbound, Message
from outreach.core.reply_labels import ReplyLabel
from outreach.services.answers_by_hand import record_answer_by_hand
from outreach.services.app import App
from outreach.services.replies import ReplyKind
from outreach.services.report import ReportRequest, build_report
from tests.campaign_helpers import MONDAY, add_creator, enroll_in, make_app, messages, run_once
from tests.campaign_helpers import write_campaign as write_spec

LATER = MONDAY + timedelta(days=2)


def inbound(
    message: Message, uid: int, kind: str, label: str | None = None, **fields: Any
) -> Inbound:
    """An inbound message answering one of ours, received a day after the send."""
    values: dict[str, Any] = {
        "mailbox": "luna@glowlab.example", "uidvalidity": 1, "uid": uid, "kind": kind,
        "label": label, "confidence": 0.9, "creator_id": message.creator_id,
        "message_id": message.id, "in_reply_to": message.message_id,
        "received_at": MONDAY + timedelta(days=1, hours=uid), "text": f"reply {uid}",
    }  # fmt: skip
    values.update(fields)
    return Inbound(**values)


def sent_campaign(workspace: Path, database_url: str) -> tuple[App, dict[str, Message]]:
    """Six creators reached in spring (two of them Japanese, one macro), one in summer."""
    app = make_app(workspace, database_url)
    macro = {"followers": 250_000, "niches": ["vegan", "skincare"]}
    japanese = {"language": "ja"}
    handles = {"ann": {}, "bo": {}, "cy": japanese, "di": japanese, "ed": macro, "fay": {}}
    for handle, fields in handles.items():
        add_creator(app, handle, **fields)
    ja = workspace / "templates" / "messages" / "ja" / "pitch.txt"
    ja.write_text(
        "Subject: {{ product }}のご案内\n\n{{ addressee }}様\n\nはじめまして。\n", "utf-8"
    )
    spring = write_spec(workspace, "spring")
    enroll_in(app, spring, MONDAY)
    run_once(app, MONDAY)
    summer = write_spec(workspace, "summer", selection={"languages": ["ko"]})
    add_creator(app, "gu", language="ko")
    enroll_in(app, summer, MONDAY)
    run_once(app, MONDAY)
    with app.session() as session:
        handle_of = {c.id: c.handle for c in session.exec(select(Creator))}
    return app, {handle_of[m.creator_id]: m for m in messages(app, campaign="spring")}


def test_every_count_rate_and_list_matches_what_happened(
    workspace: Path, database_url: str
) -> None:
    app, sent = sent_campaign(workspace, database_url)
    with app.session() as session:
        session.add_all([
            inbound(sent["ann"], 1, "reply", "interested"),
            inbound(sent["bo"], 2, "reply", "not_now"),
            inbound(sent["bo"], 3, "reply", "declined"),  # the latest label counts, once
            inbound(sent["cy"], 4, "reply", "interested", handled_at=LATER),
            inbound(sent["di"], 5, "bounce"),
            inbound(sent["ed"], 6, "auto_reply"),
            inbound(sent["fay"], 7, "opt_out"),
            Inbound(mailbox="luna@glowlab.example", uidvalidity=1, uid=8, kind="unmatched",
                    received_at=MONDAY, text="<script>alert(1)</script>"),
        ])  # fmt: skip
        session.commit()
        request = ReportRequest(LATER, "Asia/Tokyo", known_campaigns=("spring", "summer"))
        report = build_report(session, request)

    spring, summer = report["campaigns"]
    expected = {
        "name": "spring", "enrolled": 6, "sent": 6, "messages_sent": 6, "replied": 3,
        "interested": 2, "declined": 1, "not_now": 0, "other_replies": 0, "bounced": 1,
        "opted_out": 1, "auto_replied": 1, "reply_rate": 0.5, "positive_rate": 0.3333,
    }  # fmt: skip
    assert {key: spring[key] for key in expected} == expected
    assert (summer["name"], summer["sent"], summer["replied"], summer["reply_rate"]) == (
        "summer",
        1,
        0,
        0.0,
    )
    by_language = {row["group"]: row for row in spring["breakdown"]["language"]}
    assert (by_language["ja"]["sent"], by_language["ja"]["replied"]) == (2, 1)
    assert by_language["en"]["positive_rate"] == 0.25
    by_tier = {row["group"]: (row["sent"], row["replied"]) for row in spring["breakdown"]["tier"]}
    assert by_tier == {"micro": (5, 3), "macro": (1, 0)}
    by_niche = {row["group"]: row["sent"] for row in spring["breakdown"]["niche"]}
    assert by_niche == {"skincare": 6, "vegan": 1}
    assert [row["group"] for row in spring["breakdown"]["step"]] == ["1"]
    overall = {row["group"]: (row["sent"], row["replied"]) for row in report["breakdown"]["step"]}
    assert overall == {"1": (7, 3)}  # six in spring, one in summer
    # Replies over time are counted by the brand's calendar day (Tokyo is 9 hours ahead).
    assert spring["replies_by_day"] == [{"day": "2026-10-20", "replies": 4}]
    waiting = [(row["creator"], row["kind"]) for row in report["needs_response"]]
    assert waiting == [(None, "unmatched"), ("ann", "reply"), ("bo", "reply"), ("bo", "reply")]
    assert report["needs_response"][1]["age_hours"] == 23.0
    follow_ups = {row["creator"] for row in report["next_follow_ups"]}
    assert follow_ups == {"ann", "bo", "cy", "di", "ed", "fay", "gu"}


def test_one_campaign_since_a_date_leaves_the_rest_out(workspace: Path, database_url: str) -> None:
    app, sent = sent_campaign(workspace, database_url)
    with app.session() as session:
        session.add(inbound(sent["ann"], 1, "reply", "interested"))
        session.commit()
        only = build_report(session, ReportRequest(now=LATER, timezone="UTC", campaign="summer"))
        later = build_report(
            session, ReportRequest(now=LATER, timezone="UTC", since=date(2026, 10, 21))
        )

    assert [c["name"] for c in only["campaigns"]] == ["summer"]
    assert only["needs_response"] == []
    assert [(c["name"], c["sent"], c["replied"]) for c in later["campaigns"]] == []
    assert later["next_follow_ups"] != []  # plans ahead are shown whatever the start date


def test_answers_recorded_by_hand_count_exactly_like_synced_ones(
    workspace: Path, database_url: str
) -> None:
    app, _ = sent_campaign(workspace, database_url)
    a_day_later = MONDAY + timedelta(days=1)
    answers = [("ann", ReplyKind.REPLY, ReplyLabel.INTERESTED), ("bo", ReplyKind.REPLY,
               ReplyLabel.DECLINED), ("di", ReplyKind.BOUNCE, None), ("fay", ReplyKind.OPT_OUT,
               None)]  # fmt: skip
    with app.session() as session:
        for handle, kind, label in answers:
            creator = session.exec(select(Creator).where(Creator.handle == handle)).one()
            record_answer_by_hand(session, creator, kind, LATER, a_day_later, label,
                                  text=f"{handle} said so on the phone")  # fmt: skip
        session.commit()
        request = ReportRequest(LATER, "Asia/Tokyo", known_campaigns=("spring", "summer"))
        report = build_report(session, request)

    spring = report["campaigns"][0]
    expected = {"replied": 2, "interested": 1, "declined": 1, "bounced": 1, "opted_out": 1,
                "reply_rate": 0.3333, "positive_rate": 0.1667}  # fmt: skip
    assert {key: spring[key] for key in expected} == expected
    by_step = {row["group"]: (row["sent"], row["replied"]) for row in spring["breakdown"]["step"]}
    assert by_step == {"1": (6, 2)}  # credited to the proposal they answered
    waiting = [(row["creator"], row["label"], row["age_hours"]) for row in report["needs_response"]]
    assert waiting == [("ann", "interested", 24.0), ("bo", "declined", 24.0)]
