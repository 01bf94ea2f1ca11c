"""Throwaway PostgreSQL server for tests, started from the machine's own binaries."""

from __future__ import annotations

import atexit
import contextlib
import glob
import os
import pwd
import queue
import re
import shlex
import shutil
import signal
import subprocess
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from pathlib import Path
from types import TracebackType

import psycopg
from psycopg import sql

from tests.server_tools import (
    free_port,
    installed_or,
    server_folder_parent,
    system_account,
    tail,
)

TEMPLATE_NAME = "outreach_template"
FALLBACK_USER = "outreach-pg"
START_TIMEOUT_SECONDS = 15.0
FILE_COPY_SINCE = 150000  # CREATE DATABASE ... STRATEGY, PostgreSQL 15
TEST_SETTINGS: dict[str, str] = {
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "max_connections": "200",
    "shared_buffers": "32MB",
    "max_wal_size": "1GB",
    "checkpoint_timeout": "30min",
    "log_min_messages": "warning",
    "logging_collector": "off",
    "jit": "off",
}

_SAFE_NAME = re.compile(r"[a-z_][a-z0-9_]{0,62}")


def _version_key(path: str) -> tuple[int, ...]:
    """Sort key for /usr/lib/postgresql/<version>/bin paths (newest last)."""
    version = Path(path).parent.name
    return tuple(int(part) for part in re.findall(r"\d+", version)) or (0,)


def find_postgres_bin_dir() -> Path | None:
    """Directory holding initdb/pg_ctl: newest /usr/lib/postgresql/*/bin, else PATH."""
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=_version_key, reverse=True)
    for candidate in candidates:
        if all(os.access(Path(candidate, tool), os.X_OK) for tool in ("initdb", "pg_ctl")):
            return Path(candidate)
    initdb, pg_ctl = shutil.which("initdb"), shutil.which("pg_ctl")
    if initdb and pg_ctl:
        return Path(os.path.realpath(pg_ctl)).parent
    return None


def ensure_postgres_installed() -> Path:
    """Return the PostgreSQL bin dir, installing it first (one worker at a time) when missing."""
    return installed_or(find_postgres_bin_dir, _install_postgres)


