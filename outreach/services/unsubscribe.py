"""One-click unsubscribe: a signed link's opt-out, recorded as the inbox records one."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum

from sqlmodel import select

from outreach.adapters.models import Creator, CreatorStatus, Message
from outreach.core.unsubscribe_tokens import TokenError, read_token
from outreach.services.app import App
from outreach.services.replies import ReplyKind, record_reply
from outreach.services.suppressions import suppression_for


class Outcome(StrEnum):
    """What a visit to the link came to."""

    UNSUBSCRIBED = "unsubscribed"
    ALREADY = "already"  # the same link again, or an earlier opt-out: nothing more to do
    INVALID = "invalid"  # changed, not ours, or for a message we no longer know
    EXPIRED = "expired"


@dataclass(frozen=True)
class Answer:
    """The outcome, and the language to say it in (the message's)."""

    outcome: Outcome
    language: str = "en"
    brand: str = ""


def message_for_token(app: App, token: str, now: datetime) -> tuple[Outcome, Message | None]:
    """The message a link was made for, or why there is none."""
    secret = app.settings.unsubscribe_secret
    if secret is None:
        return Outcome.INVALID, None
    try:
        message_id = read_token(secret.reveal().encode("utf-8"), token, now.date())
    except TokenError as exc:
        return (Outcome.EXPIRED if exc.expired else Outcome.INVALID), None
    with app.session() as session:
        message = session.exec(select(Message).where(Message.message_id == message_id)).first()
    return (Outcome.UNSUBSCRIBED, message) if message is not None else (Outcome.INVALID, None)


def look_up(app: App, token: str, now: datetime) -> Answer:
    """What the link would do, for the page a GET shows (nothing is changed)."""
    outcome, message = message_for_token(app, token, now)
    if message is None:
        return Answer(outcome)
    return Answer(outcome, message.language, app.settings.company or "")


def unsubscribe(app: App, token: str, now: datetime) -> Answer:
    """Opt the link's creator out everywhere, once; a second visit changes nothing."""
    outcome, message = message_for_token(app, token, now)
    if message is None:
        return Answer(outcome)
    answer = Answer(Outcome.UNSUBSCRIBED, message.language, app.settings.company or "")
    with app.session() as session:
        creator = session.get(Creator, message.creator_id)
        assert creator is not None
        if creator.status == CreatorStatus.OPTED_OUT.value or suppression_for(
            session, creator.email
        ):
            return replace(answer, outcome=Outcome.ALREADY)
        # The same service the inbox uses: suppressed everywhere, every sequence ended.
        record_reply(session, creator, ReplyKind.OPT_OUT, now, "one-click unsubscribe link")
        session.commit()
    return answer
