"""Accuracy of bounce and auto-reply reading on the shared real-world corpora.

Run: .venv/bin/python -m bench.accuracy_bounces [--verbose]
"""

from __future__ import annotations

import email
import email.policy
import email.utils
import sys
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path
from typing import cast

from outreach.core.auto_replies import read_auto_reply
from outreach.core.bounce_reading import read_bounce

CORPORA = Path(__file__).resolve().parents[1] / ".." / "shared" / "corpora"
PERL = CORPORA / "perl_bounceparser"
SISIMAI = CORPORA / "sisimai_set_of_emails"
RECEIVED = datetime(2026, 1, 15, tzinfo=UTC)

# The known real auto-replies (INDEX.md, "Real auto-replies / out-of-office in this set").
AUTO_REPLIES = (
    SISIMAI / "maildir-bsd" / "rfc3834-01.eml",
    SISIMAI / "maildir-bsd" / "rfc3834-02.eml",
    SISIMAI / "maildir-bsd" / "rfc3834-03.eml",
    SISIMAI / "maildir-bsd" / "rfc3834-04.eml",
    SISIMAI / "maildir-bsd" / "rfc3834-05.eml",
    SISIMAI / "maildir-bsd" / "rfc3834-06.eml",
    PERL / "corpus" / "aol-vacation.msg",
    PERL / "corpus" / "autoreply.msg",
    PERL / "corpus" / "polish-autoreply.msg",
    PERL / "corpus" / "warning-6.msg",
)
# Messages that are neither bounces nor auto-replies (challenge-response, list mail...).
NEITHER = (
    PERL / "corpus" / "bluebottle.msg",
    PERL / "corpus" / "boxbe-cr.msg",
    PERL / "corpus" / "boxbe-cr2.msg",
    PERL / "corpus" / "whitelist.msg",
    *sorted((SISIMAI / "maildir-not").glob("*.eml")),
)


def load(path: Path) -> EmailMessage:
    return cast(
        EmailMessage, email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    )


def rows(path: Path) -> list[list[str]]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return [line.split("\t") for line in lines if line.strip() and not line.startswith("#")]


@dataclass
class Score:
    hits: int = 0
    total: int = 0
    misses: list[str] = field(default_factory=list)

    def add(self, ok: bool, name: str) -> None:
        self.total += 1
        self.hits += ok
        if not ok:
            self.misses.append(name)

    @property
    def rate(self) -> float:
        return self.hits / self.total if self.total else 1.0

    def line(self, label: str) -> str:
        return f"  {label:<44} {self.hits:>4}/{self.total:<4} {100 * self.rate:6.1f}%"


def perl_scores() -> dict[str, Score]:
    scores = defaultdict(Score)
    for row in rows(PERL / "EXPECTED.tsv"):
        name, is_bounce, addresses = [*row, "", "", ""][:3]
        if name in {p.name for p in AUTO_REPLIES}:
            continue  # scored with the auto-replies
        bounce = read_bounce(load(PERL / "corpus" / name))
        if is_bounce == "1":
            scores["bounce detected"].add(bounce is not None, name)
            expected = {a.strip().lower() for a in addresses.split(",") if a.strip()}
            if expected:
                got = set(bounce.recipients) if bounce else set()
                scores["recipient correct (files with expected)"].add(got == expected, name)
        elif is_bounce == "0":
            scores["non-bounce rejected"].add(bounce is None, name)
    return dict(scores)


def sisimai_expected() -> dict[str, list[list[str]]]:
    expected: dict[str, list[list[str]]] = defaultdict(list)
    for row in rows(SISIMAI / "EXPECTED.tsv"):
        expected[row[0]].append((row + [""] * 8)[:8])
    return expected


# Sisimai reasons that are not delivery failures of an address (feedback reports, auto-replies,
# delivered notices): not scored as bounces.
_NOT_FAILURES = {"feedback", "vacation", "delivered"}


def sisimai_scores() -> dict[str, Score]:
    scores = defaultdict(Score)
    for name, expected_rows in sorted(sisimai_expected().items()):
        path = SISIMAI / "maildir-bsd" / name
        if not path.exists():
            continue
        reasons = {row[4] for row in expected_rows}
        if reasons <= _NOT_FAILURES:
            continue
        message = load(path)
        bounce = read_bounce(message)
        scores["bounce detected"].add(bounce is not None, name)
        if bounce is None:
            continue
        scores["recipient count matches upstream rows"].add(
            len(bounce.recipients) == len(expected_rows), name
        )
        hard = expected_rows[0][5] == "true"
        scores["hard/soft = sisimai hardbounce"].add(bounce.hard == hard, name)
        status = expected_rows[0][2]
        if status and not status.endswith(".0.0"):
            scores["status = upstream DSN status"].add(bounce.status == status, name)
    for path in sorted((SISIMAI / "maildir-not").glob("*.eml")):
        scores["non-bounce rejected"].add(read_bounce(load(path)) is None, path.name)
    return dict(scores)


def received(message: EmailMessage) -> datetime:
    try:
        return email.utils.parsedate_to_datetime(str(message["Date"]))
    except (TypeError, ValueError):
        return RECEIVED


def auto_reply_scores() -> dict[str, Score]:
    scores = defaultdict(Score)
    for path in AUTO_REPLIES:
        message = load(path)
        found = read_auto_reply(message, received(message))
        scores["auto-reply detected"].add(found is not None, path.name)
        scores["auto-reply not read as bounce"].add(read_bounce(load(path)) is None, path.name)
    for path in NEITHER:
        scores["other mail not read as auto-reply"].add(
            read_auto_reply(load(path), RECEIVED) is None, path.name
        )
    return dict(scores)


def main(argv: list[str]) -> int:
    verbose = "--verbose" in argv
    if not CORPORA.is_dir():
        print(f"corpora not found at {CORPORA.resolve()}")
        return 1
    for title, scores in (
        ("perl_bounceparser", perl_scores()),
        ("sisimai_set_of_emails", sisimai_scores()),
        ("auto-replies (10 real, INDEX.md) + non-bounces", auto_reply_scores()),
    ):
        print(title)
        for label, score in scores.items():
            print(score.line(label))
            if verbose and score.misses:
                print("      misses: " + ", ".join(score.misses))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
