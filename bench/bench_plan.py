"""Plan + render + store: turn N due enrolments into N queued outbox messages.

Run: .venv/bin/python -m bench.bench_plan [--enrolments 100000] [--tracemalloc]

SQLite file in a temp dir; creators and enrolments inserted in bulk (not timed); one campaign
with one step (proposal, creators in ja/ko/en); plan_due is called until nothing is left.
Peak memory: the process's max RSS (getrusage) before and after planning; --tracemalloc adds
the peak of Python allocations during planning (and slows planning down).
Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

from bench._fixtures import (
    CAMPAIGN,
    START,
    command_line,
    enroll_all,
    insert_creators,
    make_app,
    make_workspace,
)
from outreach.adapters.campaign_files import load_all_campaigns
from outreach.services.planning import PLAN_BATCH, plan_due


def max_rss_mib() -> float:
    """Peak resident set size of this process so far (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    """Set up, plan everything, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--enrolments", type=int, default=100_000)
    parser.add_argument("--tracemalloc", action="store_true")
    args = parser.parse_args()
    print(command_line())
    with tempfile.TemporaryDirectory() as folder:
        workspace = make_workspace(Path(folder))
        app = make_app(workspace)
        began = time.perf_counter()
        ids = insert_creators(app.engine, args.enrolments)
        enroll_all(app.engine, ids)
        print(f"set-up: {args.enrolments} creators + enrolments inserted in bulk in "
              f"{time.perf_counter() - began:.1f} s")  # fmt: skip
        specs = load_all_campaigns(app.schedules)
        rss_before = max_rss_mib()
        if args.tracemalloc:
            tracemalloc.start()
        planned = calls = 0
        began = time.perf_counter()
        while True:
            report = plan_due(app, specs, START)
            calls += 1
            planned += report.planned
            if report.planned + report.held + report.ended == 0:
                break
            if calls % 20 == 0:
                rate = planned / (time.perf_counter() - began)
                print(f"  ... {planned} planned, {rate:.0f} msgs/s", file=sys.stderr)
        elapsed = time.perf_counter() - began
        traced_peak = tracemalloc.get_traced_memory()[1] / 2**20 if args.tracemalloc else None
        tracemalloc.stop()
        size = (workspace / "outreach.db").stat().st_size / 2**20
    print(f"campaign {CAMPAIGN!r}, 1 step, {args.enrolments} enrolments, SQLite (WAL), "
          f"plan_due batch {PLAN_BATCH}, {calls} calls")  # fmt: skip
    print(f"plan+render+store  {planned:>7} msgs  {elapsed:7.1f} s  "
          f"{planned / elapsed:7.0f} msgs/s  "
          f"{elapsed / max(planned, 1) * 1e3:.2f} ms/msg")  # fmt: skip
    print(f"peak RSS           {rss_before:7.0f} MiB before planning, {max_rss_mib():.0f} MiB after"
          f"  (+{max_rss_mib() - rss_before:.0f} MiB)")  # fmt: skip
    if traced_peak is not None:
        print(f"tracemalloc peak   {traced_peak:7.1f} MiB of Python allocations while planning")
    print(f"database file      {size:7.0f} MiB")


if __name__ == "__main__":
    main()
