"""What `outreach` loads before it does anything: help without the database or mail libraries."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import typer

from outreach.cli.app import app
from outreach.cli.lazy_commands import LAZY_COMMANDS

HEAVY = ("sqlalchemy", "sqlmodel", "pydantic", "jinja2", "aiosmtplib", "imapclient",
         "langdetect", "flufl", "email_validator", "authlib", "werkzeug")  # fmt: skip


def loaded_after(*argv: str, heavy: tuple[str, ...] = HEAVY) -> list[str]:
    """The heavy modules imported once `outreach ARGV` has run, in a fresh interpreter (a
    module counts with its own name and the names of the packages it is in)."""
    code = (
        "import sys\nfrom outreach.cli.app import main\n"
        f"try:\n    main({list(argv)!r})\nexcept SystemExit:\n    pass\n"
        "names = {'.'.join(m.split('.')[:n]) for m in sys.modules for n in range(1, 4)}\n"
        f"print(sorted(names & set({heavy!r})))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return eval(done.stdout.strip().splitlines()[-1])  # a printed list of names


def test_help_loads_no_database_template_or_mail_library() -> None:
    assert loaded_after("--help") == []
    assert loaded_after("-w", "/nonexistent-outreach-workspace", "--help") == []


READING_COMMANDS = [["status"], ["outbox", "list"], ["contacts", "list"], ["mailbox", "list"],
                    ["report", "--format", "json"]]  # fmt: skip


@pytest.mark.parametrize("command", READING_COMMANDS)
def test_reading_commands_load_no_template_engine_or_mail_parser(
    tmp_path: Path, command: list[str]
) -> None:
    loaded = loaded_after("-w", str(tmp_path), *command)  # an empty workspace: capture mode
    assert "sqlmodel" in loaded  # it did read the database
    assert not {"jinja2", "aiosmtplib", "langdetect", "flufl"} & set(loaded)


def test_status_on_sqlite_loads_no_imap_library_or_postgresql_dialect(tmp_path: Path) -> None:
    # Each cost `status` about 5-20 ms at start; they are loaded when an inbox is opened or a
    # PostgreSQL database is used.
    heavy = ("imapclient", "sqlalchemy.dialects.postgresql", "sqlalchemy.dialects.sqlite")
    loaded = loaded_after("-w", str(tmp_path), "status", heavy=heavy)
    assert loaded == ["sqlalchemy.dialects.sqlite"]  # the dialect in use is loaded


@pytest.mark.parametrize("name", list(LAZY_COMMANDS))
def test_the_help_line_shown_before_loading_is_the_commands_own(name: str) -> None:
    group = typer.main.get_group(app)
    command = group.get_command(typer.Context(group), name)

    assert command is not None and command.name == name
    assert (command.help or "").strip().split("\n\n")[0].replace("\n", " ") == (
        LAZY_COMMANDS[name].help
    )
