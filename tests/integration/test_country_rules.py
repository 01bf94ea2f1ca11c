"""Rules by the creator's country, applied at the moment of sending."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from outreach.adapters.models import Creator
from outreach.bootstrap import bootstrap
from outreach.services.app import App
from outreach.services.consent import record_consent
from outreach.services.outbox_admin import approve
from outreach.services.replies import ReplyKind, record_reply
from tests.campaign_helpers import (
    SENDER,
    add_creator,
    enroll_in,
    make_app,
    messages,
    run_once,
    write_campaign,
)
from tests.conftest import smtp_environment
from tests.smtp_server import SmtpTestServer


@pytest.fixture
def server() -> Iterator[SmtpTestServer]:
    """A plain SMTP sink on loopback for the test's messages."""
    with SmtpTestServer(security="none") as running:
        yield running


@pytest.fixture
def app(workspace: Path, database_url: str, server: SmtpTestServer) -> App:
    """The workspace's app, sending to the sink."""
    return make_app(workspace, database_url, server)


# A Tuesday, 22:00 in Seoul (13:00 UTC); the campaign has no sending window of its own.
SEOUL_22H = datetime(2026, 12, 1, 13, 0, tzinfo=UTC)
SEOUL_8H = datetime(2026, 12, 1, 23, 0, tzinfo=UTC)


def test_no_advertising_mail_reaches_korea_between_21_and_8_oclock(
    workspace: Path, app: App, server: SmtpTestServer
) -> None:
    spec = write_campaign(workspace, "night", steps=[("pitch_ad", "0d")])
    minji = add_creator(app, "minji", country="KR", timezone="Asia/Seoul", language="en",
                        email_source="consent")  # fmt: skip
    hannah = add_creator(app, "hannah", country="US", timezone="America/New_York")
    enroll_in(app, spec, SEOUL_22H)

    night = run_once(app, SEOUL_22H)
    [waiting] = messages(app, creator_id=minji.id)
    morning = run_once(app, SEOUL_8H)

    assert night.sent == 1 and [m.state for m in messages(app, creator_id=hannah.id)] == ["sent"]
    rule = "Korea's Network Act art. 50(3): no advertising mail 21:00-08:00 Korea time"
    assert night.put_off == {rule: SEOUL_8H}
    assert waiting.state == "queued" and waiting.scheduled_at == SEOUL_8H
    assert morning.sent == 1 and [m.state for m in messages(app, creator_id=minji.id)] == ["sent"]


def test_without_a_postal_address_only_countries_that_do_not_ask_for_one_are_planned(
    workspace: Path, app: App, server: SmtpTestServer
) -> None:
    spec = write_campaign(workspace, "serum", steps=[("pitch_ad", "0d")])
    without = bootstrap(workspace, environ={**environment_of(app, server),
                                            "OUTREACH_POSTAL_ADDRESS": ""})  # fmt: skip
    aiko = add_creator(app, "aiko", country="JP", timezone="Asia/Tokyo", email_source="bio")
    jun = add_creator(app, "jun", country="KR", timezone="Asia/Seoul", email_source="consent")
    hannah = add_creator(app, "hannah", country="US", timezone="America/New_York")
    enroll_in(app, spec, SEOUL_8H)

    blocked = run_once(without, SEOUL_8H + timedelta(hours=2))
    fixed = run_once(app, SEOUL_8H + timedelta(hours=3))

    japan, usa = sorted(blocked.not_lawful)
    rule = "Japan's Act on Specified Electronic Mail, art. 4"
    assert japan == ("OUTREACH_POSTAL_ADDRESS is not set; mail to JP must show the sender's "
                     f"postal address ({rule})")  # fmt: skip
    assert usa == ("OUTREACH_POSTAL_ADDRESS is not set; mail to US must show the sender's "
                   "postal address (CAN-SPAM, 15 U.S.C. 7704(a)(5))")  # fmt: skip
    assert blocked.not_lawful[japan] == {"aiko"} and blocked.not_lawful[usa] == {"hannah"}
    assert blocked.sent == 1  # Korea asks for no postal address: sent
    assert [m.state for m in messages(app, creator_id=jun.id)] == ["sent"]
    assert fixed.sent == 2 and not fixed.not_lawful
    [american] = messages(app, creator_id=hannah.id)
    assert american.state == "sent" and "1-2-3 Jingumae, Tokyo" in american.body_text
    [pitch] = messages(app, creator_id=aiko.id)
    assert "1-2-3 Jingumae, Tokyo" in pitch.body_text  # the footer names the address
    # Japan also asks for a contact for complaints (by default the opt-out address); Korea not.
    assert "Questions or complaints: luna@glowlab.example" in pitch.body_text
    [korean] = messages(app, creator_id=jun.id)
    assert "Questions or complaints" not in korean.body_text


