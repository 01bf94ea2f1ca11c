"""Throwaway Dovecot IMAP server for tests, started from the machine's own binaries."""

from __future__ import annotations

import atexit
import contextlib
import imaplib
import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from types import TracebackType

from tests.server_tools import (
    apt_install,
    free_port,
    installed_or,
    server_folder_parent,
    system_account,
    tail,
)

TEST_USER = "luna@glowlab.example"
TEST_PASSWORD = "imap-pass"
FALLBACK_USER = "outreach-imap"
START_TIMEOUT_SECONDS = 10.0
STOP_TIMEOUT_SECONDS = 5.0
SYSTEM_PID_FILE = Path("/run/dovecot/master.pid")

_APPENDUID = re.compile(rb"\[APPENDUID (\d+) (\d+)\]")
_UIDVALIDITY = re.compile(rb"UIDVALIDITY (\d+)")


def find_dovecot() -> Path | None:
    """Path of the dovecot binary: PATH first, then /usr/sbin."""
    found = shutil.which("dovecot") or shutil.which("dovecot", path="/usr/sbin:/usr/local/sbin")
    return Path(found) if found else None


def dovecot_version(binary: Path) -> tuple[int, ...]:
    """Version of a dovecot binary as numbers, e.g. (2, 3, 19, 1)."""
    done = subprocess.run([str(binary), "--version"], capture_output=True, text=True, timeout=10)
    numbers = re.match(r"\s*(\d+(?:\.\d+)*)", done.stdout)
    if done.returncode != 0 or not numbers:
        raise RuntimeError(f"`{binary} --version` failed: {tail(done.stdout + done.stderr)}")
    return tuple(int(part) for part in numbers.group(1).split("."))


def ensure_dovecot_installed() -> Path:
    """Return the dovecot binary, installing it first (one worker at a time) when missing."""
    return installed_or(find_dovecot, _install_dovecot)


def _install_dovecot() -> Path:
    """Return the dovecot binary, installing dovecot-imapd first (service not started) if root."""
    found = find_dovecot()
    if found:
        return found
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        raise RuntimeError(
            "dovecot not found on PATH or in /usr/sbin; install it, e.g. "
            "`apt-get install dovecot-imapd` (needs root)"
        )
    code, output = apt_install("dovecot-imapd", without_starting=True)
    _stop_system_dovecot()
    found = find_dovecot()
    if code != 0 or not found:
        raise RuntimeError(
            f"installing dovecot-imapd with apt-get failed (exit {code}):\n{tail(output)}"
        )
    return found


def _stop_system_dovecot() -> None:
    """Stop a system-wide dovecot the package may have started (it would hold 143/993)."""
    pid = _read_pid(SYSTEM_PID_FILE)
    if pid is None or not _alive(pid):
        return
    if shutil.which("service"):
        subprocess.run(["service", "dovecot", "stop"], capture_output=True, timeout=60)
    if _alive(pid):
        _terminate(pid)


def _port_accepts(host: str, port: int) -> bool:
    """Whether something accepts TCP connections on host:port."""
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


def _read_pid(path: Path) -> int | None:
    """The PID stored in a pid file, if any."""
    try:
        return int(path.read_text().split()[0])
    except (OSError, IndexError, ValueError):
        return None


def _alive(pid: int) -> bool:
    """Whether a process exists and is not a zombie (own zombie children are reaped)."""
    with contextlib.suppress(ChildProcessError, OSError):
        if os.waitpid(pid, os.WNOHANG)[0] == pid:
            return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:  # an orphan stays a zombie until init reaps it, which can take seconds
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return True
    return state not in ("Z", "X")


