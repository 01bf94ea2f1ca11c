"""Contacts import: a CSV of N creators read, checked row by row and stored, then again.

Run: .venv/bin/python -m bench.bench_import [--creators 10000]

SQLite file in a temp dir; the CSV has every column the sample has (ja/ko/en creators, each
with a country and a time zone). The first import inserts every row; the second finds each
one unchanged. Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import csv
import tempfile
import time
from pathlib import Path

from bench._fixtures import START, command_line, creator_row, make_app, make_workspace
from outreach.services.importing import import_creators

COLUMNS = ("handle", "email", "email_source", "name", "platform", "followers",
           "engagement_rate", "niches", "language", "country", "timezone", "bio",
           "recent_post", "recent_post_url")  # fmt: skip


def write_csv(path: Path, count: int) -> None:
    """COUNT creators as a contacts CSV (niches joined with ';', as people write them)."""
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(COLUMNS)
        for n in range(count):
            row = creator_row(n, START)
            row["niches"] = ";".join(row["niches"])
            writer.writerow([row[column] for column in COLUMNS])


def main() -> None:
    """Write the CSV, import it twice, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--creators", type=int, default=10_000)
    args = parser.parse_args()
    print(command_line())
    with tempfile.TemporaryDirectory() as folder:
        workspace = make_workspace(Path(folder))
        app = make_app(workspace)
        path = Path(folder) / "creators.csv"
        write_csv(path, args.creators)
        for attempt in ("first import (all new)", "second import (all unchanged)"):
            began = time.perf_counter()
            with app.session() as session:
                report = import_creators(session, path, START)
            took = time.perf_counter() - began
            print(f"{attempt}: {args.creators} rows in {took:.2f} s "
                  f"({args.creators / took:,.0f} rows/s): {report.imported} new, "
                  f"{report.updated} updated, {report.unchanged} unchanged, "
                  f"{report.skipped} skipped")  # fmt: skip
        app.engine.dispose()


if __name__ == "__main__":
    main()
