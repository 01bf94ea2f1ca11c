"""Shared fixtures: an isolated environment, a sample workspace, a real SMTP server, the CLI."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from outreach.core.retry import RetryPolicy
from outreach.services.workspace import init_workspace
from tests.server_tools import memory_folder

if TYPE_CHECKING:
    # The servers, SQLAlchemy and the app are imported by the fixtures that use them: a unit
    # test of pure logic, run alone while working, then starts in half the time.
    from outreach.services.app import App
    from tests.imap_server import DovecotTestServer
    from tests.pg_server import PostgresTestServer
    from tests.smtp_server import SmtpTestServer

SMTP_USER = "luna@glowlab.example"
SMTP_PASSWORD = "s3cret-pass-do-not-print"
FAST_RETRY = RetryPolicy(attempts=3, base_seconds=0.01, factor=2)
OUTREACH_COMMAND = str(Path(sys.executable).parent / "outreach")
CLI_ENVIRONMENT = {"NO_COLOR": "1", "PYTHONIOENCODING": "utf-8", "COLUMNS": "200"}
# The sample brand's sender (the sample campaign leaves `sender` to OUTREACH_FROM); a test
# about a missing sender passes OUTREACH_FROM="" to unset it.
TEST_SENDER = "Luna at Glowlab <luna@glowlab.example>"


# The longest tests (process-level proofs, long end-to-end runs) go first, so that the
# parallel workers do not wait on one of them at the end of the run.
SLOW_FIRST = (
    "tests/proofs/",
    "tests/e2e/test_cli_campaign.py",
    "tests/e2e/test_cli_relationships.py",
)


def pytest_configure(config: pytest.Config) -> None:
    """Test folders in memory (/dev/shm) when the machine has it and nobody chose otherwise.

    Every SQLite commit waits for the disk (fsync), and the parallel workers' thousands of
    commits then queue behind each other; in memory they cost nothing. The code under test is
    the same: a killed process loses nothing in memory either, and what a power cut would do
    to the disk no test can show.
    """
    if hasattr(config, "workerinput") or config.option.basetemp:
        return  # a worker follows its controller; --basetemp is the person's choice
    memory = memory_folder()
    if "PYTEST_DEBUG_TEMPROOT" not in os.environ and memory is not None:
        os.environ["PYTEST_DEBUG_TEMPROOT"] = str(memory)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Put the slow tests first (a stable sort: the rest keep their order)."""
    items.sort(key=lambda item: not item.nodeid.startswith(SLOW_FIRST))


@pytest.fixture(autouse=True)
def isolated_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """No OUTREACH_* variable of the person running the tests leaks into a test."""
    for name in list(os.environ):
        if name.startswith("OUTREACH_"):
            monkeypatch.delenv(name)


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    """A fresh sample workspace, as `outreach init` writes it."""
    target = tmp_path / "ws"
    init_workspace(target)
    return target


@pytest.fixture(scope="session")
def smtp_session_server() -> Iterator[SmtpTestServer]:
    """One STARTTLS + login SMTP server for the whole run (reset before each test)."""
    from tests.smtp_server import SmtpTestServer

    with SmtpTestServer(security="starttls", auth=(SMTP_USER, SMTP_PASSWORD)) as server:
        yield server


@pytest.fixture
def smtp_server(smtp_session_server: SmtpTestServer) -> SmtpTestServer:
    """The shared SMTP server with no messages and no faults queued."""
    smtp_session_server.reset()
    return smtp_session_server


def smtp_environment(server: SmtpTestServer, **overrides: str) -> dict[str, str]:
    """OUTREACH_* settings pointing at a test server."""
    values = {
        "OUTREACH_FROM": "Luna at Glowlab <luna@glowlab.example>",
        "OUTREACH_POSTAL_ADDRESS": "1-2-3 Jingumae, Tokyo",
        "OUTREACH_SMTP_HOST": server.host,
        "OUTREACH_SMTP_PORT": str(server.port),
        "OUTREACH_SMTP_SECURITY": server.security,
        "OUTREACH_SMTP_TIMEOUT_SECONDS": "5",
    }
    if server.auth:
        values["OUTREACH_SMTP_USER"], values["OUTREACH_SMTP_PASSWORD"] = server.auth
    values.update(overrides)
    return values


@pytest.fixture
def trust_test_ca(smtp_session_server: SmtpTestServer, monkeypatch: pytest.MonkeyPatch) -> None:
    """Make the default TLS context trust the test server's CA, as SSL_CERT_FILE does."""
    monkeypatch.setenv("SSL_CERT_FILE", str(smtp_session_server.ca_cert_path))


def smtp_app(workspace: Path, server: SmtpTestServer, **overrides: str) -> App:
    """An App for the workspace wired to the test server, with quick retries."""
    from outreach.bootstrap import bootstrap

    return bootstrap(workspace, environ=smtp_environment(server, **overrides), retry=FAST_RETRY)


