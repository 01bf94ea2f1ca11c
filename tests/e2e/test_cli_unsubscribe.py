"""End to end over real HTTP: one-click unsubscribe (RFC 8058) from the link in a sent message."""

from __future__ import annotations

import email
import email.policy
import json
import os
import re
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

from outreach.core.unsubscribe_tokens import TOKEN_LIFETIME, make_token
from tests.campaign_helpers import optional_personal_notes
from tests.conftest import CLI_ENVIRONMENT, OUTREACH_COMMAND, TEST_SENDER, run_outreach
from tests.server_tools import free_port

SECRET = "test-secret-" + "x" * 30
ONE_CLICK = b"List-Unsubscribe=One-Click"


@contextmanager
def unsubscribe_page(workspace: Path, env: dict[str, str], port: int) -> Iterator[None]:
    """`outreach serve-unsubscribe` as a real process, until the block ends."""
    base = {k: v for k, v in os.environ.items() if not k.startswith("OUTREACH_")}
    process = subprocess.Popen(
        [OUTREACH_COMMAND, "serve-unsubscribe", "--port", str(port)],
        cwd=workspace, env={**base, **CLI_ENVIRONMENT, "OUTREACH_FROM": TEST_SENDER,
                            "OUTREACH_POSTAL_ADDRESS": "1-2-3 Jingumae, Tokyo", **env},
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 20
        while True:
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", port)) == 0:
                    break
            assert process.poll() is None, process.stderr.read() if process.stderr else ""
            assert time.monotonic() < deadline, "the unsubscribe page did not start"
            time.sleep(0.05)
        yield
    finally:
        process.terminate()
        process.wait(10)


def visit(url: str, body: bytes | None = None) -> tuple[int, str]:
    """GET (or POST a body, as a mail provider does: no cookies, no redirects)."""
    request = urllib.request.Request(url, data=body, method="POST" if body else "GET")
    if body:
        request.add_header("Content-Type", "application/x-www-form-urlencoded")
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return answer.status, answer.read().decode("utf-8")
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode("utf-8")


def history_kinds(workspace: Path, env: dict[str, str], handle: str) -> list[str]:
    rows = json.loads(
        run_outreach(workspace, "history", handle, "--format", "json", env=env).stdout
    )
    return [event["kind"] for event in rows["events"]]


def test_one_click_unsubscribe_over_http_once_per_link_and_nothing_for_a_bad_one(
    workspace: Path,
) -> None:
    port = free_port()
    env = {"OUTREACH_UNSUBSCRIBE_URL": f"http://127.0.0.1:{port}/unsubscribe",
           "OUTREACH_UNSUBSCRIBE_SECRET": SECRET}  # fmt: skip
    optional_personal_notes(workspace)
    run_outreach(workspace, "contacts", "import", "contacts/creators.csv", env=env)
    run_outreach(workspace, "campaign", "enroll", "spring-serum", env=env)
    run_outreach(workspace, "run", "--once", "--now", "2030-01-08T01:30Z", env=env)
    [captured] = sorted((workspace / "outbox-capture").glob("*.eml"))
    sent = email.message_from_bytes(captured.read_bytes(), policy=email.policy.default)
    header = str(sent["List-Unsubscribe"]).strip()  # long: folded onto the next line
    link = re.match(r"<(http://[^>]+)>, <mailto:", header)
    assert link and sent["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    address = str(sent["To"].addresses[0].addr_spec)
    rows = json.loads(run_outreach(workspace, "outbox", "list", "--format", "json", env=env).stdout)
    [row] = [r for r in rows if r["state"] == "sent"]
    handle = str(row["creator"])
    shown = run_outreach(workspace, "contacts", "show", handle, env=env).stdout
    language = re.search(r"^language:\s+(\w+)", shown, re.MULTILINE).group(1)  # type: ignore[union-attr]
    url = link.group(1)
    token = url.rsplit("/", 1)[1]
    tampered = url[:-1] + ("A" if url[-1] != "A" else "B")
    old = make_token(SECRET.encode(), str(sent["Message-ID"]),
                     datetime.now(UTC).date() - TOKEN_LIFETIME - timedelta(days=1))  # fmt: skip

    with unsubscribe_page(workspace, env, port):
        page = visit(url)  # a person (or a link scanner) opens the link: nothing happens yet
        listed_before = run_outreach(workspace, "suppress", "list", env=env).stdout
        bad = visit(tampered, ONE_CLICK)
        expired = visit(url.replace(token, old), ONE_CLICK)
        first = visit(url, ONE_CLICK)
        again = visit(url, ONE_CLICK)

    assert (
        page[0] == 200 and f"<html lang={language}>" in page[1] and "<form method=post>" in page[1]
    )
    assert address not in listed_before
    assert bad[0] == 400 and expired[0] == 410
    assert first[0] == 200 and again[0] == 200 and first[1] != again[1]
    assert address in run_outreach(workspace, "suppress", "list", env=env).stdout
    assert history_kinds(workspace, env, handle).count("opt_out") == 1  # once per link
    outbox = json.loads(run_outreach(workspace, "outbox", "list", "--format", "json",
                                     env=env).stdout)  # fmt: skip
    assert not [r for r in outbox if r["creator"] == handle and r["state"] == "queued"]
