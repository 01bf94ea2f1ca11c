"""Throwaway Postfix for tests: a private instance on loopback delivering into Maildirs."""

from __future__ import annotations

import atexit
import contextlib
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Mapping
from pathlib import Path
from types import TracebackType

from tests.server_tools import apt_install, free_port, installed_or, tail

START_TIMEOUT_SECONDS = 15.0
# Every service Postfix needs to take mail over SMTP and deliver or bounce it locally; none
# chrooted, since the instance lives in a temp dir.
MASTER_CF = """\
{listen} inet n - n - - smtpd
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
proxywrite unix -       -       n       -       1       proxymap
smtp      unix  -       -       n       -       -       smtp
relay     unix  -       -       n       -       -       smtp
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
local     unix  -       n       n       -       -       local
virtual   unix  -       n       n       -       -       virtual
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
"""


def find_postfix() -> Path | None:
    """The postfix command, if installed."""
    found = shutil.which("postfix") or shutil.which("postfix", path="/usr/sbin")
    return Path(found) if found else None


def ensure_postfix_installed() -> Path:
    """Return the postfix command, installing Debian's package first (not started) when root."""
    return installed_or(find_postfix, _install_postfix)


def _install_postfix() -> Path:
    """Install postfix with no system configuration and without starting its service."""
    found = find_postfix()
    if found:
        return found
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        raise RuntimeError("postfix not found; install it, e.g. `apt-get install postfix`")
    # No system configuration: the tests write their own instance's.
    subprocess.run(["debconf-set-selections"], input="postfix postfix/main_mailer_type select "
                   "No configuration\n", text=True, capture_output=True, timeout=60)  # fmt: skip
    code, output = apt_install("postfix", without_starting=True)
    found = find_postfix()
    if code != 0 or not found:
        raise RuntimeError(f"installing postfix with apt-get failed (exit {code}):\n{tail(output)}")
    return found


class PostfixTestServer:
    """A private Postfix on 127.0.0.1 that delivers the listed addresses into Maildirs.

    Addresses of the listed domains that are not listed are accepted and then bounced, the
    way a real provider's mail system answers for a mailbox that does not exist: with a
    delivery report to the envelope sender. `+` is the recipient delimiter (VERP).
    """

    def __init__(self, mailboxes: Mapping[str, Path], owner: tuple[int, int]) -> None:
        """Prepare (not start): address -> Maildir folder, delivered as owner (uid, gid)."""
        self.mailboxes = dict(mailboxes)
        self.uid, self.gid = owner
        self.host = "127.0.0.1"
        self.port = 0
        self.base_dir: Path | None = None

    @property
    def config_dir(self) -> Path:
        """The instance's main.cf and master.cf."""
        assert self.base_dir is not None, "not started"
        return self.base_dir / "conf"

    @property
    def log_path(self) -> Path:
        """Postfix's own log (maillog_file)."""
        assert self.base_dir is not None, "not started"
        return self.base_dir / "postfix.log"

    def start(self) -> PostfixTestServer:
        """Write the configuration, start the master and wait for the SMTP port."""
        ensure_postfix_installed()
        self.base_dir = Path(tempfile.mkdtemp(prefix="outreach-postfix-", dir="/tmp"))
        os.chmod(self.base_dir, 0o755)
        atexit.register(self.stop)
        try:
            self.port = free_port()
            self._write_config()
            done = self._postfix("start")
            if done.returncode != 0:
                raise RuntimeError(f"postfix start failed: {tail(done.stdout + done.stderr)}")
            self._wait_until_ready()
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        """Stop the instance at once and remove its files."""
        if self.base_dir is None:
            return
        with contextlib.suppress(Exception):
            self._postfix("abort")
        shutil.rmtree(self.base_dir, ignore_errors=True)
        self.base_dir = None
        self.port = 0
        atexit.unregister(self.stop)

    def log(self) -> str:
        """What Postfix logged so far."""
        try:
            return self.log_path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""

    def __enter__(self) -> PostfixTestServer:
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

    def _postfix(self, command: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(["postfix", "-c", str(self.config_dir), command],
                              capture_output=True, text=True, timeout=60)  # fmt: skip

    def _write_config(self) -> None:
        assert self.base_dir is not None
        self.config_dir.mkdir()
        (self.base_dir / "queue").mkdir(mode=0o755)  # root's; `postfix start` fills it
        data = self.base_dir / "data"
        data.mkdir(mode=0o700)
        postfix = pwd.getpwnam("postfix")
        os.chown(data, postfix.pw_uid, postfix.pw_gid)
        domains = sorted({address.rsplit("@", 1)[1] for address in self.mailboxes})
        maps = self.config_dir / "vmailbox"
        maps.write_text("".join(f"{address} {folder}/\n"
                                for address, folder in self.mailboxes.items()))  # fmt: skip
        settings = {
            "compatibility_level": "3.6",
            "queue_directory": self.base_dir / "queue",
            "data_directory": self.base_dir / "data",
            "maillog_file": self.log_path,
            "maillog_file_prefixes": self.base_dir,
            "myhostname": "mail.outreach.test",
            "mydestination": "",
            "inet_interfaces": "127.0.0.1",
            "inet_protocols": "ipv4",
            "mynetworks": "127.0.0.0/8",
            "smtpd_relay_restrictions": "permit_mynetworks, reject_unauth_destination",
            "virtual_mailbox_domains": ", ".join(domains),
            "virtual_mailbox_base": "/",
            "virtual_mailbox_maps": f"texthash:{maps}",
            "virtual_uid_maps": f"static:{self.uid}",
            "virtual_gid_maps": f"static:{self.gid}",
            "virtual_minimum_uid": "1",
            # VERP: bounces+TOKEN@ is delivered to bounces@.
            "recipient_delimiter": "+",
            # Accept unknown mailboxes, then bounce them: a real report comes back.
            "smtpd_reject_unlisted_recipient": "no",
            "alias_maps": "",
            "alias_database": "",
            "local_recipient_maps": "",
            "smtputf8_enable": "no",
            "biff": "no",
            "smtp_dns_support_level": "disabled",
        }
        (self.config_dir / "main.cf").write_text(
            "".join(f"{key} = {value}\n" for key, value in settings.items()), encoding="utf-8"
        )
        listen = f"{self.host}:{self.port}"
        (self.config_dir / "master.cf").write_text(MASTER_CF.format(listen=listen))

    def _wait_until_ready(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            with (
                contextlib.suppress(OSError),
                socket.create_connection((self.host, self.port), timeout=0.5) as connection,
            ):
                if connection.recv(100).startswith(b"220"):
                    return
            time.sleep(0.05)
        raise RuntimeError(f"postfix did not answer on {self.port}:\n{tail(self.log())}")
