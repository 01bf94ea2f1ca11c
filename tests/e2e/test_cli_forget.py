"""End to end: `outreach contacts forget` leaves no trace of the person and never lets them back."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import run_outreach

ADDRESS, NAME = "misaki@mail.example", "佐藤美咲"
TRACES = (ADDRESS, NAME, "misaki.hada", "Cx7misaki01", "美咲さん", "ぜひお願いします")


def everything_in(workspace: Path) -> dict[Path, bytes]:
    """Every file of the workspace (the SQLite database and its journal included)."""
    return {path: path.read_bytes() for path in workspace.rglob("*") if path.is_file()}


def test_forget_leaves_no_trace_keeps_the_counts_and_the_person_never_comes_back(
    workspace: Path,
) -> None:
    original_csv = (workspace / "contacts" / "creators.csv").read_text(encoding="utf-8")
    assert run_outreach(workspace, "contacts", "import", "contacts/creators.csv").code == 0
    run_outreach(workspace, "campaign", "enroll", "spring-serum")
    for minute in ("01:30", "01:40", "01:50", "02:00", "02:10", "02:20", "02:30"):
        run_outreach(workspace, "run", "--once", "--now", f"2030-01-08T{minute}Z")
    sent = json.loads(run_outreach(workspace, "outbox", "list", "--format", "json").stdout)
    assert any(row["creator"] == "misaki.hada" and row["state"] == "sent" for row in sent)
    run_outreach(workspace, "replies", "record", "misaki.hada", "--kind", "reply", "--label",
                 "interested", "--text", f"はい、ぜひお願いします！ {NAME}", "--at", "2030-01-09",
                 "--now", "2030-01-10T03:00Z")  # fmt: skip
    before = json.loads(run_outreach(workspace, "report", "--format", "json").stdout)
    assert any(ADDRESS.encode() in data for data in everything_in(workspace).values())

    forgot = run_outreach(workspace, "contacts", "forget", "misaki.hada", "--yes")

    assert forgot.code == 0, forgot.stderr
    assert "Forgot @misaki.hada <misaki@mail.example>. Removed:" in forgot.stdout
    assert "contacts/creators.csv" in forgot.stdout and "outbox-capture/" in forgot.stdout
    for path, data in everything_in(workspace).items():
        for trace in TRACES:
            assert trace.encode() not in data, f"{trace!r} is still in {path}"
    after = json.loads(run_outreach(workspace, "report", "--format", "json").stdout)
    assert after["campaigns"] == before["campaigns"]  # the counts stay right

    # An old copy of the list brings everyone back but her; nothing can reach her again.
    (workspace / "contacts" / "old.csv").write_text(original_csv, encoding="utf-8")
    again = run_outreach(workspace, "contacts", "import", "contacts/old.csv")
    listed = run_outreach(workspace, "contacts", "list")
    assert "old.csv:2: this person asked to be forgotten" in again.stderr
    assert "misaki" not in listed.stdout and "forgotten-" in listed.stdout
    for path, data in everything_in(workspace).items():
        assert path.name == "old.csv" or NAME.encode() not in data, path


def test_forget_asks_first_and_a_no_changes_nothing(workspace: Path) -> None:
    run_outreach(workspace, "contacts", "import", "contacts/creators.csv")

    refused = run_outreach(workspace, "contacts", "forget", "misaki.hada", stdin="n\n")
    shown = run_outreach(workspace, "contacts", "show", "misaki.hada")

    assert refused.code == 1 and "This cannot be undone" in refused.stdout
    assert shown.code == 0 and ADDRESS in shown.stdout
