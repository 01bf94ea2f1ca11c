"""A person's corrections of reply labels: kept in the history, counted, and taught."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlmodel import Session, col, select

from outreach.adapters.models import Creator, Inbound
from outreach.adapters.reply_training import CORPUS_LANGUAGES
from outreach.core.reply_corpus import Example
from outreach.core.reply_labels import ReplyLabel
from outreach.errors import OutreachError
from outreach.services.history import record_event
from outreach.services.inbound_admin import get_inbound
from outreach.services.reply_classifier import language_of


def correct_label(session: Session, inbound_id: int, label: str, now: datetime) -> str | None:
    """Set a reply's label as a person says; returns the label it had. Commits."""
    labels = [item.value for item in ReplyLabel]
    if label not in labels:
        raise OutreachError(f"{label!r} is not a reply label; one of: {', '.join(labels)}")
    row = get_inbound(session, inbound_id).inbound
    if row.kind != "reply":
        raise OutreachError(
            f"message {inbound_id} is {row.kind}, not a reply: only replies have a label"
        )
    before = row.label
    row.label, row.confidence, row.needs_review = label, 1.0, False
    row.label_corrected_at = now
    session.add(row)
    creator = session.get(Creator, row.creator_id) if row.creator_id else None
    if creator is not None:
        record_event(session, creator, "label_corrected",
                     f"reply {inbound_id} labelled {label} by a person (was {before})", now,
                     detail={"inbound_id": inbound_id, "label": label, "was": before})  # fmt: skip
    session.commit()
    return before


_LONG_AGO = datetime(1970, 1, 1, tzinfo=UTC)
# Built once: asked for every reply read.
_CORRECTED = (
    select(Inbound)
    # "After 1970" is "corrected at all", said as a range so that SQLite seeks the
    # (kind, label_corrected_at) index instead of reading every reply by kind alone.
    .where(Inbound.kind == "reply", col(Inbound.label_corrected_at) > _LONG_AGO)
    .order_by(col(Inbound.id))
)


def workspace_corrections(session: Session) -> list[Example]:
    """Every label a person corrected, as training examples (languages with a corpus only)."""
    examples = []
    for row in session.exec(_CORRECTED):
        language = row.language or language_of(row.text) or "en"
        if language in CORPUS_LANGUAGES and row.label and row.text.strip():
            examples.append(Example(language, row.label, row.text))
    return examples
