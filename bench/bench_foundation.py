"""Benchmark the first slice: CSV import, rendering, and one-off sends to a loopback SMTP server.

Run: .venv/bin/python -m bench.bench_foundation [--creators 20000] [--renders 2000] [--sends 200]
Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from outreach.adapters.campaign_files import find_campaign  # noqa: E402
from outreach.bootstrap import bootstrap  # noqa: E402
from outreach.core.retry import RetryPolicy  # noqa: E402
from outreach.services.composing import compose  # noqa: E402
from outreach.services.creators import find_creator  # noqa: E402
from outreach.services.importing import import_creators  # noqa: E402
from outreach.services.sending import send_now  # noqa: E402
from outreach.services.workspace import init_workspace  # noqa: E402
from tests.smtp_server import SmtpTestServer  # noqa: E402

BIOS = {
    "ja": "敏感肌と付き合いながら、やさしいスキンケアを毎日記録しています。成分表が好きです。",
    "ko": "민감한 피부를 위한 순한 스킨케어를 매일 기록하고 있어요. 성분표 읽는 것을 좋아합니다.",
    "en": "I review gentle skincare for sensitive skin and read every ingredient list twice.",
}


def write_creators(path: Path, count: int) -> None:
    """A CSV of COUNT creators; half leave language empty so it is detected."""
    rng = random.Random(7)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(
            ["handle", "email", "name", "platform", "followers", "engagement_rate", "niches",
             "language", "bio", "recent_post", "recent_post_url"]
        )  # fmt: skip
        for n in range(count):
            language = ("ja", "ko", "en")[n % 3]
            writer.writerow(
                [f"creator{n}", f"creator{n}@mail.example", f"Creator {n}", "instagram",
                 rng.randint(1_000, 90_000), round(rng.uniform(1, 9), 1), "skincare;vegan",
                 language if n % 2 else "", BIOS[language], "a gentle morning routine",
                 f"https://instagram.example.com/p/{n}"]
            )  # fmt: skip


def bench_import(workspace: Path, count: int) -> None:
    """Import COUNT creators, then the same file again (all unchanged)."""
    path = workspace / "contacts" / "bench.csv"
    write_creators(path, count)
    app = bootstrap(workspace, environ={})
    for label in ("first import", "re-import (no change)"):
        start = time.perf_counter()
        with app.session() as session:
            report = import_creators(session, path, app.clock())
        elapsed = time.perf_counter() - start
        print(
            f"{label:<24} {count:>7} rows  {elapsed:7.2f} s  {count / elapsed:9.0f} rows/s  "
            f"(imported {report.imported}, unchanged {report.unchanged})"
        )


def bench_render(workspace: Path, count: int) -> None:
    """Compose COUNT proposals (render, check, build MIME) without sending."""
    app = bootstrap(workspace, environ={})
    campaign = find_campaign(app.schedules, "spring-serum")
    with app.session() as session:
        creators = [find_creator(session, f"creator{n}") for n in range(count)]
    start = time.perf_counter()
    for creator in creators:
        compose(app.settings, app.templates, creator, "proposal", campaign, app.clock())
    elapsed = time.perf_counter() - start
    print(
        f"{'compose proposal':<24} {count:>7} msgs  {elapsed:7.2f} s  {count / elapsed:9.0f} msgs/s"
    )


def bench_send(workspace: Path, count: int) -> None:
    """One-off sends over STARTTLS + login to aiosmtpd on loopback, one connection each."""
    auth = ("bench@glowlab.example", "bench-password")
    with SmtpTestServer(security="starttls", auth=auth) as server:
        os.environ["SSL_CERT_FILE"] = str(server.ca_cert_path)
        environ = {
            "OUTREACH_SMTP_HOST": server.host,
            "OUTREACH_SMTP_PORT": str(server.port),
            "OUTREACH_SMTP_USER": auth[0],
            "OUTREACH_SMTP_PASSWORD": auth[1],
        }
        app = bootstrap(workspace, environ=environ, retry=RetryPolicy(3, 0.1, 2))
        latencies = []
        start = time.perf_counter()
        for n in range(count):
            began = time.perf_counter()
            send_now(app, f"creator{n}", "proposal", "spring-serum")
            latencies.append(time.perf_counter() - began)
        elapsed = time.perf_counter() - start
        assert len(server.messages) == count
    cuts = statistics.quantiles(latencies, n=20)
    print(
        f"{'send (STARTTLS+login)':<24} {count:>7} msgs  {elapsed:7.2f} s  "
        f"{count / elapsed:9.1f} msgs/s  p50 {statistics.median(latencies) * 1000:.0f} ms  "
        f"p95 {cuts[18] * 1000:.0f} ms"
    )


def main() -> None:
    """Run the three benchmarks in a temporary workspace."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--creators", type=int, default=20_000)
    parser.add_argument("--renders", type=int, default=2_000)
    parser.add_argument("--sends", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        workspace = Path(folder) / "ws"
        init_workspace(workspace)
        bench_import(workspace, args.creators)
        bench_render(workspace, min(args.renders, args.creators))
        bench_send(workspace, min(args.sends, args.creators))


if __name__ == "__main__":
    main()
