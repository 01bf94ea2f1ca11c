"""Benchmark how long everyday commands take, whole process, in a small workspace.

Run: .venv/bin/python -m bench.bench_commands [--runs 9]
Prints the median, min and max wall time of each command, and of importing SQLModel alone
(the floor every command that reads the database pays); asserts nothing.

Python's bytecode cache is on for the timed commands, as on a user's machine (the run that is
not counted writes it): with PYTHONDONTWRITEBYTECODE set, as on some build machines, each
command would compile the package's modules again, about 40 ms that no user pays.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

OUTREACH = str(Path(sys.executable).with_name("outreach"))

COMMANDS = {
    "outreach --help": [OUTREACH, "--help"],
    "outreach status": [OUTREACH, "status"],
    "outreach contacts list": [OUTREACH, "contacts", "list"],
    "outreach outbox list": [OUTREACH, "outbox", "list"],
    "python -c 'import sqlmodel' (floor)": [sys.executable, "-c", "import sqlmodel"],
}


def wall_times(argv: list[str], workspace: Path, runs: int) -> list[float]:
    """Wall seconds of each run, after one run that is not counted (warm caches)."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("OUTREACH_") and k != "PYTHONDONTWRITEBYTECODE"
    }
    times = []
    for run in range(runs + 1):
        start = time.perf_counter()
        subprocess.run(argv, cwd=workspace, env=env, capture_output=True, check=True)
        if run:
            times.append(time.perf_counter() - start)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=9)
    runs = parser.parse_args().runs
    with tempfile.TemporaryDirectory() as folder:
        workspace = Path(folder) / "ws"
        subprocess.run([OUTREACH, "init", str(workspace)], capture_output=True, check=True)
        subprocess.run([OUTREACH, "contacts", "import", "contacts/creators.csv"], cwd=workspace,
                       capture_output=True, check=True)  # fmt: skip
        print(f"{runs} runs each, whole process, a workspace with the 8 sample creators")
        print(f"{'command':<40} {'median':>8} {'min':>8} {'max':>8}")
        for label, argv in COMMANDS.items():
            times = wall_times(argv, workspace, runs)
            print(f"{label:<40} {statistics.median(times):>7.3f}s {min(times):>7.3f}s "
                  f"{max(times):>7.3f}s")  # fmt: skip


if __name__ == "__main__":
    main()
