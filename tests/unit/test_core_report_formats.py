"""The report's text, CSV and HTML forms: every figure shown, stranger's text kept inert."""

from __future__ import annotations

import csv
import io
from typing import Any

from outreach.core.report_figures import SUMMARY_KEYS, CampaignFigures, rate
from outreach.core.report_html import report_html
from outreach.core.report_text import report_csv, report_text

HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)>\n\x1b[31mred'


def sample() -> dict[str, Any]:
    """A report with one campaign, one waiting reply with hostile text, one expiring right."""
    figures = CampaignFigures("=spring")
    figures.enrollment_states.update({"active": 3, "completed": 1})
    figures.creators_reached, figures.messages_sent = 4, 6
    figures.reply_labels.update({"interested": 1, "question": 1})
    tally = figures.tally("language", "ja")
    tally.sent, tally.replied, tally.interested = 4, 2, 1
    campaign = figures.as_json()
    campaign["replies_by_day"] = [{"day": "2026-12-01", "replies": 2}]
    return {
        "generated_at": "2026-12-02T08:00:00+00:00", "timezone": "Asia/Tokyo",
        "campaign": None, "since": None, "campaigns": [campaign],
        "needs_response": [{
            "id": 7, "creator": "mi<b>", "campaign": "=spring", "kind": "reply",
            "label": "question", "confidence": 0.5, "received_at": "2026-12-01T00:00:00+00:00",
            "age_hours": 32.0, "subject": HOSTILE, "text": HOSTILE,
        }],
        "next_follow_ups": [], "unknown_deliveries": [],
        "expiring_rights": [{
            "until": "2026-12-20", "days_left": 18, "creator": "mi", "channels": ["ads"],
            "content_url": "https://x.example/p?a=1&b=<2>",
        }],
    }  # fmt: skip


def test_rates_are_shares_of_creators_reached_and_none_without_sends() -> None:
    campaign = sample()["campaigns"][0]
    assert (campaign["replied"], campaign["other_replies"]) == (2, 1)
    assert (campaign["reply_rate"], campaign["positive_rate"]) == (0.5, 0.25)
    assert rate(1, 0) is None
    assert CampaignFigures("empty").as_json()["reply_rate"] is None


def test_html_shows_reply_text_only_as_text_and_runs_nothing() -> None:
    page = report_html(sample())
    assert "<script>" not in page and "<img" not in page
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in page
    assert "@mi&lt;b&gt;" in page
    assert "default-src 'none'" in page  # nothing is fetched, nothing runs
    assert "https://x.example/p?a=1&amp;b=&lt;2&gt;" in page
    assert page.count("<svg") == 3  # funnel, replies over time, language (no tier figures)


def test_text_keeps_one_line_per_row_whatever_the_reply_holds() -> None:
    text = report_text(sample())
    row = next(line for line in text.splitlines() if line.strip().startswith("7 "))
    assert "\x1b" not in text
    assert row.split()[:4] == ["7", "32h", "@mi<b>", "question"]
    assert "reply rate 50.0%, positive rate 25.0% (per creator: 4 reached; 6 messages sent)" in text
    # A breakdown by language counts messages, and says so (the campaign's rates: creators).
    assert "by language, per message:" in text and "sent (messages)" in text
    assert "Usage rights ending soon: 1" in text


def test_csv_has_the_summary_keys_and_defuses_formulas() -> None:
    rows = list(csv.reader(io.StringIO(report_csv(sample()))))
    assert rows[0] == list(SUMMARY_KEYS)
    assert rows[1][0] == "'=spring"
    assert dict(zip(rows[0], rows[1], strict=True))["reply_rate"] == "0.5"
