"""Building one message: render + MIME + flatten to bytes, in microseconds per message.

Run: .venv/bin/python -m bench.bench_compose [--messages 5000]

outreach.services.composing.compose (render the proposal, check it, build the MIME tree) then
message.as_bytes(policy=email.policy.SMTP), for creators in ja/ko/en (in memory, no database).
For comparison, the same rendered text put into MIME by the stdlib alone:
  - EmailMessage (policy=default, the API outreach uses) with the same headers and parts;
  - email.mime.* classes (compat32 policy, the legacy API).
Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import email.policy
import gc
import tempfile
import time
from collections.abc import Callable
from email.message import EmailMessage
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import format_datetime, formataddr, make_msgid
from pathlib import Path

from bench._fixtures import CAMPAIGN, START, command_line, creator_row, make_app, make_workspace
from outreach.adapters.campaign_files import find_campaign
from outreach.adapters.models import Creator
from outreach.core.context import template_context
from outreach.core.footers import opt_out_footer
from outreach.core.message_builder import build_message
from outreach.services.composing import compose, resolve_sender


def timed(label: str, count: int, work: Callable[[int], object]) -> float:
    """Run work(i) for i in range(count); print and return microseconds per call."""
    gc.collect()
    began = time.perf_counter()
    for index in range(count):
        work(index)
    per_call = (time.perf_counter() - began) / count * 1e6
    print(f"{label:<52} {per_call:8.0f} µs/msg  ({count} msgs)")
    return per_call


def main() -> None:
    """Time the pipeline and its parts."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--messages", type=int, default=5_000)
    args = parser.parse_args()
    count = args.messages
    print(command_line())
    with tempfile.TemporaryDirectory() as folder:
        app = make_app(make_workspace(Path(folder)))
        spec = find_campaign(app.schedules, CAMPAIGN)
        creators = [Creator(id=n + 1, **creator_row(n, START)) for n in range(count)]
        settings, templates = app.settings, app.templates
        smtp = email.policy.SMTP

        # Warm up: template compilation and first-use imports are not part of the figure.
        for creator in creators[:30]:
            compose(settings, templates, creator, "proposal", spec, START)

        composed = [compose(settings, templates, c, "proposal", spec, START) for c in creators]
        sizes = [len(c.built.data) for c in composed[:300]]
        print(f"proposal, languages ja/ko/en in turn, text + HTML alternative; "
              f"about {sum(sizes) // len(sizes)} bytes each on the wire")  # fmt: skip

        total = timed(
            "compose (render + checks + MIME + wire bytes)  [the figure]", count,
            lambda i: compose(settings, templates, creators[i], "proposal", spec, START)
            .built.data,
        )  # fmt: skip

        def compose_one(i: int) -> object:
            return compose(settings, templates, creators[i], "proposal", spec, START)

        timed("  compose again (same work, as a function)", count, compose_one)

        sender = resolve_sender(settings, spec)
        contexts = [
            template_context(c.model_dump(), composed[i].language, spec.template_values(), sender)
            for i, c in enumerate(creators)
        ]

        def render_one(i: int) -> object:
            return templates.load("proposal", composed[i].language).render(contexts[i])

        timed("  render only (Jinja2 sandbox, three parts)", count, render_one)
        footers = {lang: opt_out_footer(lang, sender.from_header, settings.postal_address)
                   for lang in ("ja", "ko", "en")}  # fmt: skip
        timed("  build_message only (outreach MIME)", count,
              lambda i: build_message(composed[i].rendered, composed[i].envelope,
                                      footers[composed[i].language]))  # fmt: skip

        def stdlib_default(i: int) -> bytes:
            c = composed[i]
            message = EmailMessage()
            message["From"] = sender.from_header
            message["To"] = formataddr((creators[i].name or "", creators[i].email))
            message["Subject"] = c.subject
            message["Date"] = format_datetime(START)
            message["Message-ID"] = make_msgid(domain="glowlab.example")
            message["List-Unsubscribe"] = "<mailto:luna@glowlab.example?subject=unsubscribe>"
            message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
            message.set_content(c.rendered.text, charset="utf-8")
            message.add_alternative(c.rendered.html or "", subtype="html")
            return message.as_bytes(policy=smtp)

        def stdlib_compat32(i: int) -> bytes:
            c = composed[i]
            message = MIMEMultipart("alternative")
            message["From"] = sender.from_header
            message["To"] = formataddr((creators[i].name or "", creators[i].email))
            message["Subject"] = c.subject
            message["Date"] = format_datetime(START)
            message["Message-ID"] = make_msgid(domain="glowlab.example")
            message["List-Unsubscribe"] = "<mailto:luna@glowlab.example?subject=unsubscribe>"
            message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
            message.attach(MIMEText(c.rendered.text, "plain", "utf-8"))
            message.attach(MIMEText(c.rendered.html or "", "html", "utf-8"))
            return message.as_bytes()

        print("stdlib alone, same rendered text, no rendering:")
        stdlib = timed("  EmailMessage (policy=default) build + as_bytes", count, stdlib_default)
        timed("  email.mime (compat32) build + as_bytes", count, stdlib_compat32)
        print(f"outreach pipeline / stdlib EmailMessage alone: {total / stdlib:.2f}")


if __name__ == "__main__":
    main()