def environment_of(app: App, server: SmtpTestServer) -> dict[str, str]:
    """The settings make_app used (a copy to change one of them)."""
    return {"OUTREACH_DATABASE_URL": app.settings.database_url, "OUTREACH_FROM": SENDER,
            **smtp_environment(server, OUTREACH_SMTP_TIMEOUT_SECONDS="5")}  # fmt: skip


def test_the_first_message_to_europe_says_where_the_address_came_from(
    workspace: Path, app: App, server: SmtpTestServer
) -> None:
    spec = write_campaign(workspace, "serum")  # a proposal, then a follow-up
    priya = add_creator(app, "priya", country="GB", timezone="Europe/London",
                        email_source="bio",
                        email_source_url="https://instagram.example.com/priya")  # fmt: skip
    hana = add_creator(app, "hana", country="JP", timezone="Asia/Tokyo", email_source="bio")
    enroll_in(app, spec, SEOUL_8H)
    run_once(app, SEOUL_8H + timedelta(hours=9))  # 08:00 in London
    run_once(app, SEOUL_8H + timedelta(days=5))

    first, follow_up = messages(app, creator_id=priya.id)
    notice = ("We found your email address in your public profile "
              "(https://instagram.example.com/priya). If you object")  # fmt: skip
    assert first.state == follow_up.state == "sent"
    assert notice in first.body_text and "We found your email" not in follow_up.body_text
    assert all("We found your email" not in m.body_text for m in messages(app, creator_id=hana.id))


def test_an_advertising_subject_to_korea_without_the_marker_is_held_not_changed(
    workspace: Path, app: App, server: SmtpTestServer
) -> None:
    ads = write_campaign(workspace, "ads", steps=[("pitch", "0d")])
    minji = add_creator(app, "minji", country="KR", timezone="Asia/Seoul", email_source="consent")
    enroll_in(app, ads, SEOUL_8H)
    run_once(app, SEOUL_8H + timedelta(hours=2))
    [held] = messages(app, creator_id=minji.id)
    gifts = write_campaign(workspace, "gifts", steps=[("pitch", "0d")], advertising=False,
                           selection={"niches": ["haircare"]})  # fmt: skip
    add_creator(app, "jisoo", country="KR", timezone="Asia/Seoul", niches=["haircare"])
    enroll_in(app, gifts, SEOUL_22H + timedelta(days=1))
    night = run_once(app, SEOUL_22H + timedelta(days=1))  # 22:00 in Seoul

    assert held.state == "held" and held.campaign == "ads"
    assert "Korea's Network Act art. 50(4) wants an advertising subject to start with (광고)" in (
        held.last_error or ""
    )
    assert "set advertising = false in schedules/ads.toml" in (held.last_error or "")
    # Not advertising: no marker needed, and Korea's quiet hours for advertising do not apply.
    assert night.sent == 1 and server.messages[-1].parsed()["Subject"] == (
        "Rice Bran Serum for Jisoo"
    )


def test_enrolment_leaves_out_creators_whose_country_does_not_allow_the_source(
    workspace: Path, database_url: str
) -> None:
    app = make_app(workspace, database_url)
    spec = write_campaign(workspace, "serum", steps=[("pitch_ad", "0d")])
    for handle, country, source in [
        ("aiko", "JP", "referral"), ("hana", "JP", "bio"), ("jun", "KR", "bio"),
        ("minji", "KR", "consent"), ("priya", "GB", None), ("emma", "FR", "website"),
        ("hannah", "US", None),
    ]:  # fmt: skip
        add_creator(app, handle, country=country, email_source=source)

    plan = enroll_in(app, spec, SEOUL_8H)

    assert sorted(c.handle for c in plan.enrolled) == ["emma", "hana", "hannah", "minji"]
    reasons = {c.handle: reason for c, reason in plan.left_out}
    assert reasons["aiko"].startswith("source not allowed for JP: email_source is 'referral'")
    assert (
        "Korea's Network Act art. 50(1) allows advertising mail only with prior consent"
        in (reasons["jun"])
    )
    assert reasons["priya"].startswith("source not allowed for GB: email_source is not recorded")
    assert set(reasons) == {"aiko", "jun", "priya"}


