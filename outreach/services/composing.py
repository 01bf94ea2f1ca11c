"""Compose the exact message one creator would receive from one template."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from email.utils import make_msgid
from typing import Any

from outreach.adapters.models import Creator
from outreach.adapters.template_files import TemplateLibrary
from outreach.core.addresses import domain_of, split_address
from outreach.core.brief_text import render_brief
from outreach.core.briefs import text_in
from outreach.core.campaign_spec import CampaignSpec
from outreach.core.context import Sender, sender_from, template_context
from outreach.core.disclosures import disclosure_for
from outreach.core.footers import opt_out_footer, source_notice
from outreach.core.legal_profiles import (
    KOREAN_AD_MARKER,
    in_europe,
    lacks_ad_marker,
    needs_complaints_contact,
    postal_rule,
)
from outreach.core.message_builder import (
    BuiltMessage,
    Envelope,
    HeaderInjection,
    build_message,
)
from outreach.core.rendering import TEMPLATE_CODE, RenderedMessage, RenderProblem
from outreach.core.template_choice import choose_language
from outreach.core.threads import Thread, follow_up_subject
from outreach.core.unsubscribe_tokens import make_token
from outreach.errors import MissingValueError, SettingsError, TemplateError, UnsafeHeaderError
from outreach.settings import Settings


@dataclass(frozen=True)
class Composed:
    """A finished message and what it was made from."""

    template: str
    language: str
    rendered: RenderedMessage
    envelope: Envelope
    built: BuiltMessage

    @property
    def subject(self) -> str:
        """The final subject (a follow-up's is filled in from its thread)."""
        return self.rendered.subject or ""

    def wire_bytes(self) -> bytes:
        """The message as it goes over SMTP (RFC 5322 with CRLF line ends)."""
        return self.built.data

    @property
    def sender_address(self) -> str:
        """The envelope sender (bare address)."""
        return split_address(self.envelope.from_header)[1]


def resolve_sender(
    settings: Settings, campaign: CampaignSpec | None, mailbox_address: str | None = None
) -> Sender:
    """The thread's mailbox, else the campaign's sender, else OUTREACH_FROM; one must be set."""
    from_header = mailbox_address or (campaign.sender if campaign else None) or settings.sender
    if not from_header:
        raise SettingsError(
            "OUTREACH_FROM is not set: add OUTREACH_FROM='Your Name at Brand <you@brand.example>' "
            "to .env (or set sender in the campaign file)"
        )
    return sender_from(from_header, settings.company)


def compose(
    settings: Settings,
    templates: TemplateLibrary,
    creator: Creator,
    template_name: str,
    campaign: CampaignSpec | None,
    now: datetime,
    thread: Thread | None = None,
    personal_note: str | None = None,
    mailbox_address: str | None = None,
) -> Composed:
    """Render, check and build the message; refuse with template, creator and field named.

    `personal_note` is the note written for this campaign, when there is one (else the
    profile's); `mailbox_address` the From of the mailbox the thread goes from, if chosen.
    """
    sender = resolve_sender(settings, campaign, mailbox_address)
    language = _language(templates, template_name, creator, campaign)
    label = f"{template_name} ({language})"
    profile = creator.model_dump()
    if personal_note:
        profile["personal_note"] = personal_note
    values = campaign_values(campaign, creator, language) if campaign else None
    context = template_context(profile, language, values, sender)
    try:
        rendered = templates.load(template_name, language).render(context)
    except RenderProblem as exc:
        if exc.field == TEMPLATE_CODE:
            path = templates.path(template_name, language)
            raise TemplateError(f"{path}:{exc.line or 1}: {exc.reason}") from None
        reason, hint = exc.reason, _hint(exc.field, creator.handle)
        if exc.field in _FROM_CAMPAIGN and campaign is not None:
            # Not the creator's to fill in: the campaign file leaves it out.
            reason = f"campaign {campaign.name!r} has no {exc.field!r}"
            hint = (f"Set {exc.field} = \"...\" in schedules/{campaign.name}.toml, or write "
                    f"{{{{ {exc.field} | default(\"...\") }}}} in the template.")  # fmt: skip
            if exc.field == "brief":
                hint = (f"Add a [brief] section to schedules/{campaign.name}.toml, or write "
                        "{% if brief %}...{% endif %} in the template.")  # fmt: skip
        raise MissingValueError(label, creator.handle, exc.field, reason, hint) from None
    rendered = _with_subject(rendered, thread, label, creator)
    _check_korean_subject(rendered.subject or "", campaign, creator, label)
    message_id = make_msgid(domain=domain_of(sender.address))
    opt_out_address = settings.unsubscribe_mailto or sender.address
    envelope = Envelope(
        from_header=sender.from_header,
        to_name=creator.name,
        to_address=creator.email,
        message_id=message_id,
        date=now,
        unsubscribe_address=opt_out_address,
        unsubscribe_url=unsubscribe_link(settings, message_id, now),
        in_reply_to=thread.message_ids[-1] if thread and thread.message_ids else None,
        references=thread.message_ids if thread else (),
    )
    contact = None
    if needs_complaints_contact(creator.country):
        # A setting when complaints go elsewhere; else the address that takes opt-outs.
        contact = settings.complaints_contact or opt_out_address
    footer = opt_out_footer(language, sender.from_header, settings.postal_address, contact)
    if thread is None and in_europe(creator.country) and creator.email_source:
        # The first message to someone in Europe says where we found them (GDPR art. 14).
        footer += source_notice(language, creator.email_source, creator.email_source_url)
    try:
        built = build_message(rendered, envelope, footer)
    except HeaderInjection as exc:
        raise UnsafeHeaderError(
            f"template {label!r} for creator @{creator.handle}: {exc}; nothing was sent"
        ) from None
    return Composed(template_name, language, rendered, envelope, built)


def _check_korean_subject(
    subject: str, campaign: CampaignSpec | None, creator: Creator, label: str
) -> None:
    """Korea: an advertising subject starts with exactly (광고); never added silently."""
    if campaign is not None and lacks_ad_marker(subject, creator.country, campaign.advertising):
        raise TemplateError(
            f"template {label!r} for @{creator.handle} (KR): Korea's Network Act art. 50(4) "
            f"wants an advertising subject to start with {KOREAN_AD_MARKER}; add it to the "
            f"template's subject, or set advertising = false in schedules/{campaign.name}.toml "
            "if this campaign is not advertising; nothing was sent"
        )


def missing_postal_address(settings: Settings, creator: Creator) -> str | None:
    """Why no message may go to this creator yet: the law of their country wants a postal
    address in it and OUTREACH_POSTAL_ADDRESS is not set (None: nothing is missing)."""
    rule = postal_rule(creator.country)
    if rule is None or settings.postal_address:
        return None
    return (f"OUTREACH_POSTAL_ADDRESS is not set; mail to {rule.countries} must show the "
            f"sender's postal address ({rule.rule})")  # fmt: skip


def unsubscribe_link(settings: Settings, message_id: str, now: datetime) -> str | None:
    """The message's own signed one-click unsubscribe address, when the page is served."""
    if not settings.unsubscribe_url or settings.unsubscribe_secret is None:
        return None
    secret = settings.unsubscribe_secret.reveal().encode("utf-8")
    token = make_token(secret, message_id, now.date())
    return f"{settings.unsubscribe_url.rstrip('/')}/{token}"


def campaign_values(campaign: CampaignSpec, creator: Creator, language: str) -> dict[str, Any]:
    """What templates see of the campaign, with the brief and disclosure for this creator."""
    values = campaign.template_values()
    disclosure = disclosure_for(creator.country, creator.language or language, campaign.offer)
    values["disclosure"] = disclosure.tag
    if campaign.brief is not None:
        # The brief's own words in the message's language, for a template to quote.
        for key in ("theme", "core_message"):
            values[key] = text_in(getattr(campaign.brief, key), language, campaign.language)
        values["brief"] = render_brief(
            campaign.brief, campaign.product, language, campaign.language, disclosure
        )
    return values


# Where a value a template uses comes from, so the error can say what to do next.
_FROM_NAME = ("addressee", "first_name")
_FROM_CAMPAIGN = (
    "campaign", "product", "description", "objective", "guidelines", "offer", "brief",
    "theme", "core_message",
)  # fmt: skip
_FROM_SETTINGS = {
    "sender_name": "OUTREACH_FROM (or the campaign's sender)",
    "sender_email": "OUTREACH_FROM (or the campaign's sender)",
    "sender_company": "OUTREACH_COMPANY, or a From name like 'Luna at Glowlab'",
}


def _hint(field: str, handle: str) -> str:
    if field in _FROM_NAME:
        return f"{field!r} is made from 'name': fill in 'name' for @{handle} (contacts import)."
    if field in _FROM_CAMPAIGN:
        return f"{field!r} comes from the campaign: pass --campaign NAME."
    if field in _FROM_SETTINGS:
        return f"{field!r} comes from {_FROM_SETTINGS[field]}."
    if field in ("subject", "body", "html"):
        return "Check the creator values that template part uses, or change the template."
    return f"Fill in {field!r} for @{handle} (contacts import) or change the template."


def _with_subject(
    rendered: RenderedMessage, thread: Thread | None, label: str, creator: Creator
) -> RenderedMessage:
    if rendered.subject is not None:
        return rendered
    if thread is None:
        raise TemplateError(
            f"template {label!r} has no Subject line, so it can only follow an earlier "
            f"message, and @{creator.handle} has received none in this campaign"
        )
    return replace(rendered, subject=follow_up_subject(thread.first_subject))


def _language(
    templates: TemplateLibrary,
    template_name: str,
    creator: Creator,
    campaign: CampaignSpec | None,
) -> str:
    available = templates.require(template_name)
    language = choose_language(available, creator.language, campaign.language if campaign else None)
    if language is None:
        raise TemplateError(
            f"template {template_name!r} exists only in {', '.join(available)}; "
            f"@{creator.handle} needs {creator.language or 'en'} (or add an English version)"
        )
    return language
