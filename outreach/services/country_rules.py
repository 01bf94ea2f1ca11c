"""The creator's country rules on a stored message, checked again at the moment of sending."""

from __future__ import annotations

from outreach.adapters.models import Creator, Message
from outreach.core.legal_profiles import (
    KOREAN_AD_MARKER,
    lacks_ad_marker,
    postal_rule,
    source_refusal,
)
from outreach.settings import Settings

RESEND_HINT = "`outreach outbox resolve ID --resend` writes it again once fixed"


def sending_problem(
    settings: Settings, creator: Creator, message: Message, advertising: bool
) -> str | None:
    """Why this campaign message may not go now (None: it may), with the rule named.

    Planning checked the same rules, but days can pass between planning and sending (a
    draft waiting for approval, a step put off): an import may have changed the creator's
    country or source, the postal address may have changed, or a template was edited.
    """
    refusal = source_refusal(creator.country, creator.email_source, advertising)
    if refusal is not None:
        return refusal
    rule = postal_rule(creator.country)
    address = settings.postal_address
    # Unset now: the message kept the address it was written with, which the planner required.
    if rule is not None and address and address not in message.body_text:
        return (f"the message does not show the postal address {address!r}, which mail to "
                f"{rule.countries} must ({rule.rule}); {RESEND_HINT}")  # fmt: skip
    if lacks_ad_marker(message.subject, creator.country, advertising):
        return (f"the subject does not start with {KOREAN_AD_MARKER}, which advertising mail "
                f"to KR must (Korea's Network Act art. 50(4)); {RESEND_HINT}")  # fmt: skip
    return None
