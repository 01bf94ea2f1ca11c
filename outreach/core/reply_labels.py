"""The labels of what a creator answers (the trained classifier is services.reply_classifier)."""

from __future__ import annotations

from enum import StrEnum


class ReplyLabel(StrEnum):
    """The labels a person's reply gets; `unclear` goes to a person."""

    INTERESTED = "interested"
    DECLINED = "declined"
    NOT_NOW = "not_now"
    QUESTION = "question"
    RATE_REQUEST = "rate_request"
    AGENCY = "agency"
    UNCLEAR = "unclear"


# Labels stored before the trained classifier (no needs_review of their own) below this
# confidence go to a person.
CONFIDENT = 0.6
