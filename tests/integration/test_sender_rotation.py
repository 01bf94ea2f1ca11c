"""Several mailboxes share one campaign: each within its cap, every thread on its sender."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from email.utils import parseaddr
from pathlib import Path

from sqlmodel import select

from outreach.adapters.models import SenderHealth
from tests.campaign_helpers import (
    MONDAY,
    add_creator,
    enroll_in,
    enrollment_of,
    messages,
    run_once,
    write_campaign,
)
from tests.conftest import run_outreach
from tests.mailbox_helpers import mailboxes_toml, sender_app, two_mailboxes
from tests.smtp_server import Fault, SmtpTestServer

LUNA, MINJI = "luna@glowlab.example", "minji@glowlab.example"


def senders_of(server: SmtpTestServer) -> Counter[str]:
    """How many messages each From address sent through this server."""
    return Counter(parseaddr(str(m.parsed()["From"]))[1] for m in server.messages)


def test_two_mailboxes_share_a_campaign_within_their_caps_and_threads_stay_on_them(
    workspace: Path, database_url: str
) -> None:
    with two_mailboxes() as servers:
        (luna, _), (minji, _) = servers["luna"], servers["minji"]
        app = sender_app(workspace, database_url, servers, per_day={"luna": 2, "minji": 3})
        spec = write_campaign(workspace, "duo", senders=["luna", "minji"])
        creators = [add_creator(app, f"creator{n}") for n in range(7)]
        enroll_in(app, spec, MONDAY)

        first_day = run_once(app, MONDAY)

        # Luna may send 2 new proposals a day, Minji 3: five go, two wait for tomorrow.
        assert senders_of(luna) == Counter({LUNA: 2}) and senders_of(minji) == Counter({MINJI: 3})
        assert first_day.sent == 5 and first_day.deferred >= 2
        assert any("new proposals from" in why for why in first_day.put_off)
        assert set(luna.auth_logins) == {LUNA} and set(minji.auth_logins) == {MINJI}
        # The load follows the caps (2:3, then the rest), and every creator keeps a sender.
        assigned = {c.handle: enrollment_of(app, c, "duo").mailbox for c in creators}
        assert Counter(assigned.values()) == Counter({"luna": 3, "minji": 4})

        run_once(app, MONDAY + timedelta(days=1))  # the two that waited
        run_once(app, MONDAY + timedelta(days=5))  # every follow-up (4 days after)

    # Each thread stayed on its sender: proposal and follow-up from the same mailbox, server.
    for creator in creators:
        sent = messages(app, creator_id=creator.id, state="sent")
        assert [m.step for m in sent] == [1, 2]
        mailbox = assigned[creator.handle]
        assert {m.mailbox for m in sent} == {mailbox}
        assert {m.from_address for m in sent} == {f"{mailbox}@glowlab.example"}
    assert sum(senders_of(luna).values()) == 6 and sum(senders_of(minji).values()) == 8
    for server, address in ((luna, LUNA), (minji, MINJI)):
        assert set(senders_of(server)) == {address}


def test_a_mailbox_that_cannot_log_in_pauses_alone_and_its_messages_wait_unharmed(
    workspace: Path, database_url: str
) -> None:
    with two_mailboxes(smtp_passwords={"luna": "a-different-password"}) as servers:
        (luna, _), (minji, _) = servers["luna"], servers["minji"]
        app = sender_app(workspace, database_url, servers, per_day={"luna": 2, "minji": 3})
        spec = write_campaign(workspace, "duo", senders=["luna", "minji"], steps=[("pitch", "0d")])
        creators = [add_creator(app, f"creator{n}") for n in range(4)]
        enroll_in(app, spec, MONDAY)

        report = run_once(app, MONDAY)

        assert luna.messages == [] and len(minji.messages) == 2
        assert report.sent == 2 and report.failed == 0
        luna_rows = messages(app, mailbox="luna")
        assert [m.state for m in luna_rows] == ["queued", "queued"]
        assert all(m.attempts == 0 for m in luna_rows)  # the mailbox's fault, not theirs
        assert all("mailbox 'luna' failing" in (m.last_error or "") for m in luna_rows)
        assert any("login refused" in why for why in report.put_off)
        with app.session() as session:
            health = session.exec(select(SenderHealth)).one()
        assert health.mailbox == "luna" and health.failing_since == MONDAY
        assert "OUTREACH_MAILBOX_LUNA_PASSWORD" in (health.last_error or "")
        assert servers["luna"][1].password not in (health.last_error or "")
        status = run_outreach(workspace, "status", "--now", "2026-10-19T00:00Z",
                              env={"OUTREACH_DATABASE_URL": database_url})  # fmt: skip
        assert "sending from luna: FAILING since 2026-10-19 00:00 UTC: SMTP" in status.stdout
        assert "tried again at 2026-10-19 00:01 UTC; 2 message(s) wait" in status.stdout
        # New creators go to the mailbox that works while Luna is failing.
        late = add_creator(app, "latecomer")
        enroll_in(app, spec, MONDAY + timedelta(minutes=1))
        run_once(app, MONDAY + timedelta(minutes=1))
        assert enrollment_of(app, late, "duo").mailbox == "minji"

        luna.auth = (LUNA, servers["luna"][1].password)  # the server takes it again
        run_once(app, MONDAY + timedelta(hours=1))

    assert len(luna.messages) == 2
    assert all(m.state == "sent" and m.attempts == 1 for m in messages(app, mailbox="luna"))
    with app.session() as session:
        assert session.exec(select(SenderHealth)).one().failing_since is None
    assert len(creators) + 1 == len(messages(app, state="sent"))


def test_different_messages_refused_in_a_row_pause_the_mailbox_one_message_does_not(
    workspace: Path, database_url: str
) -> None:
    with two_mailboxes() as servers:
        luna = servers["luna"][0]
        app = sender_app(workspace, database_url, servers, per_day={"luna": 9})
        spec = write_campaign(workspace, "duo", senders=["luna"], steps=[("pitch", "0d")])
        for n in range(4):
            add_creator(app, f"creator{n}")
        enroll_in(app, spec, MONDAY)
        luna.fail_next(*[Fault(phase="mail", reply="421 4.7.0 Try again later")] * 3)

        report = run_once(app, MONDAY)

    assert luna.messages == [] and report.retried == 3
    with app.session() as session:
        health = session.exec(select(SenderHealth)).one()
    assert health.failing_since == MONDAY and "421 4.7.0" in (health.last_error or "")
    # The fourth message never tried: it waits for the mailbox, as the three retries do.
    assert sorted(m.attempts for m in messages(app)) == [0, 1, 1, 1]


def test_a_paused_mailbox_keeps_its_threads_waiting_and_gets_no_new_creators(
    workspace: Path, database_url: str
) -> None:
    with two_mailboxes() as servers:
        (luna, _), (minji, _) = servers["luna"], servers["minji"]
        app = sender_app(workspace, database_url, servers)
        spec = write_campaign(workspace, "duo", senders=["luna", "minji"])
        ana, bo = add_creator(app, "ana"), add_creator(app, "bo")
        enroll_in(app, spec, MONDAY)
        run_once(app, MONDAY)  # Ana hears from Luna, Bo from Minji
        env = {"OUTREACH_DATABASE_URL": database_url}
        paused = run_outreach(workspace, "mailbox", "pause", "minji", env=env)
        cy = add_creator(app, "cy")
        enroll_in(app, spec, MONDAY + timedelta(days=5))

        held = run_once(app, MONDAY + timedelta(days=5))  # follow-ups, and Cy's proposal
        status = run_outreach(workspace, "status", env=env)
        resumed = run_outreach(workspace, "mailbox", "resume", "minji", "--now",
                               "2026-10-24T00:01Z", env=env)  # fmt: skip
        after = run_once(app, MONDAY + timedelta(days=5, minutes=1))

    assert paused.code == 0 and "Paused minji" in paused.stdout
    assert enrollment_of(app, cy, "duo").mailbox == "luna"  # not the paused one
    assert held.sent == 2  # Ana's follow-up and Cy's proposal, both from Luna
    assert "sending from minji: PAUSED by a person since" in status.stdout
    assert "1 message(s) wait" in status.stdout
    assert "Resumed minji: 1 waiting message(s) are due now." in resumed.stdout
    assert after.sent == 1
    assert [m.state for m in messages(app, creator_id=bo.id)] == ["sent", "sent"]
    assert senders_of(minji) == Counter({MINJI: 2}) and senders_of(luna) == Counter({LUNA: 3})
    assert {m.mailbox for m in messages(app, creator_id=ana.id)} == {"luna"}


def test_a_per_day_changed_in_mailboxes_toml_counts_without_a_restart(
    workspace: Path, database_url: str
) -> None:
    with two_mailboxes() as servers:
        luna = servers["luna"][0]
        app = sender_app(workspace, database_url, servers, per_day={"luna": 5, "minji": 1})
        spec = write_campaign(workspace, "solo", senders=["luna"])
        for n in range(2):
            add_creator(app, f"early{n}")
        enroll_in(app, spec, MONDAY)
        morning = run_once(app, MONDAY)
        # The same process goes on; a person lowers Luna's cap to 3 a day meanwhile.
        (workspace / "mailboxes.toml").write_text(
            mailboxes_toml(servers, {"luna": 3, "minji": 1}), encoding="utf-8"
        )
        for n in range(3):
            add_creator(app, f"late{n}")
        enroll_in(app, spec, MONDAY + timedelta(hours=1))
        later = run_once(app, MONDAY + timedelta(hours=1))

    assert morning.sent == 2 and later.sent == 1  # 3 new proposals today, not 5
    assert senders_of(luna) == Counter({LUNA: 3})
