"""What a creator's reply says: interested, declined, not now, a question, a rate, an agency."""

from __future__ import annotations

import re
from dataclasses import dataclass
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


@dataclass(frozen=True)
class Labelled:
    """A label with a confidence between 0 and 1."""

    label: ReplyLabel
    confidence: float


# Phrases per label in English, Japanese and Korean (the languages of our samples), plus a
# few common European ones. Order of the table is the order of precedence on a tie: an agency
# or a rate card says more about what to do next than a polite "thank you".
_PHRASES: dict[ReplyLabel, tuple[str, ...]] = {
    ReplyLabel.AGENCY: (
        r"\bmy (manager|agent|agency)\b",
        r"\bmanagement\b",
        r"\btalent (agency|manager)\b",
        r"\bcontact (my|our) (team|manager|agent)",
        r"事務所",
        r"マネージャー",
        r"マネジメント",
        r"소속사",
        r"매니저",
        r"에이전시",
    ),
    ReplyLabel.RATE_REQUEST: (
        r"\brate card\b",
        r"\bmy rates?\b",
        r"\bfee\b",
        r"\bbudget\b",
        r"\bpaid (partnership|collab)",
        r"\bhow much\b",
        r"\bcompensation\b",
        r"\bmedia kit\b",
        r"料金",
        r"報酬",
        r"ギャラ",
        r"費用",
        r"単価",
        r"원고료",
        r"비용",
        r"단가",
        r"광고비",
    ),
    ReplyLabel.NOT_NOW: (
        r"\bnot (right )?now\b",
        r"\bmaybe later\b",
        r"\bnext (month|season|year)\b",
        r"\btoo busy\b",
        r"\bfully booked\b",
        r"\bget back to you\b",
        r"\bafter (the|my)\b",
        r"今は難しい",
        r"また今度",
        r"来月",
        r"落ち着いたら",
        r"時期",
        r"다음에",
        r"나중에",
        r"바빠서",
    ),
    ReplyLabel.DECLINED: (
        r"\bnot interested\b",
        r"\bno thanks?\b",
        r"\bnot a (good )?fit\b",
        r"\bi('ll| will) pass\b",
        r"\bdecline\b",
        r"\bdon'?t (do|accept) (gifted|collab)",
        r"\bnot for me\b",
        r"お断り",
        r"辞退",
        r"遠慮",
        r"見送",
        r"거절",
        r"어렵습니다",
        r"관심이 없",
    ),
    ReplyLabel.QUESTION: (
        r"\?",
        r"？",
        r"\bcould you (tell|send|share)\b",
        r"\bwhat (is|are)\b",
        r"教えて",
        r"でしょうか",
        r"ですか",
        r"알려",
        r"인가요",
        r"나요",
    ),
    ReplyLabel.INTERESTED: (
        r"\b(yes|yeah|sure|absolutely|definitely)\b",
        r"\bi'?d love\b",
        r"\bsounds (great|good|lovely)\b",
        r"\bhappy to\b",
        r"\binterested\b",
        r"\bsend (it|me)\b",
        r"\bmy address\b",
        r"\bcount me in\b",
        r"ぜひ",
        r"是非",
        r"喜んで",
        r"お願いします",
        r"試してみたい",
        r"嬉しい",
        r"좋아요",
        r"좋습니다",
        r"감사합니다",
        r"참여",
        r"보내주세요",
        r"하고 싶",
    ),
}
_PATTERNS = {
    label: [re.compile(phrase, re.IGNORECASE) for phrase in phrases]
    for label, phrases in _PHRASES.items()
}
_NEGATED_INTEREST = re.compile(r"\bnot interested\b|\bno interest\b|관심이 없", re.IGNORECASE)
CONFIDENT = 0.6  # below this a person decides


def label_reply(text: str) -> Labelled:
    """Label the new text of a reply by the phrases it holds; unclear when nothing is clear."""
    scores = {
        label: sum(1 for p in patterns if p.search(text)) for label, patterns in _PATTERNS.items()
    }
    if _NEGATED_INTEREST.search(text):
        scores[ReplyLabel.INTERESTED] = 0
    total = sum(scores.values())
    if total == 0:
        return Labelled(ReplyLabel.UNCLEAR, 0.0)
    # The first label of the table wins a tie (see the table's comment).
    best = max(scores, key=lambda label: (scores[label], -list(_PATTERNS).index(label)))
    confidence = round(scores[best] / total, 2)
    if best is ReplyLabel.QUESTION and total > scores[best]:
        # A question mark next to clearer words is usually politeness, not the point.
        others = [label for label in scores if label is not ReplyLabel.QUESTION]
        runner_up = max(others, key=lambda label: scores[label])
        if scores[runner_up]:
            best, confidence = runner_up, round(scores[runner_up] / total, 2)
    return Labelled(best, confidence)
