"""The benchmarks' SMTP sink: tests/smtp_server.py's SmtpTestServer in its own process.

Prints "PORT <n>", then answers commands on stdin, one a line:
  stats  -> "<messages accepted> <connections accepted>"
  reset  -> "ok"
Exits when stdin closes.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.smtp_server import SmtpTestServer  # noqa: E402


def main() -> None:
    """Serve until stdin closes."""
    with SmtpTestServer(security="none") as server:
        print(f"PORT {server.port}", flush=True)
        for line in sys.stdin:
            command = line.strip()
            if command == "stats":
                print(f"{len(server.messages)} {server.connection_count}", flush=True)
            elif command == "reset":
                server.reset()
                print("ok", flush=True)


if __name__ == "__main__":
    main()