def _install_postgres() -> Path:
    """Return the PostgreSQL bin dir, installing the Debian package first if root and missing."""
    found = find_postgres_bin_dir()
    if found:
        return found
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        raise RuntimeError(
            "PostgreSQL server binaries (initdb, pg_ctl) not found under "
            "/usr/lib/postgresql/*/bin or on PATH; install them, e.g. "
            "`apt-get install postgresql` (needs root)"
        )
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    done = subprocess.run(
        "apt-get update -qq && apt-get install -y -qq postgresql",
        shell=True,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    found = find_postgres_bin_dir()
    if done.returncode != 0 or not found:
        raise RuntimeError(
            f"installing PostgreSQL with apt-get failed (exit {done.returncode}):\n"
            f"{tail(done.stdout + done.stderr)}"
        )
    return found


def _system_user() -> str:
    """An unprivileged account to run PostgreSQL as root: postgres, else outreach-pg."""
    with contextlib.suppress(KeyError):
        return pwd.getpwnam("postgres").pw_name
    return system_account(FALLBACK_USER).pw_name


def _check_name(name: str) -> str:
    """Reject database names that are not plain lower-case identifiers."""
    if not _SAFE_NAME.fullmatch(name):
        raise ValueError(f"database name must match {_SAFE_NAME.pattern}, got {name!r}")
    return name


class PostgresTestServer:
    """A private PostgreSQL cluster in a temp dir on 127.0.0.1, tuned for speed, not safety."""

    def __init__(self, bin_dir: Path | None = None, settings: dict[str, str] | None = None):
        """Prepare (but do not start) a server; bin_dir defaults to the newest install found."""
        self.bin_dir = bin_dir
        self.settings = {**TEST_SETTINGS, **(settings or {})}
        self.host = "127.0.0.1"
        self.port = 0
        self.user = ""
        self.base_dir: Path | None = None
        self._run_as: str | None = None
        self._templates: set[str] = set()
        self._drops: queue.Queue[str | None] = queue.Queue()
        self._dropper: threading.Thread | None = None

    @property
    def running(self) -> bool:
        """Whether start() succeeded and stop() was not called yet."""
        return self.base_dir is not None and self.port != 0

    @property
    def data_dir(self) -> Path:
        """The cluster's data directory."""
        return self._base() / "data"

    @property
    def socket_dir(self) -> Path:
        """The directory holding the server's unix socket."""
        return self._base() / "socket"

    @property
    def log_path(self) -> Path:
        """The server's log file."""
        return self._base() / "server.log"

    def url(self, dbname: str = "postgres") -> str:
        """SQLAlchemy URL of a database on this server."""
        return f"postgresql+psycopg://{self.user}@{self.host}:{self.port}/{dbname}"

    def conninfo(self, dbname: str = "postgres") -> str:
        """libpq connection string of a database on this server (for psycopg.connect)."""
        return f"host={self.host} port={self.port} user={self.user} dbname={dbname}"

    def connect(self, dbname: str = "postgres", **kwargs: object) -> psycopg.Connection:
        """A new autocommit psycopg connection to a database on this server."""
        kwargs.setdefault("autocommit", True)
        kwargs.setdefault("connect_timeout", 5)
        return psycopg.connect(self.conninfo(dbname), **kwargs)  # type: ignore[arg-type]

    def start(self) -> PostgresTestServer:
        """initdb a fresh cluster into a temp dir and start it; raises with the log on failure."""
        if self.running:
            return self
        if self.bin_dir is None:
            self.bin_dir = ensure_postgres_installed()
        self._run_as = _system_user() if os.geteuid() == 0 else None
        self.user = self._run_as or pwd.getpwuid(os.geteuid()).pw_name
        parent = server_folder_parent()
        self.base_dir = Path(tempfile.mkdtemp(prefix="outreach-pg-", dir=parent))
        atexit.register(self.stop)
        try:
            self.socket_dir.mkdir()
            if self._run_as:
                account = pwd.getpwnam(self._run_as)
                for path in (self.base_dir, self.socket_dir):
                    os.chown(path, account.pw_uid, account.pw_gid)
            self._initdb()
            for attempt in range(3):
                self.port = free_port()
                self._write_settings()
                if self._pg_ctl_start(last_attempt=attempt == 2):
                    break
            self._wait_until_ready()
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        """Stop the server immediately (no checkpoint) and remove its directory."""
        base = self.base_dir
        if base is None:
            return
        if self._dropper is not None:
            with contextlib.suppress(queue.Empty):  # those still queued go with the cluster
                while True:
                    self._drops.get_nowait()
            self._drops.put(None)
            self._dropper.join(timeout=10)
            self._dropper = None
        try:
            pid = self._postmaster_pid()
            if pid is not None:
                done = self._run(
                    [self._tool("pg_ctl"), "stop", "-D", str(self.data_dir), "-m", "immediate"],
                    check=False,
                    timeout=20,
                )
                if done.returncode != 0:
                    with contextlib.suppress(ProcessLookupError, PermissionError):
                        os.kill(pid, signal.SIGKILL)
        finally:
            self.base_dir = None
            self.port = 0
            self._templates.clear()
            shutil.rmtree(base, ignore_errors=True)
            atexit.unregister(self.stop)

    def __enter__(self) -> PostgresTestServer:
        """Start the server."""
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        """Stop the server and remove its files."""
        self.stop()

    def __repr__(self) -> str:
        """Where the server listens."""
        state = f"{self.host}:{self.port}" if self.running else "stopped"
        return f"<PostgresTestServer {state}>"

    def create_database(self, name: str, template: str | None = None) -> str:
        """Create a database (optionally copied from a template) and return its URL."""
        _check_name(name)
        query = sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name))
        if template:
            query += sql.SQL(" TEMPLATE {}").format(sql.Identifier(_check_name(template)))
        with self.connect() as conn:
            if template:
                # Copying needs the template to be unused: drop sessions a caller left open.
                self._terminate_sessions(conn, template)
                if conn.info.server_version >= FILE_COPY_SINCE:
                    # Copying the files is 2-3 times cheaper than logging every block (the
                    # default since PostgreSQL 15) for a small template, with fsync off.
                    query += sql.SQL(" STRATEGY FILE_COPY")
            conn.execute(query)
        return self.url(name)

    def drop_database(self, name: str) -> None:
        """Drop a database if it exists, disconnecting whoever still uses it."""
        query = sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
            sql.Identifier(_check_name(name))
        )
        with self.connect() as conn:
            conn.execute(query)
        self._templates.discard(name)

    def drop_database_soon(self, name: str) -> None:
        """Drop a database in the background, for a test's teardown.

        DROP DATABASE waits about 100 ms for every session a test left open to end (and
        most leave their engine's); the next test need not wait with it.
        """
        _check_name(name)
        if self._dropper is None:
            self._dropper = threading.Thread(target=self._drop_queued, daemon=True)
            self._dropper.start()
        self._drops.put(name)

    def _drop_queued(self) -> None:
        while (name := self._drops.get()) is not None:
            with contextlib.suppress(psycopg.Error, OSError):
                self.drop_database(name)  # a failed drop leaves a database the cluster removes

    def database_exists(self, name: str) -> bool:
        """Whether a database of that name exists."""
        with self.connect() as conn:
            row = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        return row is not None

    def create_template(
        self, prepare: Callable[[str], object] | None = None, name: str = TEMPLATE_NAME
    ) -> str:
        """Create a template database once, run prepare(url) on it, and return its URL."""
        if name in self._templates:
            return self.url(name)
        self.drop_database(name)
        url = self.create_database(name)
        if prepare is not None:
            prepare(url)
        self._templates.add(name)
        return url

    def fresh_database(self, template: str = TEMPLATE_NAME, prefix: str = "test_") -> str:
        """Clone the template into a new uniquely named database and return its URL."""
        return self.create_database(f"{prefix}{uuid.uuid4().hex[:16]}", template=template)

    def _base(self) -> Path:
        """The temp dir of a started server."""
        if self.base_dir is None:
            raise RuntimeError("PostgresTestServer is not started")
        return self.base_dir

    def _tool(self, name: str) -> str:
        """Absolute path of a PostgreSQL program."""
        assert self.bin_dir is not None
        return str(self.bin_dir / name)

    def _run(
        self, command: Sequence[str], *, check: bool = True, timeout: float = 60
    ) -> subprocess.CompletedProcess[str]:
        """Run a PostgreSQL program, as the unprivileged account when we are root."""
        argv = list(command)
        if self._run_as:
            if shutil.which("runuser"):
                argv = ["runuser", "-u", self._run_as, "--", *argv]
            else:
                argv = ["su", "-s", "/bin/sh", self._run_as, "-c", shlex.join(argv)]
        env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
        env.update({"LC_ALL": "C", "LANG": "C", "TZ": "UTC"})
        done = subprocess.run(
            argv, cwd=self._base(), env=env, capture_output=True, text=True, timeout=timeout
        )
        if check and done.returncode != 0:
            raise RuntimeError(
                f"{Path(command[0]).name} failed (exit {done.returncode}):\n"
                f"{tail(done.stdout + done.stderr)}{self._log_tail()}"
            )
        return done

    def _initdb(self) -> None:
        """Create the cluster: trust auth, no fsync, UTF8, C locale."""
        self._run(
            [
                self._tool("initdb"),
                "-D",
                str(self.data_dir),
                "-U",
                self.user,
                "--auth=trust",
                "--no-sync",
                "--encoding=UTF8",
                "--locale=C",
            ]
        )

    def _write_settings(self) -> None:
        """Append listen address, port, socket dir and speed settings to postgresql.conf."""
        values = {
            **self.settings,
            "listen_addresses": self.host,
            "port": str(self.port),
            "unix_socket_directories": str(self.socket_dir),
        }
        lines = [f"{key} = '{value}'" for key, value in values.items()]
        with open(self.data_dir / "postgresql.conf", "a", encoding="utf-8") as conf:
            conf.write("\n# outreach test settings (last one wins)\n" + "\n".join(lines) + "\n")

    def _pg_ctl_start(self, last_attempt: bool) -> bool:
        """Start the server with pg_ctl -w; False if the port was taken meanwhile."""
        done = self._run(
            [
                self._tool("pg_ctl"),
                "start",
                "-w",
                "-t",
                str(int(START_TIMEOUT_SECONDS)),
                "-D",
                str(self.data_dir),
                "-l",
                str(self.log_path),
            ],
            check=False,
            timeout=START_TIMEOUT_SECONDS + 10,
        )
        if done.returncode == 0:
            return True
        port_taken = "could not bind" in self._read_log() or "in use" in self._read_log()
        if port_taken and not last_attempt and self._postmaster_pid() is None:
            return False
        raise RuntimeError(
            f"pg_ctl start failed (exit {done.returncode}):\n"
            f"{tail(done.stdout + done.stderr)}{self._log_tail()}"
        )

    def _wait_until_ready(self) -> None:
        """Connect in a loop until the server answers or the deadline passes."""
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while True:
            try:
                with self.connect(connect_timeout=2) as conn:
                    conn.execute("SELECT 1")
                return
            except psycopg.OperationalError as error:
                if time.monotonic() > deadline:
                    raise RuntimeError(
                        f"PostgreSQL on port {self.port} not ready after "
                        f"{START_TIMEOUT_SECONDS:.0f}s: {error}{self._log_tail()}"
                    ) from error
                time.sleep(0.05)

    def _postmaster_pid(self) -> int | None:
        """PID of the running postmaster, from postmaster.pid."""
        try:
            first_line = (self.data_dir / "postmaster.pid").read_text().splitlines()[0]
            return int(first_line)
        except (OSError, IndexError, ValueError):
            return None

    def _read_log(self) -> str:
        """The server log so far ('' if none)."""
        try:
            return self.log_path.read_text(errors="replace")
        except (OSError, RuntimeError):
            return ""

    def _log_tail(self) -> str:
        """The last lines of the server log, formatted for an exception message."""
        text = self._read_log()
        return f"\n--- server log tail ({self.log_path}) ---\n{tail(text)}" if text else ""

    @staticmethod
    def _terminate_sessions(conn: psycopg.Connection, dbname: str) -> None:
        """Disconnect every other session on a database."""
        conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = %s AND pid <> pg_backend_pid()",
            (dbname,),
        )
