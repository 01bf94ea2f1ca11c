"""The report as one self-contained HTML page with inline SVG charts, all data escaped."""

from __future__ import annotations

from functools import cache
from typing import Any

from jinja2 import Environment, StrictUndefined, Template
from markupsafe import Markup

from outreach.core.report_figures import BREAKDOWN_UNITS
from outreach.core.report_text import FUNNEL, handle_text, percent

BAR_WIDTH = 420  # pixels of the longest bar
ROW_HEIGHT = 22


_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Outreach report {{ report.generated_at[:10] }}</title>
<style>
body { font: 14px/1.45 system-ui, sans-serif; margin: 2em auto; max-width: 980px; color: #222; }
h1 { font-size: 1.5em; } h2 { margin-top: 2em; border-bottom: 1px solid #ddd; }
table { border-collapse: collapse; margin: .5em 0 1.5em; }
th, td { padding: 3px 10px; text-align: left; border-bottom: 1px solid #eee; vertical-align: top; }
td.n { text-align: right; font-variant-numeric: tabular-nums; }
.rates { font-size: 1.2em; } .muted { color: #777; } .warn { color: #a00; font-weight: bold; }
svg text { font: 12px system-ui, sans-serif; fill: #222; }
.reply { max-width: 460px; white-space: pre-wrap; overflow-wrap: anywhere; }
</style>
</head>
<body>
<h1>Outreach report</h1>
<p class="muted">{{ "Campaign " ~ report.campaign if report.campaign else "All campaigns" }}
{%- if report.since %}, since {{ report.since }}{% endif %}.
Generated {{ report.generated_at[:16].replace("T", " ") }} UTC; dates in {{ report.timezone }}.</p>
{% for i in report.get("inboxes", []) %}
<p class="{{ 'warn' if i.failing else 'muted' }}">Inbox {{ i.mailbox }}: last read
{{ (i.last_read_at or "never")[:16].replace("T", " ") }}
{%- if i.failing %}; FAILING since {{ (i.last_error_at or "")[:16].replace("T", " ") }}:
{{ i.last_error }}{% endif %}</p>
{% endfor %}
{% if report.get("waiting_for_inbox") %}<p class="warn">{{ report.waiting_for_inbox }}
message(s) wait for the inbox to be read.</p>{% endif %}
{% if not report.campaigns %}<p>No campaign has anything to report yet.</p>{% endif %}
{% for c in report.campaigns %}
<h2>{{ c.name }}</h2>
<p class="rates">Reply rate <b>{{ c.reply_rate | percent }}</b>,
positive rate <b>{{ c.positive_rate | percent }}</b>
<span class="muted">(per creator: {{ c.sent }} creators reached;
{{ c.messages_sent }} messages)</span></p>
<h3>Funnel</h3>
{{ funnel_bars(c) }}
{% if c.replies_by_day %}
<h3>Replies over time</h3>
{{ columns(c.replies_by_day) }}
{% endif %}
{% for dimension in ("tier", "language") if c.breakdown[dimension] %}
<h3>Reply rate by {{ dimension }} <span class="muted">(per {{ units[dimension][:-1] }})</span></h3>
{{ rate_bars(c.breakdown[dimension]) }}
{% endfor %}
{% for dimension, rows in c.breakdown.items() if rows %}
<h3>By {{ dimension }} <span class="muted">(per {{ units[dimension][:-1] }})</span></h3>
<table><tr><th>{{ dimension }}</th><th>sent ({{ units[dimension] }})</th><th>replied</th>
<th>interested</th>
<th>reply rate</th><th>positive rate</th></tr>
{% for r in rows %}<tr><td>{{ r.group }}</td><td class="n">{{ r.sent }}</td>
<td class="n">{{ r.replied }}</td><td class="n">{{ r.interested }}</td>
<td class="n">{{ r.reply_rate | percent }}</td><td class="n">{{ r.positive_rate | percent }}</td>
</tr>{% endfor %}
</table>
{% endfor %}
{% endfor %}
<h2>Waiting for our answer ({{ report.needs_response | length }})</h2>
{% if report.needs_response %}
<table><tr><th>id</th><th>age</th><th>creator</th><th>label</th><th>subject</th><th>text</th></tr>
{% for r in report.needs_response %}<tr><td class="n">{{ r.id }}</td>
<td class="n">{{ "%.0f" | format(r.age_hours) }}h</td><td>{{ who(r.creator) }}</td>
<td>{{ r.label or r.kind }}</td><td>{{ r.subject }}</td><td class="reply">{{ r.text }}</td></tr>
{% endfor %}</table>
{% else %}<p class="muted">Nobody is waiting.</p>{% endif %}
<h2>Next follow-ups ({{ report.next_follow_ups | length }})</h2>
{% if report.next_follow_ups %}
<table><tr><th>due</th><th>creator</th><th>campaign</th><th>step</th></tr>
{% for r in report.next_follow_ups %}<tr><td>{{ r.due_at[:16] }}</td><td>{{ who(r.creator) }}</td>
<td>{{ r.campaign }}</td><td class="n">{{ r.step }}</td></tr>{% endfor %}</table>
{% else %}<p class="muted">None planned.</p>{% endif %}
<h2>Deliveries to check ({{ report.unknown_deliveries | length }})</h2>
{% if report.unknown_deliveries %}
<table><tr><th>id</th><th>creator</th><th>campaign</th><th>step</th><th>to</th></tr>
{% for r in report.unknown_deliveries %}<tr><td class="n">{{ r.id }}</td>
<td>{{ who(r.creator) }}</td><td>{{ r.campaign }}</td><td class="n">{{ r.step }}</td>
<td>{{ r.to }}</td></tr>{% endfor %}</table>
{% else %}<p class="muted">None.</p>{% endif %}
<h2>Usage rights ending soon ({{ report.expiring_rights | length }})</h2>
{% if report.expiring_rights %}
<table><tr><th>until</th><th>days left</th><th>creator</th><th>channels</th><th>content</th></tr>
{% for r in report.expiring_rights %}<tr><td>{{ r.until }}</td><td class="n">{{ r.days_left }}</td>
<td>{{ who(r.creator) }}</td><td>{{ r.channels | join(", ") }}</td>
<td>{{ r.content_url }}</td></tr>{% endfor %}</table>
{% else %}<p class="muted">None.</p>{% endif %}
</body>
</html>
"""

_BARS = """<svg role="img" width="{{ width }}" height="{{ height }}"
 viewBox="0 0 {{ width }} {{ height }}" xmlns="http://www.w3.org/2000/svg">
{% for label, value, shown, length in rows %}
<text x="0" y="{{ loop.index0 * row + 15 }}">{{ label }}</text>
<rect x="150" y="{{ loop.index0 * row + 4 }}" width="{{ length }}" height="{{ row - 8 }}"
 fill="{{ colour }}"/>
<text x="{{ 156 + length }}" y="{{ loop.index0 * row + 15 }}">{{ shown }}</text>
{% endfor %}
</svg>"""

_COLUMNS = """<svg role="img" width="{{ width }}" height="150"
 viewBox="0 0 {{ width }} 150" xmlns="http://www.w3.org/2000/svg">
{% for day, count, height in days %}
<rect x="{{ loop.index0 * step + 2 }}" y="{{ 120 - height }}" width="{{ step - 4 }}"
 height="{{ height }}" fill="#d08a3a"><title>{{ day }}: {{ count }}</title></rect>
{% endfor %}
<text x="0" y="140">{{ first }}</text>
<text x="{{ width }}" y="140" text-anchor="end">{{ last }} (peak {{ peak }} a day)</text>
</svg>"""


def _bars(rows: list[tuple[str, float, str]], colour: str, scale: float | None = None) -> Markup:
    top = scale or max([value for _, value, _ in rows] + [1])
    sized = [(label, value, shown or f"{value:g}", round(BAR_WIDTH * value / top))
             for label, value, shown in rows]  # fmt: skip
    svg = _compiled(_BARS).render(rows=sized, colour=colour, row=ROW_HEIGHT,
                                  width=150 + BAR_WIDTH + 160,
                                  height=ROW_HEIGHT * len(rows) + 4)  # fmt: skip
    return _markup(svg)


def _funnel_bars(campaign: dict[str, Any]) -> Markup:
    rows = [(key.replace("_", " "), float(campaign[key]), str(campaign[key])) for key in FUNNEL]
    return _bars(rows, "#4a7bd0")


def _rate_bars(rows: list[dict[str, Any]]) -> Markup:
    bars = [(r["group"], (r["reply_rate"] or 0) * 100, f"{percent(r['reply_rate'])} of {r['sent']}")
            for r in rows]  # fmt: skip
    return _bars(bars, "#3f9b6b", 100)


def _columns(days: list[dict[str, Any]]) -> Markup:
    peak = max(day["replies"] for day in days)
    step = max(4, min(40, 900 // len(days)))
    sized = [(d["day"], d["replies"], round(110 * d["replies"] / peak)) for d in days]
    svg = _compiled(_COLUMNS).render(days=sized, step=step, width=max(step * len(days), 300),
                                     first=days[0]["day"], last=days[-1]["day"],
                                     peak=peak)  # fmt: skip
    return _markup(svg)


def report_html(report: dict[str, Any]) -> str:
    """The page: opens offline, runs no script, shows reply text only as text."""
    return _compiled(_PAGE).render(report=report, who=handle_text, funnel_bars=_funnel_bars,
                        rate_bars=_rate_bars, columns=_columns, units=BREAKDOWN_UNITS)  # fmt: skip


@cache
def _compiled(source: str) -> Template:
    # Compiled at the first report, not at import: the daemon imports this module for the
    # daily digest, and compiling the page cost every start about 20 ms.
    return _environment().from_string(source)


@cache
def _environment() -> Environment:
    # Autoescape on: reply text, subjects and handles are data written by strangers.
    environment = Environment(autoescape=True, undefined=StrictUndefined, trim_blocks=True,
                              lstrip_blocks=True)  # fmt: skip
    environment.filters["percent"] = percent
    return environment


def _markup(svg: str) -> Markup:
    # The SVG was rendered by our own autoescaping template: safe to insert as markup.
    return Markup(svg)