@dataclass(frozen=True)
class CliResult:
    """What one run of the installed command printed and returned."""

    code: int
    stdout: str
    stderr: str


def run_outreach(
    workspace: Path, *args: str, env: dict[str, str] | None = None, stdin: str = ""
) -> CliResult:
    """Run `outreach` in this process (Typer's runner) in the workspace, as a user would.

    The same entry point as the console script, with its own stdin, stdout, stderr,
    environment and working folder; tests where the process itself is the point use
    `run_outreach_process` instead.
    """
    from typer.testing import CliRunner

    from outreach.cli.app import main

    environment = {
        **CLI_ENVIRONMENT,
        "OUTREACH_FROM": TEST_SENDER,
        "OUTREACH_POSTAL_ADDRESS": "1-2-3 Jingumae, Tokyo",
        **(env or {}),
    }
    runner = CliRunner()
    code: int
    with (
        runner.isolation(input=stdin, env=environment) as (stdout, stderr, _),
        contextlib.chdir(workspace),
    ):
        try:
            main(list(args))
            code = 0
        except SystemExit as done:
            code = done.code if isinstance(done.code, int) else (0 if done.code is None else 1)
        except Exception:  # what an uncaught error does to the real process
            sys.stderr.write(traceback.format_exc())
            code = 1
        sys.stdout.flush()
        sys.stderr.flush()
        out, err = stdout.getvalue(), stderr.getvalue()
    return CliResult(code, out.decode("utf-8", "replace"), err.decode("utf-8", "replace"))


def run_outreach_process(
    workspace: Path, *args: str, env: dict[str, str] | None = None, stdin: str = ""
) -> CliResult:
    """Run the installed `outreach` command in a new process with a clean environment."""
    base = {k: v for k, v in os.environ.items() if not k.startswith("OUTREACH_")}
    base.update(CLI_ENVIRONMENT)
    base["OUTREACH_FROM"] = TEST_SENDER
    base["OUTREACH_POSTAL_ADDRESS"] = "1-2-3 Jingumae, Tokyo"
    base.update(env or {})
    done = subprocess.run(
        [OUTREACH_COMMAND, *args],
        cwd=workspace,
        env=base,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
    )
    return CliResult(done.returncode, done.stdout, done.stderr)


def _prepare_template(url: str) -> None:
    """Apply the outreach schema to the PostgreSQL template database (once per session)."""
    from outreach.adapters.database import create_schema, make_engine

    engine = make_engine(url)
    try:
        create_schema(engine)
    finally:
        engine.dispose()


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PostgresTestServer]:
    """One throwaway PostgreSQL server for the whole run, from the machine's binaries."""
    from tests.pg_server import PostgresTestServer, ensure_postgres_installed

    ensure_postgres_installed()
    with PostgresTestServer() as server:
        yield server


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh database URL per test, once per backend (the storage tests run on both)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'outreach-test.db'}"
        return
    server: PostgresTestServer = request.getfixturevalue("pg_server")
    server.create_template(_prepare_template)
    url = server.fresh_database()
    yield url
    server.drop_database_soon(url.rsplit("/", 1)[1])


@pytest.fixture
def postgres_url(pg_server: PostgresTestServer) -> Iterator[str]:
    """A fresh PostgreSQL database (for tests that need several processes on one database)."""
    pg_server.create_template(_prepare_template)
    url = pg_server.fresh_database()
    yield url
    pg_server.drop_database_soon(url.rsplit("/", 1)[1])


@pytest.fixture(scope="session")
def imap_session_server() -> Iterator[DovecotTestServer]:
    """One Dovecot IMAP server for the run, from Debian's package (installed if missing)."""
    from tests.imap_server import DovecotTestServer, ensure_dovecot_installed

    ensure_dovecot_installed()
    with DovecotTestServer() as server:
        yield server


@pytest.fixture
def imap_server(imap_session_server: DovecotTestServer) -> DovecotTestServer:
    """The shared IMAP server with an empty INBOX."""
    imap_session_server.reset()
    return imap_session_server


@pytest.fixture
def browser() -> Iterator[Callable[[], contextlib.AbstractContextManager[Any]]]:
    """Opens headless Chromium (the Debian package, installed if missing) under Playwright.

    Opened by the test when it needs it, not at setup: Playwright's sync API runs an event
    loop in this thread while it is open, and asyncio.run() (the in-process CLI, the daemon)
    fails inside it.
    """
    from playwright.sync_api import sync_playwright

    from tests.browser import CHROMIUM_ARGS, ensure_chromium_installed

    binary = ensure_chromium_installed()

    @contextlib.contextmanager
    def open_browser() -> Iterator[Any]:
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(executable_path=str(binary), args=CHROMIUM_ARGS)
            try:
                yield chromium
            finally:
                chromium.close()

    yield open_browser
