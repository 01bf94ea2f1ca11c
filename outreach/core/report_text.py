"""The report as plain text (terminal, digest mail) and as CSV (one row per campaign)."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from typing import Any

from rich.cells import cell_len

from outreach.core.report_figures import BREAKDOWN_UNITS, SUMMARY_KEYS

FUNNEL = ("enrolled", "sent", "replied", "interested", "declined", "not_now", "other_replies",
          "bounced", "opted_out", "auto_replied", "in_sequence", "finished_no_reply",
          "unknown_delivery")  # fmt: skip
TEXT_COLUMNS = 60  # a reply preview in the text report stays on one line


def percent(value: float | None) -> str:
    """A rate as a percentage, or a dash when there is no rate."""
    return "-" if value is None else f"{value * 100:.1f}%"


def report_text(report: dict[str, Any]) -> str:
    """The report a person reads in a terminal or in the morning's mail."""
    scope = f"campaign {report['campaign']}" if report["campaign"] else "all campaigns"
    since = f" since {report['since']}" if report["since"] else ""
    generated = report["generated_at"][:16].replace("T", " ")
    lines = [f"Outreach report, {scope}{since} ({generated} UTC, "
             f"dates in {report['timezone']})", ""]  # fmt: skip
    lines += inbox_lines(report)
    if not report["campaigns"]:
        lines += ["No campaign has anything to report yet.", ""]
    for campaign in report["campaigns"]:
        lines += _campaign_lines(campaign)
    lines += _section(
        "Waiting for our answer (oldest first)",
        ("id", "age", "creator", "label", "text"),
        [
            (
                r["id"],
                _age(r["age_hours"]),
                handle_text(r["creator"]),
                r["label"] or r["kind"],
                _one_line(r["text"]),
            )
            for r in report["needs_response"]
        ],
    )
    lines += _section(
        "Next follow-ups",
        ("due", "creator", "campaign", "step"),
        [
            (r["due_at"][:16], handle_text(r["creator"]), r["campaign"], r["step"])
            for r in report["next_follow_ups"]
        ],
    )
    lines += _section(
        "Deliveries to check (the server's answer was lost; see `outreach outbox`)",
        ("id", "creator", "campaign", "step", "to"),
        [
            (r["id"], handle_text(r["creator"]), r["campaign"], r["step"], r["to"])
            for r in report["unknown_deliveries"]
        ],
    )
    lines += _section(
        "Usage rights ending soon",
        ("until", "days left", "creator", "channels", "content"),
        [
            (
                r["until"],
                r["days_left"],
                handle_text(r["creator"]),
                ",".join(r["channels"]),
                r["content_url"],
            )
            for r in report["expiring_rights"]
        ],
    )
    return "\n".join(lines).rstrip() + "\n"


def report_csv(report: dict[str, Any]) -> str:
    """One row per campaign with the summary keys; spreadsheets open it as it is."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(SUMMARY_KEYS)
    for campaign in report["campaigns"]:
        writer.writerow(_csv_cell(campaign[key]) for key in SUMMARY_KEYS)
    return buffer.getvalue()


def _csv_cell(value: object) -> object:
    # A cell starting with =, +, - or @ is a formula to a spreadsheet: campaign names are
    # typed by people, so they are quoted as text.
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return "'" + value
    return "" if value is None else value


def inbox_lines(report: dict[str, Any]) -> list[str]:
    """Whether replies are being read: first in the report, since everything waits on it."""
    lines = []
    for inbox in report.get("inboxes", []):
        read = (inbox["last_read_at"] or "")[:16].replace("T", " ") or "never"
        line = f"Inbox {_one_line(inbox['mailbox'])}: last read {read}"
        if inbox["failing"]:
            since = (inbox["last_error_at"] or "")[:16].replace("T", " ")
            line += f"; FAILING since {since}: {_one_line(inbox['last_error'] or '')}"
        lines.append(line)
    if report.get("waiting_for_inbox"):
        lines.append(f"{report['waiting_for_inbox']} message(s) wait for the inbox to be read.")
    return [*lines, ""] if lines else []


def _campaign_lines(campaign: dict[str, Any]) -> list[str]:
    counts = ", ".join(f"{key.replace('_', ' ')} {campaign[key]}" for key in FUNNEL)
    lines = [
        f"== {campaign['name']} ==",
        f"reply rate {percent(campaign['reply_rate'])}, "
        f"positive rate {percent(campaign['positive_rate'])} "
        f"(per creator: {campaign['sent']} reached; {campaign['messages_sent']} messages sent)",
        counts,
        "",
    ]
    for dimension, rows in campaign["breakdown"].items():
        if not rows:
            continue
        unit = BREAKDOWN_UNITS[dimension]
        lines.append(f"by {dimension}, per {unit.removesuffix('s')}:")
        lines += _table(
            (dimension, f"sent ({unit})", "replied", "interested", "reply rate", "positive rate"),
            [
                (
                    r["group"],
                    r["sent"],
                    r["replied"],
                    r["interested"],
                    percent(r["reply_rate"]),
                    percent(r["positive_rate"]),
                )
                for r in rows
            ],
        )
        lines.append("")
    return lines


def _section(title: str, headers: Sequence[str], rows: list[Sequence[object]]) -> list[str]:
    if not rows:
        return [f"{title}: none", ""]
    return [f"{title}: {len(rows)}", *_table(headers, rows), ""]


def _table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> list[str]:
    cells = [[_one_line(value) for value in row] for row in [headers, *rows]]
    widths = [max(cell_len(row[i]) for row in cells) for i in range(len(headers))]
    out = []
    for number, row in enumerate(cells):
        padded = [
            value + " " * (width - cell_len(value))
            for value, width in zip(row, widths, strict=True)
        ]
        out.append("  " + "  ".join(padded).rstrip())
        if number == 0:
            out.append("  " + "  ".join("-" * width for width in widths))
    return out


def _one_line(value: object) -> str:
    # A line break or a control character in reply text must not break the table's columns.
    text = "" if value is None else " ".join(str(value).split())
    text = "".join(ch if ch.isprintable() else "?" for ch in text)
    return text if len(text) <= TEXT_COLUMNS else text[: TEXT_COLUMNS - 1] + "…"


def handle_text(handle: str | None) -> str:
    """A creator's handle as shown in a report, or "(unmatched)"."""
    return f"@{handle}" if handle else "(unmatched)"


def _age(hours: float) -> str:
    return f"{hours:.0f}h" if hours < 48 else f"{hours / 24:.0f}d"
