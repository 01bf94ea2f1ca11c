"""Rules by the creator's country, applied at the moment of sending."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from tests.campaign_helpers import (
    add_creator,
    enroll_in,
    make_app,
    messages,
    run_once,
    write_campaign,
)
from tests.smtp_server import SmtpTestServer

# A Tuesday, 22:00 in Seoul (13:00 UTC); the campaign has no sending window of its own.
SEOUL_22H = datetime(2026, 12, 1, 13, 0, tzinfo=UTC)
SEOUL_8H = datetime(2026, 12, 1, 23, 0, tzinfo=UTC)


def test_no_advertising_mail_reaches_korea_between_21_and_8_oclock(
    workspace: Path, database_url: str
) -> None:
    with SmtpTestServer(security="none") as server:
        app = make_app(workspace, database_url, server)
        spec = write_campaign(workspace, "night", steps=[("pitch", "0d")])
        minji = add_creator(app, "minji", country="KR", timezone="Asia/Seoul", language="en")
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
