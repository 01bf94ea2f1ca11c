"""Partner scores: how good a partner a creator has been, from counted facts of the history."""

from __future__ import annotations

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
    of = f"of {facts.accepted}"
    parts = [
        (REPLIED * facts.replied, f"replied in {_campaigns(facts.replied)}"),
        (ACCEPTED * facts.accepted, f"accepted in {_campaigns(facts.accepted)}"),
        (ON_TIME * facts.on_time, f"delivered content on time ({facts.on_time} {of})"),
        (LATE * facts.late, f"delivered content late ({facts.late} {of})"),
        (OVERDUE * facts.overdue, f"nothing posted by the due date ({facts.overdue} {of})"),
        (UNPROMPTED * facts.unprompted, f"posted unprompted in {_campaigns(facts.unprompted)}"),
        (REUSED * facts.reused, f"content re-used ({_grants(facts.reused)})"),
        (REPEAT * max(0, facts.accepted - 1), f"repeat partner ({facts.accepted} campaigns)"),
        (DECLINED * facts.declined, f"declined {_times(facts.declined)}"),
        (SILENT * facts.silent, f"silent in {_campaigns(facts.silent)}"),
        (AMBASSADOR if facts.ambassador else 0, "ambassador"),
    ]
    counted = [(points, text) for points, text in parts if points]
    return PartnerScore(
        points=sum(points for points, _ in counted),
        reasons=tuple(f"{points:+d} {text}" for points, text in counted),
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


def _campaigns(count: int) -> str:
    return f"{count} campaign" + ("" if count == 1 else "s")


def _grants(count: int) -> str:
    return f"{count} rights grant" + ("" if count == 1 else "s")


def _times(count: int) -> str:
    return {1: "once", 2: "twice"}.get(count, f"{count} times")
