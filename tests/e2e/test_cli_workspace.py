"""End to end through the installed command: init, config, settings errors."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import run_outreach

SAMPLE_FILES = [
    ".env.example",
    "contacts/creators.csv",
    "schedules/spring-serum.toml",
    *(
        f"templates/messages/{lang}/{name}.txt"
        for lang in ("en", "ja", "ko")
        for name in (
            "check_in",
            "due_reminder",
            "follow_up_1",
            "follow_up_2",
            "proposal",
            "rights_renewal",
        )
    ),
]


def test_init_writes_every_sample_file(tmp_path: Path) -> None:
    result = run_outreach(tmp_path, "init", "brand")

    assert result.code == 0
    expected = [f"Created brand/{name}" for name in sorted(SAMPLE_FILES)]
    lines = result.stdout.splitlines()
    assert sorted(lines[:-1]) == sorted(expected)
    assert lines[-1] == "Workspace ready in brand. Next: cd brand && cp .env.example .env"
    for name in SAMPLE_FILES:
        assert (tmp_path / "brand" / name).stat().st_size > 0


def test_init_never_overwrites_an_existing_file(tmp_path: Path) -> None:
    run_outreach(tmp_path, "init", "brand")
    mine = tmp_path / "brand/templates/messages/en/proposal.txt"
    mine.write_text("Subject: mine\n\nMy own words.\n", encoding="utf-8")

    result = run_outreach(tmp_path, "init", "brand")

    assert result.code == 0
    assert "Kept brand/templates/messages/en/proposal.txt (already there)" in result.stdout
    assert "Created" not in result.stdout
    assert mine.read_text(encoding="utf-8") == "Subject: mine\n\nMy own words.\n"


def test_config_masks_passwords_and_names_sources(workspace: Path) -> None:
    (workspace / ".env").write_text(
        "OUTREACH_SMTP_HOST=smtp.glowlab.example\n"
        "OUTREACH_SMTP_PASSWORD=hunter2-from-file\n"
        "OUTREACH_DATABASE_URL=postgresql+psycopg://app:db-pass-77@db.example/outreach\n",
        encoding="utf-8",
    )
    result = run_outreach(workspace, "config", env={"OUTREACH_SMTP_HOST": "smtp.override.example"})

    assert result.code == 0, result.stderr
    lines = {line.split()[0]: line.split()[1:] for line in result.stdout.splitlines()[3:]}
    assert lines["OUTREACH_SMTP_HOST"] == ["smtp.override.example", "the", "environment"]
    assert lines["OUTREACH_SMTP_PASSWORD"] == ["********", str(workspace / ".env")]
    assert lines["OUTREACH_DATABASE_URL"][0] == (
        "postgresql+psycopg://app:********@db.example/outreach"
    )
    assert "hunter2-from-file" not in result.stdout + result.stderr
    assert "db-pass-77" not in result.stdout + result.stderr
    assert "Capture mode" not in result.stderr


def test_capture_mode_is_announced_by_every_command(workspace: Path) -> None:
    result = run_outreach(workspace, "contacts", "list")

    assert result.code == 0
    assert result.stderr == (
        "Capture mode: OUTREACH_SMTP_HOST is not set, so messages are written as .eml files "
        f"to {workspace / 'outbox-capture'} and nothing is sent.\n"
    )


def test_an_invalid_setting_is_an_error_naming_the_key_and_file(workspace: Path) -> None:
    (workspace / ".env").write_text("OUTREACH_SMTP_PORT=smtp\n", encoding="utf-8")

    result = run_outreach(workspace, "contacts", "list")

    assert result.code == 1
    assert result.stdout == ""
    assert result.stderr == (
        f"error: OUTREACH_SMTP_PORT (from {workspace / '.env'}): 'smtp' is not a port number "
        "(1-65535)\n"
    )
    assert not (workspace / "outreach.db").exists()


def test_a_misspelt_setting_is_refused_with_a_suggestion(workspace: Path) -> None:
    result = run_outreach(workspace, "config", env={"OUTREACH_SMTP_HOTS": "smtp.example"})

    assert result.code == 1
    assert result.stderr == (
        "error: OUTREACH_SMTP_HOTS (from the environment): unknown setting; did you mean "
        "OUTREACH_SMTP_HOST?\n"
    )


def test_a_bad_security_value_names_the_key(workspace: Path) -> None:
    result = run_outreach(workspace, "config", env={"OUTREACH_SMTP_SECURITY": "ssl"})

    assert result.code == 1
    assert result.stderr == (
        "error: OUTREACH_SMTP_SECURITY (from the environment): 'ssl' is not one of none, "
        "starttls, tls\n"
    )
