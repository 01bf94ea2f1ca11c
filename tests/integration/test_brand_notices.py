"""The daemon mails the brand once about usage rights entering the warning period."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlmodel import select

from outreach.adapters.models import Event, RightsGrant
from outreach.bootstrap import bootstrap
from outreach.daemon import Daemon
from outreach.services.creators import find_creator
from outreach.services.importing import import_creators
from outreach.services.relationships import RightsRequest, grant_rights
from tests.smtp_server import SmtpTestServer

NOW = datetime(2026, 12, 1, 0, 0, tzinfo=UTC)


def test_expiring_rights_are_mailed_to_the_brand_once(workspace: Path, database_url: str) -> None:
    with SmtpTestServer(security="none") as smtp:
        app = bootstrap(workspace, environ={
            "OUTREACH_DATABASE_URL": database_url, "OUTREACH_SMTP_HOST": smtp.host,
            "OUTREACH_SMTP_PORT": str(smtp.port), "OUTREACH_SMTP_SECURITY": "none",
            "OUTREACH_FROM": "Luna at Glowlab <luna@glowlab.example>",
            "OUTREACH_POSTAL_ADDRESS": "1-2-3 Jingumae, Tokyo",
            "OUTREACH_DIGEST_TO": "team@glowlab.example", "OUTREACH_RIGHTS_WARN_DAYS": "14",
        })  # fmt: skip
        with app.session() as session:
            import_creators(session, workspace / "contacts/creators.csv", NOW)
            for handle, ends in (("misaki.hada", date(2026, 12, 10)),
                                 ("minji.glow", date(2027, 3, 1)),
                                 ("kenta.skincare", date(2026, 11, 20))):  # fmt: skip
                request = RightsRequest(f"https://instagram.com/p/{handle}", ["ads"], ["JP"],
                                        date(2026, 6, 1), ends)  # fmt: skip
                grant_rights(session, find_creator(session, handle), request, NOW)

        asyncio.run(Daemon(app=app, clock=lambda: NOW).run_once())
        asyncio.run(Daemon(app=app, clock=lambda: NOW + timedelta(minutes=30)).run_once())
        # Minji's grant enters the warning period in February: a second, separate notice.
        asyncio.run(Daemon(app=app, clock=lambda: datetime(2027, 2, 20, tzinfo=UTC)).run_once())

        assert [m.rcpt_tos for m in smtp.messages] == [["team@glowlab.example"]] * 2
        first, second = (m.parsed() for m in smtp.messages)
        assert first["Subject"] == "Usage rights ending soon: 1 (first on 2026-12-10)"
        assert first["Auto-Submitted"] == "auto-generated"
        body = first.get_content()
        assert "@misaki.hada: ads until 2026-12-10 (ends in 9 days)" in body
        assert "kenta" not in body and "minji" not in body  # expired / not yet due
        assert "@minji.glow: ads until 2027-03-01" in second.get_content()
        with app.session() as session:
            warned = {g.content_url.rsplit("/", 1)[1]: g.warned_at
                      for g in session.exec(select(RightsGrant))}  # fmt: skip
            assert session.exec(select(Event).where(Event.kind == "rights_granted")).all()
        assert warned["misaki.hada"] == NOW
        assert warned["kenta.skincare"] is None


def test_the_daily_digest_goes_once_a_day_at_the_brands_morning(
    workspace: Path, database_url: str
) -> None:
    with SmtpTestServer(security="none") as smtp:
        app = bootstrap(workspace, environ={
            "OUTREACH_DATABASE_URL": database_url, "OUTREACH_SMTP_HOST": smtp.host,
            "OUTREACH_SMTP_PORT": str(smtp.port), "OUTREACH_SMTP_SECURITY": "none",
            "OUTREACH_FROM": "Luna at Glowlab <luna@glowlab.example>",
            "OUTREACH_POSTAL_ADDRESS": "1-2-3 Jingumae, Tokyo",
            "OUTREACH_DIGEST_TO": "team@glowlab.example", "OUTREACH_DIGEST_AT": "09:00",
            "OUTREACH_TIMEZONE": "Asia/Tokyo",
        })  # fmt: skip
        with app.session() as session:
            import_creators(session, workspace / "contacts/creators.csv", NOW)

        tokyo_morning = datetime(2026, 12, 1, 0, 0, tzinfo=UTC)  # 09:00 in Tokyo
        later, next_day = tokyo_morning + timedelta(hours=5), tokyo_morning + timedelta(days=1)
        for moment in (tokyo_morning - timedelta(minutes=1), tokyo_morning, later, next_day):
            asyncio.run(Daemon(app=app, clock=lambda moment=moment: moment).run_once())

        digests = [m.parsed() for m in smtp.messages]
        assert [" ".join(m["Subject"].split()) for m in digests] == [
            "Outreach 2026-12-01: 0 waiting; reply rate spring-serum -",
            "Outreach 2026-12-02: 0 waiting; reply rate spring-serum -",
        ]
        first = digests[0]
        assert first["Auto-Submitted"] == "auto-generated"
        text = first.get_body(("plain",)).get_content()  # type: ignore[union-attr]
        html = first.get_body(("html",)).get_content()  # type: ignore[union-attr]
        assert text.startswith("Outreach report, all campaigns (2026-12-01 00:00 UTC, dates in")
        assert "== spring-serum ==" in text
        assert "<h2>spring-serum</h2>" in html and "<svg" in html
