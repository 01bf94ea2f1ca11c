"""End to end: the installed command syncs a real IMAP inbox and lists what came back."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.conftest import run_outreach
from tests.imap_server import DovecotTestServer

DOCUMENTED_KEYS = {"id", "creator", "kind", "label", "confidence", "language", "text",
                   "received_at", "in_reply_to", "needs_review"}  # fmt: skip


def sent_message_id(workspace: Path, handle: str) -> str:
    run_outreach(workspace, "contacts", "import", "contacts/creators.csv")
    sent = run_outreach(
        workspace,
        "send",
        "--to",
        handle,
        "--template",
        "proposal",
        "--yes",
        "--campaign",
        "spring-serum",
    )
    assert sent.code == 0, sent.stderr
    rows = json.loads(run_outreach(workspace, "outbox", "list", "--format", "json").stdout)
    return str(next(row["message_id"] for row in rows if row["creator"] == handle))


def html_reply(message_id: str, sender: str, html: str) -> bytes:
    return (
        f"From: {sender}\r\nTo: luna@glowlab.example\r\nSubject: Re: our proposal\r\n"
        f"Message-ID: <html-1@mail.example>\r\nIn-Reply-To: {message_id}\r\n"
        "MIME-Version: 1.0\r\nContent-Type: text/html; charset=utf-8\r\n\r\n"
        f"{html}\r\n"
    ).encode()


def test_sync_list_show_and_done_through_the_command(
    workspace: Path, imap_server: DovecotTestServer
) -> None:
    env = {"OUTREACH_FROM": "Luna at Glowlab <luna@glowlab.example>",
           "OUTREACH_POSTAL_ADDRESS": "1-2-3 Jingumae, Tokyo",
           "OUTREACH_IMAP_HOST": imap_server.host, "OUTREACH_IMAP_PORT": str(imap_server.port),
           "OUTREACH_IMAP_SECURITY": "none", "OUTREACH_IMAP_USER": imap_server.user,
           "OUTREACH_IMAP_PASSWORD": imap_server.password}  # fmt: skip
    (workspace / ".env").write_text("".join(f"{k}={v}\n" for k, v in env.items()), "utf-8")
    message_id = sent_message_id(workspace, "misaki.hada")
    imap_server.append(html_reply(
        message_id, "misaki@mail.example",
        "<p>ぜひ試してみたいです！<script>alert(1)</script><img src=x onerror=alert(2)></p>"
        "<blockquote>our proposal</blockquote>",
    ))  # fmt: skip
    imap_server.append(b"From: stranger@else.example\r\nSubject: hi\r\n\r\nhello\r\n")

    synced = run_outreach(workspace, "replies", "sync", "--now", "2026-12-01T03:00Z")
    again = run_outreach(workspace, "replies", "sync", "--now", "2026-12-01T03:05Z")
    listed = run_outreach(workspace, "replies", "list", "--format", "json")
    waiting = run_outreach(workspace, "replies", "list", "--needs-response", "--now",
                           "2026-12-01T05:30Z")  # fmt: skip

    assert synced.code == 0, synced.stderr
    assert synced.stdout.endswith(": reply 1, unmatched 1\n")
    assert again.stdout.endswith(": nothing new\n")
    assert imap_server.password not in synced.stdout + synced.stderr
    rows = json.loads(listed.stdout)
    assert [row["kind"] for row in rows] == ["reply", "unmatched"]
    assert all(set(row) >= DOCUMENTED_KEYS for row in rows)
    first = rows[0]
    assert (first["creator"], first["label"], first["in_reply_to"]) == (
        "misaki.hada", "interested", message_id)  # fmt: skip
    assert first["text"] == "ぜひ試してみたいです！" and first["language"] == "ja"
    assert first["needs_review"] is False
    assert rows[1]["creator"] is None
    assert waiting.stdout.splitlines()[2].split()[:4] == [str(first["id"]), "@misaki.hada",
                                                          "reply", "interested"]  # fmt: skip
    assert "2h 30m" in waiting.stdout and "stranger" not in waiting.stdout

    shown = run_outreach(workspace, "replies", "show", str(first["id"]))
    done = run_outreach(workspace, "replies", "done", str(first["id"]))
    after = run_outreach(workspace, "replies", "list", "--needs-response", "--format", "json")

    assert "<script" not in shown.stdout and "onerror" not in shown.stdout
    assert shown.stdout.rstrip().endswith("ぜひ試してみたいです！")
    assert done.code == 0 and json.loads(after.stdout) == []
    history = run_outreach(workspace, "history", "misaki.hada").stdout
    assert "interested: ぜひ試してみたいです！" in history


def test_replies_classify_labels_one_reply_per_line_as_json(tmp_path: Path) -> None:
    replies = (
        "お受けします。\n릴스는 30만원입니다.\nCan we push this to Q2?\n"
        "Merci beaucoup, avec plaisir pour tester le sérum !\n"
    )

    from_stdin = run_outreach(tmp_path, "replies", "classify", stdin=replies)
    (tmp_path / "replies.txt").write_text(replies, encoding="utf-8")
    from_file = run_outreach(tmp_path, "replies", "classify", "--file", "replies.txt")

    assert from_stdin.code == 0, from_stdin.stderr
    assert from_file.stdout == from_stdin.stdout
    found = [json.loads(line) for line in from_stdin.stdout.splitlines()]
    assert [f["label"] for f in found] == ["interested", "rate_request", "not_now", "unclear"]
    assert set(found[0]) == {"label", "confidence", "needs_review", "language"}
    assert found[3] == {"label": "unclear", "confidence": 0.0, "needs_review": True,
                        "language": "fr"}  # fmt: skip


def test_commands_that_do_not_label_never_import_the_training_library() -> None:
    code = (
        "import sys, outreach.cli.app, outreach.services.reply_classifier; "
        "print(sorted(m for m in sys.modules if m.startswith(('sklearn', 'scipy', 'numpy'))))"
    )

    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)

    assert done.stdout.strip() == "[]"