def test_a_source_that_changed_after_enrolment_holds_the_step_until_consent_is_recorded(
    workspace: Path, app: App, server: SmtpTestServer
) -> None:
    spec = write_campaign(workspace, "serum", require_approval=True)
    aiko = add_creator(app, "aiko", country="JP", email_source="bio")
    ren = add_creator(app, "ren", country="JP", email_source="website")
    enroll_in(app, spec, SEOUL_8H)
    run_once(app, SEOUL_8H)  # both proposals planned as drafts for approval
    with app.session() as session:
        for creator in (aiko, ren):
            session.get(Creator, creator.id).email_source = "referral"  # a new import
        session.commit()
        approve(session, None, SEOUL_8H)  # approved before anyone noticed
    run_once(app, SEOUL_8H + timedelta(hours=1))  # the check at the moment of sending
    [held_at_sending] = messages(app, creator_id=aiko.id)
    with app.session() as session:
        record_consent(session, session.get(Creator, aiko.id), "said yes by DM", None, None,
                       SEOUL_8H + timedelta(hours=2))  # fmt: skip
    run_once(app, SEOUL_8H + timedelta(hours=3))  # written again: a draft to approve
    with app.session() as session:
        assert approve(session, None, SEOUL_8H + timedelta(hours=3)) == 1
    released = run_once(app, SEOUL_8H + timedelta(hours=4))
    [still_held] = messages(app, creator_id=ren.id)

    assert held_at_sending.state == "held"
    assert (held_at_sending.last_error or "").startswith(
        "source not allowed for JP: email_source is 'referral'"
    )
    assert released.sent == 1 and server.messages[-1].parsed()["To"].endswith(aiko.email + ">")
    assert [m.state for m in messages(app, creator_id=aiko.id)] == ["sent"]
    assert still_held.state == "held" and still_held.last_error == held_at_sending.last_error


def test_an_opt_out_from_korea_is_confirmed_once_within_14_days(
    workspace: Path, app: App, server: SmtpTestServer
) -> None:
    spec = write_campaign(workspace, "serum", steps=[("pitch_ad", "0d")])
    minji = add_creator(app, "minji", country="KR", timezone="Asia/Seoul",
                        email_source="consent")  # fmt: skip
    jun = add_creator(app, "jun", country="KR", timezone="Asia/Seoul", email_source="consent")
    hannah = add_creator(app, "hannah", country="US")
    enroll_in(app, spec, SEOUL_8H)
    run_once(app, SEOUL_8H + timedelta(hours=2))
    opted_out = {"jun": SEOUL_8H - timedelta(days=20)}  # recorded long ago, by an old version
    with app.session() as session:
        for creator in (minji, jun, hannah):
            row = session.get(Creator, creator.id)
            assert row is not None
            moment = opted_out.get(creator.handle, SEOUL_8H + timedelta(hours=3))
            record_reply(session, row, ReplyKind.OPT_OUT, moment, note="replied 수신거부")
        session.commit()
    first = run_once(app, SEOUL_22H + timedelta(days=1))  # late at night: not advertising
    again = run_once(app, SEOUL_22H + timedelta(days=2))

    assert first.sent == 1 and again.sent == 0
    notice = server.messages[-1].parsed()
    assert notice["To"].endswith(f"<{minji.email}>")
    assert notice["Subject"] == "수신거부 처리 결과 안내 (opt-out confirmed)"
    body = notice.get_body(("plain",)).get_content()
    assert "2026년 12월 2일에 요청하신 광고성 정보 수신거부를 처리했습니다" in body
    assert "We have processed your request of 02 December 2026" in body
    sent_to_minji = [m.template for m in messages(app, creator_id=minji.id)]
    assert sent_to_minji == ["pitch_ad", "opt_out_notice"]
    assert [m.template for m in messages(app, creator_id=jun.id)] == ["pitch_ad"]
    assert [m.template for m in messages(app, creator_id=hannah.id)] == ["pitch_ad"]


def test_a_message_written_with_an_old_postal_address_is_held_at_sending(
    workspace: Path, app: App, server: SmtpTestServer
) -> None:
    spec = write_campaign(workspace, "serum", steps=[("pitch_ad", "0d")],
                          require_approval=True)  # fmt: skip
    hana = add_creator(app, "hana", country="JP", timezone="Asia/Tokyo", email_source="bio")
    enroll_in(app, spec, SEOUL_8H)
    run_once(app, SEOUL_8H)
    with app.session() as session:
        assert approve(session, None, SEOUL_8H) == 1
    new_office = {"OUTREACH_POSTAL_ADDRESS": "4-5-6 Ebisu, Tokyo"}
    moved = bootstrap(workspace, environ={**environment_of(app, server), **new_office})
    report = run_once(moved, SEOUL_8H + timedelta(hours=1))

    [held] = messages(app, creator_id=hana.id)
    assert report.sent == 0 and held.state == "held" and not server.messages
    assert (held.last_error or "").startswith(
        "the message does not show the postal address '4-5-6 Ebisu, Tokyo', which mail to JP "
        "must (Japan's Act on Specified Electronic Mail, art. 4)"
    )