def _terminate(pid: int, timeout: float = STOP_TIMEOUT_SECONDS) -> None:
    """SIGTERM a process, then SIGKILL it if it is still there after the timeout."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while _alive(pid):
        if time.monotonic() > deadline:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, signal.SIGKILL)
            break
        time.sleep(0.02)


def _kill_master(pid: int) -> None:
    """Kill a dovecot master with all its children at once (SIGTERM makes it linger ~2 s)."""
    try:
        group = os.getpgid(pid)
    except ProcessLookupError:
        return
    if group != pid or group == os.getpgrp():
        _terminate(pid)  # not a daemonized session leader: leave any group alone
        return
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(group, signal.SIGKILL)
    deadline = time.monotonic() + STOP_TIMEOUT_SECONDS
    while _alive(pid) and time.monotonic() < deadline:
        time.sleep(0.01)


def _mail_account() -> pwd.struct_passwd:
    """The unprivileged account owning the test mail as root: outreach-imap, created if needed."""
    return system_account(FALLBACK_USER)


def _existing_user(*names: str) -> str:
    """The first of the names that is an account on this machine."""
    for name in names:
        with contextlib.suppress(KeyError):
            pwd.getpwnam(name)
            return name
    raise RuntimeError(f"none of the accounts {names} exists")


def _quote(name: str) -> str:
    """A mailbox name as an IMAP quoted string."""
    return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'


class DovecotTestServer:
    """A private Dovecot IMAP server (plaintext LOGIN, Maildir) in a temp dir on 127.0.0.1."""

    def __init__(
        self,
        user: str = TEST_USER,
        password: str = TEST_PASSWORD,
        binary: Path | None = None,
        settings: dict[str, str] | None = None,
        oauth_introspection_url: str | None = None,
    ):
        """Prepare (but do not start) a server; binary defaults to the installed dovecot."""
        self.binary = binary
        self.settings = dict(settings or {})
        # Set: XOAUTH2 logins are checked by token introspection at this address (RFC 7662).
        self.oauth_introspection_url = oauth_introspection_url
        self.host = "127.0.0.1"
        self.port = 0
        self.user = user
        self.password = password
        self.base_dir: Path | None = None
        self.version: tuple[int, ...] = ()
        self._mail_uid = os.geteuid()
        self._mail_gid = os.getegid()
        self._master_pid: int | None = None
        self._internal_user = self._login_user = ""

    @property
    def running(self) -> bool:
        """Whether start() succeeded and stop() was not called yet."""
        return self.base_dir is not None and self.port != 0

    @property
    def config_path(self) -> Path:
        """The server's dovecot.conf."""
        return self._base() / "dovecot.conf"

    @property
    def log_path(self) -> Path:
        """The server's log file."""
        return self._base() / "dovecot.log"

    @property
    def run_dir(self) -> Path:
        """Dovecot's base_dir: sockets and master.pid."""
        return self._base() / "run"

    @property
    def mail_dir(self) -> Path:
        """The Maildir root of the test user."""
        return self._base() / "mail" / self.user

    def connect(self, timeout: float = 5) -> imaplib.IMAP4:
        """A new imaplib connection, logged in as the test user."""
        client = imaplib.IMAP4(self.host, self.port, timeout=timeout)
        try:
            client.login(self.user, self.password)
        except BaseException:
            with contextlib.suppress(Exception):
                client.shutdown()
            raise
        return client

    @contextlib.contextmanager
    def session(self) -> Iterator[imaplib.IMAP4]:
        """A logged-in imaplib connection that is logged out afterwards."""
        client = self.connect()
        try:
            yield client
        finally:
            with contextlib.suppress(Exception):
                client.logout()

    def start(self) -> DovecotTestServer:
        """Write a config into a temp dir and start dovecot; raises with the log on failure."""
        if self.running:
            return self
        if self.binary is None:
            self.binary = ensure_dovecot_installed()
        self.version = dovecot_version(self.binary)
        parent = server_folder_parent()
        self.base_dir = Path(tempfile.mkdtemp(prefix="outreach-imap-", dir=parent))
        atexit.register(self.stop)
        try:
            self._prepare_dirs()
            for attempt in range(3):
                self.port = free_port()
                self.config_path.write_text(self._config(), encoding="utf-8")
                if self._launch(last_attempt=attempt == 2):
                    break
            self._wait_until_ready()
            self._master_pid = _read_pid(self.run_dir / "master.pid")
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        """Stop the server (master and children) and remove its directory."""
        base = self.base_dir
        if base is None:
            return
        try:
            pid = _read_pid(base / "run" / "master.pid") or self._master_pid
            if pid is not None and _alive(pid):
                _kill_master(pid)
            deadline = time.monotonic() + STOP_TIMEOUT_SECONDS
            while self.port and _port_accepts(self.host, self.port):
                if time.monotonic() > deadline:
                    break
                time.sleep(0.02)
        finally:
            self.base_dir = None
            self.port = 0
            self._master_pid = None
            shutil.rmtree(base, ignore_errors=True)
            atexit.unregister(self.stop)

    def __enter__(self) -> DovecotTestServer:
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
        return f"<DovecotTestServer {state}>"

    def create_folder(self, folder: str) -> None:
        """Create a mailbox if it does not exist yet."""
        with self.session() as client:
            self._create(client, folder)

    def append(
        self,
        raw: bytes,
        folder: str = "INBOX",
        flags: Iterable[str] = (),
        date: float | None = None,
    ) -> int:
        """Store a raw message in a folder (created if missing) and return its UID (APPENDUID)."""
        flags = [flags] if isinstance(flags, str) else list(flags)
        flag_list = "(" + " ".join(flags) + ")" if flags else None
        internal_date = imaplib.Time2Internaldate(date) if date is not None else None
        with self.session() as client:
            self._create(client, folder)
            status, data = client.append(_quote(folder), flag_list, internal_date, raw)
        found = _APPENDUID.search(b" ".join(item for item in data if isinstance(item, bytes)))
        if status != "OK" or not found:
            raise RuntimeError(f"APPEND to {folder!r} failed: {status} {data!r}")
        return int(found.group(2))

    def uidvalidity(self, folder: str = "INBOX") -> int:
        """The folder's current UIDVALIDITY."""
        with self.session() as client:
            status, data = client.status(_quote(folder), "(UIDVALIDITY)")
        found = _UIDVALIDITY.search(b" ".join(item for item in data if isinstance(item, bytes)))
        if status != "OK" or not found:
            raise RuntimeError(f"STATUS {folder!r} failed: {status} {data!r}")
        return int(found.group(1))

    def uids(self, folder: str = "INBOX") -> list[int]:
        """UIDs of the messages in a folder, ascending."""
        with self.session() as client:
            status, data = client.select(_quote(folder), readonly=True)
            if status == "OK":
                status, data = client.uid("SEARCH", "ALL")
        if status != "OK":
            raise RuntimeError(f"UID SEARCH in {folder!r} failed: {status} {data!r}")
        return sorted(int(uid) for uid in (data[0] or b"").split())

    def reset_mailbox(self, folder: str = "INBOX") -> None:
        """Expunge every message of a folder; UIDVALIDITY and the next UID stay as they were."""
        with self.session() as client:
            status, data = client.select(_quote(folder))
            if status != "OK":
                raise RuntimeError(f"SELECT {folder!r} failed: {status} {data!r}")
            if int(data[0] or 0):
                client.store("1:*", "+FLAGS.SILENT", r"(\Deleted)")
                client.expunge()
            client.close()

    def reset(self) -> None:
        """Empty INBOX and delete every other folder, as a fresh account would look."""
        with self.session() as client:
            _, data = client.list()
            names = [_mailbox_name(line) for line in data if isinstance(line, bytes)]
            for name in sorted(names, key=len, reverse=True):
                if name.upper() != "INBOX":
                    client.delete(_quote(name))
        self.reset_mailbox("INBOX")

    def change_uidvalidity(self, folder: str = "INBOX", keep_messages: bool = False) -> int:
        """Give a folder a new, higher UIDVALIDITY (emptying it unless asked) and return it."""
        old = self.uidvalidity(folder)
        if not keep_messages:
            self.reset_mailbox(folder)
        new = max(old + 1, int(time.time()))
        self.doveadm("mailbox", "update", "--uid-validity", str(new), "-u", self.user, folder)
        current = self.uidvalidity(folder)
        if current == old:
            raise RuntimeError(f"UIDVALIDITY of {folder!r} did not change from {old}")
        return current

    def doveadm(self, *args: str, timeout: float = 30) -> str:
        """Run `doveadm -c CONF ARGS` against this server and return its output."""
        binary = self.binary.parent / "doveadm" if self.binary else Path("doveadm")
        if not binary.exists():
            binary = Path(shutil.which("doveadm") or "doveadm")
        return self._run([str(binary), "-c", str(self.config_path), *args], timeout=timeout).stdout

    def _base(self) -> Path:
        """The temp dir of a started server."""
        if self.base_dir is None:
            raise RuntimeError("DovecotTestServer is not started")
        return self.base_dir

    def _prepare_dirs(self) -> None:
        """Create the run, state, home and mail dirs, plus the passwd-file with the test user."""
        base = self._base()
        os.chmod(base, 0o755)
        if os.geteuid() == 0:
            account = _mail_account()
            self._mail_uid, self._mail_gid = account.pw_uid, account.pw_gid
            internal = _existing_user("dovecot", FALLBACK_USER)
            login = _existing_user("dovenull", "nobody")
        else:
            internal = login = pwd.getpwuid(os.geteuid()).pw_name
        self._internal_user, self._login_user = internal, login
        for name in ("run", "state"):
            (base / name).mkdir()
        for path in (base / "mail", self.mail_dir, base / "home", self._home()):
            path.mkdir(mode=0o700 if path.parent != base else 0o755)
            os.chown(path, self._mail_uid, self._mail_gid)
        line = (
            f"{self.user}:{{PLAIN}}{self.password}:{self._mail_uid}:{self._mail_gid}"
            f"::{self._home()}::\n"
        )
        passwd = base / "passwd"
        passwd.write_text(line, encoding="utf-8")
        passwd.chmod(0o644)

    def _home(self) -> Path:
        """The test user's home directory."""
        return self._base() / "home" / self.user

    def _config(self) -> str:
        """dovecot.conf for this instance (Dovecot 2.3 or 2.4 syntax)."""
        base = self._base()
        passwd = base / "passwd"
        v24 = self.version[:2] >= (2, 4)
        lines = ["dovecot_config_version = 2.4.0", "dovecot_storage_version = 2.4.0"] if v24 else []
        lines += [
            f"base_dir = {base / 'run'}",
            f"state_dir = {base / 'state'}",
            f"log_path = {self.log_path}",
            f"instance_name = outreach-imap-{self.port}",
            "listen = 127.0.0.1",
            "protocols = imap",
            "ssl = no",
            "auth_allow_cleartext = yes" if v24 else "disable_plaintext_auth = no",
            "auth_mechanisms = plain login",
            f"default_internal_user = {self._internal_user}",
            f"default_login_user = {self._login_user}",
            "first_valid_uid = 0",
            "first_valid_gid = 0",
        ]
        if v24:
            lines += [
                f"passdb passwd-file {{\n  passwd_file_path = {passwd}\n}}",
                f"userdb passwd-file {{\n  passwd_file_path = {passwd}\n}}",
                "mail_driver = maildir",
                f"mail_path = {base / 'mail'}/%{{user}}",
                "service imap-login {\n  inet_listener imap {\n"
                f"    port = {self.port}\n  }}\n"
                "  inet_listener imaps {\n    port = 0\n  }\n}",
            ]
        else:
            lines += [
                f"passdb {{\n  driver = passwd-file\n  args = {passwd}\n}}",
                *self._oauth_passdb(base),
                f"userdb {{\n  driver = passwd-file\n  args = {passwd}\n}}",
                f"mail_location = maildir:{base / 'mail'}/%u",
                "auth_failure_delay = 0",  # wrong-password tests need not wait 2 s
                "service anvil {\n  unix_listener anvil-auth-penalty {\n    mode = 0\n  }\n}",
                "service imap-login {\n  inet_listener imap {\n"
                f"    address = 127.0.0.1\n    port = {self.port}\n  }}\n"
                "  inet_listener imaps {\n    port = 0\n  }\n}",
            ]
        lines += [f"{key} = {value}" for key, value in self.settings.items()]
        return "# outreach test server\n" + "\n".join(lines) + "\n"

    def _oauth_passdb(self, base: Path) -> list[str]:
        """Dovecot 2.3's oauth2 passdb, after the passwords (which the harness logs in with)."""
        if self.oauth_introspection_url is None:
            return []
        conf = base / "dovecot-oauth2.conf.ext"
        conf.write_text(
            "introspection_mode = post\n"
            f"introspection_url = {self.oauth_introspection_url}\n"
            "force_introspection = yes\nusername_attribute = username\n"
            "active_attribute = active\nactive_value = true\n",
            encoding="utf-8",
        )
        return [
            "auth_mechanisms = plain login xoauth2 oauthbearer",
            f"passdb {{\n  driver = oauth2\n  mechanisms = xoauth2 oauthbearer\n"
            f"  args = {conf}\n}}",
        ]

    def _launch(self, last_attempt: bool) -> bool:
        """Start the dovecot master (it forks into the background); False if the port was taken."""
        assert self.binary is not None
        startup_log = self._base() / "startup.log"
        with open(startup_log, "wb") as output:  # a pipe would stay open in the daemon
            done = subprocess.run(
                [str(self.binary), "-c", str(self.config_path)],
                cwd=self._base(),
                env={**os.environ, "LC_ALL": "C", "LANG": "C", "TZ": "UTC"},
                stdin=subprocess.DEVNULL,
                stdout=output,
                stderr=subprocess.STDOUT,
                timeout=START_TIMEOUT_SECONDS,
            )
        if done.returncode == 0:
            return True
        printed = startup_log.read_text(errors="replace")
        if "in use" in printed + self._read_log() and not last_attempt:
            return False
        raise RuntimeError(
            f"dovecot failed to start (exit {done.returncode}):\n{tail(printed)}{self._log_tail()}"
        )

    def _wait_until_ready(self) -> None:
        """LOGIN in a loop until it works or the deadline passes."""
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while True:
            try:
                with self.session() as client:
                    client.noop()
                return
            except (OSError, imaplib.IMAP4.error) as error:
                transient = isinstance(error, OSError) or "UNAVAILABLE" in str(error)
                if not transient or time.monotonic() > deadline:
                    what = (
                        f"not ready after {START_TIMEOUT_SECONDS:.0f}s"
                        if transient
                        else "failed the LOGIN check"
                    )
                    raise RuntimeError(
                        f"Dovecot on port {self.port} {what}: {error!r}{self._log_tail(12)}"
                    ) from error
                time.sleep(0.05)

    def _run(
        self, command: Sequence[str], *, check: bool = True, timeout: float = 30
    ) -> subprocess.CompletedProcess[str]:
        """Run a Dovecot program in the temp dir, raising with the log tail on failure."""
        env = {**os.environ, "LC_ALL": "C", "LANG": "C", "TZ": "UTC"}
        done = subprocess.run(
            list(command),
            cwd=self._base(),
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if check and done.returncode != 0:
            raise RuntimeError(
                f"{Path(command[0]).name} failed (exit {done.returncode}):\n"
                f"{tail(done.stdout + done.stderr)}{self._log_tail()}"
            )
        return done

    @staticmethod
    def _create(client: imaplib.IMAP4, folder: str) -> None:
        """CREATE a folder unless it is INBOX or exists already."""
        if folder.upper() == "INBOX":
            return
        status, _ = client.status(_quote(folder), "(MESSAGES)")
        if status != "OK":
            status, data = client.create(_quote(folder))
            if status != "OK":
                raise RuntimeError(f"CREATE {folder!r} failed: {status} {data!r}")

    def _read_log(self) -> str:
        """The server log so far ('' if none)."""
        try:
            return self.log_path.read_text(errors="replace")
        except (OSError, RuntimeError):
            return ""

    def _log_tail(self, lines: int = 40) -> str:
        """The last lines of the server log, formatted for an exception message."""
        try:
            path = self.log_path
        except RuntimeError:
            return ""
        text = self._read_log()
        return f"\n--- server log tail ({path}) ---\n{tail(text, lines)}" if text else ""


def _mailbox_name(line: bytes) -> str:
    """The mailbox name from one LIST response line, e.g. b'(\\HasNoChildren) "." "Sent"'."""
    found = re.match(rb'\([^)]*\) (?:"(?:[^"\\]|\\.)*"|NIL) (.*)$', line)
    name = found.group(1) if found else line.rsplit(b" ", 1)[-1]
    if name.startswith(b'"') and name.endswith(b'"'):
        name = re.sub(rb"\\(.)", rb"\1", name[1:-1])
    return name.decode("utf-8", errors="replace")
