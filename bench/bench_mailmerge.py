"""The same personalised messages sent by mailmerge 2.3 and by outreach, to the same sink.

Run: .venv/bin/python -m bench.bench_mailmerge [--messages 1000]
Needs: .venv/bin/pip install mailmerge==2.3

Both are run as their command-line tools, in child processes, and timed wall-clock from start
to exit (interpreter start-up and imports included for both):
  mailmerge : `mailmerge --no-dry-run --no-limit --output-format raw` with a Jinja2 template
              (multipart/alternative, text + HTML, like outreach's proposal), a CSV database of
              MESSAGES rows and a mailmerge_server.conf pointing at the sink (no security).
  outreach  : `outreach run --once --now ...` on a workspace where MESSAGES creators (English)
              were inserted and enrolled in bulk beforehand (not timed) in a campaign with
              caps far above the run, no gaps and no window: it plans (render, store) and
              sends every message, one transaction per message.
The sink (aiosmtpd, own process) counts messages and TCP connections for each run.
Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import csv
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench._fixtures import (
    ROOT,
    START,
    command_line,
    enroll_all,
    insert_creators,
    make_app,
    make_workspace,
    sink_process,
)

BIN = Path(sys.executable).parent

TEMPLATE = """\
TO: {{name}} <{{email}}>
SUBJECT: A note from Luna at Glowlab about Rice Bran Serum
FROM: Luna at Glowlab <luna@glowlab.example>
MIME-Version: 1.0
Content-Type: multipart/alternative; boundary="outer-boundary"

This is a MIME-encoded message.

--outer-boundary
Content-Type: text/plain; charset=utf-8

Hi {{name}},

I'm Luna from Glowlab. I came across your recent post about {{recent_post}} and it stayed \
with me. It read like advice from a friend, not an ad, and that's why I'm writing to you, \
not to someone with a bigger following.

We've just made Rice Bran Serum. We describe it as "A gentle serum for sensitive skin", \
but I'd rather you judge for yourself.

I'd love to send you one to try, with no strings attached: there's no obligation to post, \
and if it doesn't suit you, I'd honestly rather hear that.

If you do decide to post, here's what we'd ask: Share your honest first impression; no script.

Would you be open to it? A short reply is plenty. Either way, thank you for the care you \
put into your posts.

Warmly,
Luna
Glowlab

--outer-boundary
Content-Type: text/html; charset=utf-8

<html><body>
<p>Hi {{name}},</p>
<p>I'm Luna from Glowlab. I came across <a href="{{recent_post_url}}">your recent post about \
{{recent_post}}</a> and it stayed with me. It read like advice from a friend, not an ad, and \
that's why I'm writing to you, not to someone with a bigger following.</p>
<p>We've just made Rice Bran Serum. We describe it as "A gentle serum for sensitive skin", \
but I'd rather you judge for yourself.</p>
<p>I'd love to send you one to try, with no strings attached: there's no obligation to post, \
and if it doesn't suit you, I'd honestly rather hear that.</p>
<p>If you do decide to post, here's what we'd ask: Share your honest first impression; no \
script.</p>
<p>Would you be open to it? A short reply is plenty. Either way, thank you for the care you \
put into your posts.</p>
<p>Warmly,<br>Luna<br>Glowlab</p>
</body></html>

--outer-boundary--
"""


def write_mailmerge_files(folder: Path, count: int, port: int) -> None:
    """Template, CSV database and server config in FOLDER (mailmerge's default names)."""
    folder.mkdir()
    (folder / "mailmerge_template.txt").write_text(TEMPLATE, encoding="utf-8")
    with (folder / "mailmerge_database.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["email", "name", "recent_post", "recent_post_url"])
        for n in range(count):
            url = f"https://instagram.example.com/p/{n}"
            writer.writerow([f"creator{n}@mail.example", f"Emma Clarke {n}",
                             "a gentle morning routine", url])  # fmt: skip
    # No "security" key: mailmerge then sends in the clear without asking for a password.
    (folder / "mailmerge_server.conf").write_text(
        f"[smtp_server]\nhost = 127.0.0.1\nport = {port}\n", encoding="utf-8"
    )


def timed_run(args: list[str], cwd: Path, env: dict[str, str]) -> tuple[float, int]:
    """Wall seconds and exit code of one command, output discarded."""
    began = time.perf_counter()
    done = subprocess.run(args, cwd=cwd, env=env, stdout=subprocess.DEVNULL,
                          stderr=subprocess.PIPE, text=True)  # fmt: skip
    elapsed = time.perf_counter() - began
    if done.returncode:
        print(f"{args[0]} exited {done.returncode}: {done.stderr[-2000:]}")
    return elapsed, done.returncode


def main() -> None:
    """Run both tools against one sink and print wall times and the ratio."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--messages", type=int, default=1_000)
    args = parser.parse_args()
    count = args.messages
    print(command_line())
    base_env = {k: v for k, v in os.environ.items() if not k.startswith("OUTREACH_")}
    with tempfile.TemporaryDirectory() as folder, sink_process() as sink:
        mm_folder = Path(folder) / "mailmerge"
        write_mailmerge_files(mm_folder, count, sink.port)
        workspace = make_workspace(Path(folder))
        app = make_app(workspace)
        enroll_all(app.engine, insert_creators(app.engine, count, languages=("en",)))
        app.engine.dispose()

        sink.reset()
        mm_seconds, _ = timed_run(
            [str(BIN / "mailmerge"), "--no-dry-run", "--no-limit", "--output-format", "raw"],
            mm_folder, base_env,
        )  # fmt: skip
        mm_messages, mm_connections = sink.stats()

        sink.reset()
        env = dict(base_env, OUTREACH_WORKSPACE=str(workspace), OUTREACH_SMTP_HOST="127.0.0.1",
                   OUTREACH_SMTP_PORT=str(sink.port), OUTREACH_SMTP_SECURITY="none",
                   OUTREACH_POSTAL_ADDRESS="1-2-3 Jingumae, Tokyo")  # fmt: skip
        # The installed `outreach` script, but importing the package from this checkout.
        launcher = ("import sys; sys.path.insert(0, sys.argv.pop(1)); sys.argv[0] = 'outreach'; "
                    "from outreach.cli.app import entry; entry()")  # fmt: skip
        ours_seconds, _ = timed_run(
            [sys.executable, "-c", launcher, str(ROOT), "run", "--once", "--now",
             START.isoformat()], workspace, env,
        )  # fmt: skip
        ours_messages, ours_connections = sink.stats()

    version = subprocess.run([str(BIN / "mailmerge"), "--version"], capture_output=True,
                             text=True, cwd=ROOT).stdout.strip()  # fmt: skip
    print(f"{count} personalised messages (English proposal, text + HTML), sink: aiosmtpd on "
          f"loopback, no TLS, no auth, own process; {version}")  # fmt: skip
    print(f"mailmerge   {mm_messages:>6} msgs  {mm_seconds:6.2f} s  "
          f"{mm_messages / mm_seconds:6.0f} msgs/s  "
          f"{mm_connections} SMTP connection(s)")  # fmt: skip
    print(f"outreach    {ours_messages:>6} msgs  {ours_seconds:6.2f} s  "
          f"{ours_messages / ours_seconds:6.0f} msgs/s  {ours_connections} SMTP connection(s)  "
          f"(plan + render + store + send)")  # fmt: skip
    if mm_messages != count or ours_messages != count:
        print("no ratio: one of them did not send every message (see above)")
        return
    print(f"ratio (mailmerge time / outreach time): {mm_seconds / ours_seconds:.2f}")


if __name__ == "__main__":
    main()
