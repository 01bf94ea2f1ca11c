"""Partner scores: how good a partner a creator has been, from counted facts of the history."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

# The weights, in points. A reason line shows the points a fact earned, e.g.
# "+5 delivered content on time (1 of 1)".
#
# | fact             | points              | why                                              |
# |------------------|---------------------|--------------------------------------------------|
# | replied          | +2 per campaign     | reads and answers us: the first sign of a partner|
# | accepted         | +3 per campaign     | agreed to collaborate                            |
# | on time          | +5 per campaign     | delivered by the due date: what a brand needs    |
# | late             | +2 per campaign     | delivered, but after the due date                |
# | overdue          | -3 per campaign     | agreed, the due date passed, nothing posted      |
# | unprompted post  | +3 per campaign     | posted with no agreement (sincere seeding works) |
# | content re-used  | +3 per rights grant | the content was worth re-using (BRIEF: an asset) |
# | repeat           | +2 per campaign     | each agreed campaign after the first: it lasts   |
# | declined         | -4 per decline      | net -2 with its reply: a "no" is worse than a    |
# |                  |                     | lost mail (silent)                               |
# | silent           | -1 per campaign     | mild: proposals get lost, creators get busy      |
# | ambassador       | +10                 | a person's judgement, worth two good campaigns   |
#
# A creator with no history scores 0, so a past decliner or a silent creator ranks below a
# stranger when a campaign prefers partners, and anyone who delivered ranks above one.
REPLIED = 2
ACCEPTED = 3
ON_TIME = 5
LATE = 2
OVERDUE = -3
UNPROMPTED = 3
REUSED = 3
REPEAT = 2
DECLINED = -4
SILENT = -1
AMBASSADOR = 10


@dataclass(frozen=True)
class PartnerFacts:
    """What one creator's history says, counted (campaigns unless said otherwise)."""

    replied: int = 0  # sequences that ended with a reply
    silent: int = 0  # sequences that ran out without a reply
    declined: int = 0  # replies labelled "declined" (messages, not campaigns)
    accepted: int = 0  # campaigns with an agreement
    on_time: int = 0  # agreed campaigns whose first post was on or before the due date
    late: int = 0  # agreed campaigns whose first post came after the due date
    overdue: int = 0  # agreed campaigns past the due date with nothing posted
    unprompted: int = 0  # campaigns with a post but no agreement
    reused: int = 0  # rights grants (re-use of the creator's content)
    ambassador: bool = False


@dataclass(frozen=True)
class PartnerScore:
    """The score and, for every fact that counted, one reason with its points."""

    points: int
    reasons: tuple[str, ...]


def score_partner(facts: PartnerFacts) -> PartnerScore:
    """The partner score of one creator, with the reasons in the order of the weight table."""
    points = {
        "replied": REPLIED * facts.replied,
        "accepted": ACCEPTED * facts.accepted,
        "on_time": ON_TIME * facts.on_time,
        "late": LATE * facts.late,
        "overdue": OVERDUE * facts.overdue,
        "unprompted": UNPROMPTED * facts.unprompted,
        "reused": REUSED * facts.reused,
        "repeat": REPEAT * max(0, facts.accepted - 1),
        "declined": DECLINED * facts.declined,
        "silent": SILENT * facts.silent,
        "ambassador": AMBASSADOR if facts.ambassador else 0,
    }
    # Texts only for the facts that count: most creators have two or three of eleven.
    return PartnerScore(
        points=sum(points.values()),
        reasons=tuple(f"{n:+d} {_REASONS[name](facts)}" for name, n in points.items() if n),
    )


def delivery(due_on: date | None, first_post: date | None, posted: bool, today: date) -> str:
    """One agreed campaign's delivery: on_time, late, overdue or pending.

    Late needs both dates: with no due date there is nothing to miss, and a post whose date
    was not recorded is not held against the creator.
    """
    if posted:
        late = due_on is not None and first_post is not None and first_post > due_on
        return "late" if late else "on_time"
    return "overdue" if due_on is not None and due_on < today else "pending"


def ranking_key(points: int, ambassador: bool, creator_id: int) -> tuple[int, bool, int]:
    """Sort key: highest score first, then ambassadors, then the oldest creator (stable)."""
    return (-points, not ambassador, creator_id)


_REASONS: dict[str, Callable[[PartnerFacts], str]] = {
    "replied": lambda f: f"replied in {_campaigns(f.replied)}",
    "accepted": lambda f: f"accepted in {_campaigns(f.accepted)}",
    "on_time": lambda f: f"delivered content on time ({f.on_time} of {f.accepted})",
    "late": lambda f: f"delivered content late ({f.late} of {f.accepted})",
    "overdue": lambda f: f"nothing posted by the due date ({f.overdue} of {f.accepted})",
    "unprompted": lambda f: f"posted unprompted in {_campaigns(f.unprompted)}",
    "reused": lambda f: f"content re-used ({_grants(f.reused)})",
    "repeat": lambda f: f"repeat partner ({f.accepted} campaigns)",
    "declined": lambda f: f"declined {_times(f.declined)}",
    "silent": lambda f: f"silent in {_campaigns(f.silent)}",
    "ambassador": lambda f: "ambassador",
}


def _campaigns(count: int) -> str:
    return f"{count} campaign" + ("" if count == 1 else "s")


def _grants(count: int) -> str:
    return f"{count} rights grant" + ("" if count == 1 else "s")


def _times(count: int) -> str:
    return {1: "once", 2: "twice"}.get(count, f"{count} times")
