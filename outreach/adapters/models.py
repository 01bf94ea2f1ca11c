"""Database tables: creators, enrolments, the outbox, history, agreements, rights, the inbox."""

from __future__ import annotations

from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Column, DateTime, Index, Table, Text, TypeDecorator, UniqueConstraint
from sqlmodel import Field, SQLModel


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every backend (SQLite stores no offset)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the database; use UTC-aware datetimes")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def utcnow() -> datetime:
    """Now, timezone-aware, in UTC."""
    return datetime.now(UTC)


def table_of(model: type[SQLModel]) -> Table:
    """A model's table, for Core statements where the ORM's per-statement cost matters."""
    table = model.__table__  # type: ignore[attr-defined]  # SQLModel sets it, untyped
    assert isinstance(table, Table)
    return table


def _when(**kwargs: Any) -> Any:
    return Field(sa_column=Column(UTCDateTime(), **kwargs))


class CreatorStatus(StrEnum):
    """Where a creator stands with us."""

    NEW = "new"
    CONTACTED = "contacted"
    REPLIED = "replied"
    BOUNCED = "bounced"
    OPTED_OUT = "opted_out"


class MessageState(StrEnum):
    """The life of one outbox message."""

    QUEUED = "queued"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    UNKNOWN = "unknown"
    HELD = "held"
    DRAFT = "draft"
    SKIPPED = "skipped"
    CANCELLED = "cancelled"


class EnrollmentState(StrEnum):
    """Where one creator stands in one campaign's sequence."""

    ACTIVE = "active"
    REPLIED = "replied"
    BOUNCED = "bounced"
    OPTED_OUT = "opted_out"
    COMPLETED = "completed"
    STOPPED = "stopped"


class Creator(SQLModel, table=True):
    """A creator profile, upserted by (platform, handle)."""

    __tablename__ = "creators"
    __table_args__ = (UniqueConstraint("platform", "handle", name="uq_creator_platform_handle"),)

    id: int | None = Field(default=None, primary_key=True)
    platform: str = ""
    handle: str = Field(index=True)
    email: str = Field(index=True)
    name: str | None = None
    followers: int | None = None
    engagement_rate: float | None = None
    niches: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    language: str | None = None
    language_detected: bool = False
    country: str | None = None
    timezone: str | None = None
    bio: str | None = Field(default=None, sa_column=Column(Text))
    recent_post: str | None = Field(default=None, sa_column=Column(Text))
    recent_post_url: str | None = None
    notes: str | None = Field(default=None, sa_column=Column(Text))
    personal_note: str | None = Field(default=None, sa_column=Column(Text))
    # Where the address came from: bio, website, consent, referral or other; its page; when.
    email_source: str | None = None
    email_source_url: str | None = Field(default=None, sa_column=Column(Text))
    email_seen_on: date | None = None
    consent_at: datetime | None = _when(nullable=True)  # consent recorded (`contacts consent`)
    consent_detail: str | None = Field(default=None, sa_column=Column(Text))
    custom: dict[str, str] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    status: str = Field(default=CreatorStatus.NEW.value, index=True)
    ambassador: bool = False  # promoted by hand: a partner to ask first next time
    created_at: datetime = _when(nullable=False)
    # Indexed, as note_written_at below: the sincerity guard reads the latest change of any
    # note (personal_notes.notes_version) for every first touch it judges.
    updated_at: datetime = _when(nullable=False, index=True)


class Enrollment(SQLModel, table=True):
    """One creator in one campaign: the sequence's state machine."""

    __tablename__ = "enrollments"
    __table_args__ = (
        UniqueConstraint("campaign", "creator_id", name="uq_enrollment"),
        # The planner's search: active enrolments by due time (no sort, stops at the batch).
        Index("ix_enrollments_due", "state", "next_due_at"),
        # The report's count of enrolments per campaign and state, read from the index alone.
        Index("ix_enrollments_report", "campaign", "state"),
    )

    id: int | None = Field(default=None, primary_key=True)
    campaign: str = Field(index=True)
    creator_id: int = Field(foreign_key="creators.id", index=True)
    state: str = Field(default=EnrollmentState.ACTIVE.value, index=True)
    next_step: int = 1  # 1-based number of the step to plan next
    next_due_at: datetime | None = _when(nullable=True, index=True)
    end_reason: str | None = None
    # Words written for this creator in this campaign (`drafts write`); over the profile's.
    personal_note: str | None = Field(default=None, sa_column=Column(Text))
    note_written_at: datetime | None = _when(nullable=True, index=True)
    # The mailbox this creator's thread is sent from (a campaign's `senders`); kept for good.
    mailbox: str | None = None
    created_at: datetime = _when(nullable=False)
    updated_at: datetime = _when(nullable=False)


class Message(SQLModel, table=True):
    """One outgoing message exactly as rendered and sent: the outbox."""

    __tablename__ = "messages"
    # The natural key of a campaign message: one step is stored once per enrolment, so a
    # second planner (or a restarted one) cannot queue it twice.
    __table_args__ = (
        UniqueConstraint("enrollment_id", "step", name="uq_message_step"),
        # The claim's search: due queued messages, follow-ups first, oldest first.
        Index("ix_messages_due", "state", "priority", "scheduled_at", "id"),
        # One creator's messages in one campaign (duplicate check, thread): without it SQLite
        # reads the whole campaign for every message it plans, and planning turns quadratic.
        Index("ix_messages_creator_campaign", "creator_id", "campaign"),
        # The report's two reads of the sent messages, index-only and already in group order:
        # without them a million-message report sorts the whole outbox twice.
        Index(
            "ix_messages_report_groups",
            "state",
            "campaign",
            "step",
            "template",
            "language",
            "from_address",
        ),
        Index("ix_messages_report_reach", "state", "campaign", "creator_id"),
        # The natural key of a relationship step (enrolment, template, anchor, source row):
        # two workers or a rerun store it once, so it is sent at most once.
        Index("uq_messages_occasion", "occasion", unique=True),
    )

    id: int | None = Field(default=None, primary_key=True)
    creator_id: int = Field(foreign_key="creators.id", index=True)
    enrollment_id: int | None = Field(default=None, foreign_key="enrollments.id")
    campaign: str | None = Field(default=None, index=True)
    step: int | None = None
    template: str
    language: str
    to_address: str
    from_address: str
    subject: str = Field(sa_column=Column(Text, nullable=False))
    body_text: str = Field(sa_column=Column(Text, nullable=False))
    body_html: str | None = Field(default=None, sa_column=Column(Text))
    raw: str = Field(sa_column=Column(Text, nullable=False))
    message_id: str = Field(unique=True)
    in_reply_to: str | None = None
    references: str | None = Field(default=None, sa_column=Column(Text))
    state: str = Field(default=MessageState.QUEUED.value, index=True)
    priority: int = 1  # 0 = follow-up, 1 = proposal: follow-ups go first when caps are tight
    scheduled_at: datetime | None = _when(nullable=True, index=True)
    lease_owner: str | None = None
    lease_expires_at: datetime | None = _when(nullable=True)
    first_attempt_at: datetime | None = _when(nullable=True)  # retry deadlines count from here
    next_step_delay_seconds: int | None = None  # wait before the sequence's next step
    occasion: str | None = None  # a relationship step's natural key, e.g. rel:7:check_in:...
    mailbox: str | None = None  # the mailboxes.toml mailbox it goes from (None: the default)
    attempts: int = 0
    last_error: str | None = Field(default=None, sa_column=Column(Text))
    smtp_response: str | None = Field(default=None, sa_column=Column(Text))
    created_at: datetime = _when(nullable=False)
    sent_at: datetime | None = _when(nullable=True)


class Event(SQLModel, table=True):
    """One entry of a creator's history; rows are only ever added."""

    __tablename__ = "events"

    id: int | None = Field(default=None, primary_key=True)
    creator_id: int = Field(foreign_key="creators.id", index=True)
    at: datetime = _when(nullable=False, index=True)
    kind: str
    summary: str = Field(sa_column=Column(Text, nullable=False))
    message_id: int | None = Field(default=None, foreign_key="messages.id")
    detail: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


class Suppression(SQLModel, table=True):
    """An address or a whole domain never to contact again, and why."""

    __tablename__ = "suppressions"

    id: int | None = Field(default=None, primary_key=True)
    address: str = Field(unique=True)
    reason: str = Field(sa_column=Column(Text, nullable=False))
    source: str = "manual"
    created_at: datetime = _when(nullable=False)


class StoredKey(SQLModel, table=True):
    """A random key the database keeps for itself, e.g. the one erased addresses are hashed with."""

    __tablename__ = "stored_keys"

    name: str = Field(primary_key=True)
    value: str  # hex


class Worker(SQLModel, table=True):
    """A running daemon; a stale heartbeat means it died."""

    __tablename__ = "workers"

    id: str = Field(primary_key=True)
    hostname: str
    pid: int
    started_at: datetime = _when(nullable=False)
    heartbeat_at: datetime = _when(nullable=False)
    stopped_at: datetime | None = _when(nullable=True)


class SendCounter(SQLModel, table=True):
    """Messages sent per scope (a mailbox or a campaign) per UTC day, for caps and gaps."""

    __tablename__ = "send_counters"

    scope: str = Field(primary_key=True)
    day: str = Field(primary_key=True)
    sent: int = 0
    next_send_at: datetime | None = _when(nullable=True)


class CampaignState(SQLModel, table=True):
    """What the database knows of a campaign beyond its file: paused or not."""

    __tablename__ = "campaign_states"

    name: str = Field(primary_key=True)
    paused: bool = False
    updated_at: datetime = _when(nullable=False)


class Inbound(SQLModel, table=True):
    """Every message read from the inbox, what it was matched to, and how it was classified."""

    __tablename__ = "inbound"
    __table_args__ = (
        # One row per message in one mailbox: syncing again can never count it twice.
        UniqueConstraint("mailbox", "uidvalidity", "uid", name="uq_inbound_uid"),
        # The labels a person corrected, read for every reply classified: without it each
        # reply read every reply before it (quadratic over a mailbox's life).
        Index("ix_inbound_corrections", "kind", "label_corrected_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    mailbox: str
    uidvalidity: int
    uid: int
    kind: str = Field(index=True)  # reply, bounce, auto_reply, opt_out, unmatched
    label: str | None = None
    confidence: float | None = None
    needs_review: bool | None = None  # the classifier was unsure (None: labelled before it)
    label_corrected_at: datetime | None = _when(nullable=True)  # a person set the label
    language: str | None = None
    sender: str | None = None
    subject: str = Field(default="", sa_column=Column(Text, nullable=False))
    text: str = Field(default="", sa_column=Column(Text, nullable=False))
    # Indexed: every message read asks whether its Message-ID was read before (without the
    # index each sync reads the whole inbound table once per message).
    header_message_id: str | None = Field(default=None, index=True)
    in_reply_to: str | None = None  # the Message-ID of ours it answers, when matched
    creator_id: int | None = Field(default=None, foreign_key="creators.id", index=True)
    message_id: int | None = Field(default=None, foreign_key="messages.id")
    note: str | None = Field(default=None, sa_column=Column(Text))
    raw: str = Field(default="", sa_column=Column(Text, nullable=False))
    # When it was written: its Date, within our send and the sync (core.answer_times).
    received_at: datetime = _when(nullable=False)
    synced_at: datetime | None = _when(nullable=True)  # when we read it (null: by hand, or old)
    handled_at: datetime | None = _when(nullable=True)
    moved_to: str | None = None  # the folder a handled bounce or auto-reply was moved to


class MailboxCheckpoint(SQLModel, table=True):
    """How far the inbox has been read: the last UID seen under one UIDVALIDITY."""

    __tablename__ = "mailbox_checkpoints"

    mailbox: str = Field(primary_key=True)
    uidvalidity: int
    last_uid: int = 0
    updated_at: datetime = _when(nullable=False)


class SenderHealth(SQLModel, table=True):
    """Whether a mailbox can send: failing since when, why, and when to try it again."""

    __tablename__ = "sender_health"

    mailbox: str = Field(primary_key=True)
    failing_since: datetime | None = _when(nullable=True)  # None: sending works
    last_error: str | None = Field(default=None, sa_column=Column(Text))
    retry_at: datetime | None = _when(nullable=True)  # its messages wait until then
    failures: int = 0  # in a row, since the last message it sent
    last_refused_message: int | None = None  # a 4xx counts once per message (its retries not)
    paused_at: datetime | None = _when(nullable=True)  # a person paused it (`mailbox pause`)


class InboxHealth(SQLModel, table=True):
    """Whether an inbox is being read: its last good read and its last failure."""

    __tablename__ = "inbox_health"

    mailbox: str = Field(primary_key=True)
    last_read_at: datetime | None = _when(nullable=True)  # the last read that succeeded
    last_error: str | None = Field(default=None, sa_column=Column(Text))
    last_error_at: datetime | None = _when(nullable=True)


class Offer(StrEnum):
    """What the brand gives in an agreement."""

    GIFTED = "gifted"
    PAID = "paid"
    AFFILIATE = "affiliate"
    NONE = "none"


class Agreement(SQLModel, table=True):
    """What a creator agreed to in one campaign: offer, fee, deliverables, due date."""

    __tablename__ = "agreements"

    id: int | None = Field(default=None, primary_key=True)
    creator_id: int = Field(foreign_key="creators.id", index=True)
    campaign: str = Field(index=True)
    offer: str
    fee_amount: str | None = None  # a decimal string: money is never a float
    fee_currency: str | None = None
    deliverables: str | None = Field(default=None, sa_column=Column(Text))
    due_on: date | None = None
    agreed_at: datetime = _when(nullable=False)


class Shipment(SQLModel, table=True):
    """A product sent to a creator for a campaign, and when it arrived."""

    __tablename__ = "shipments"

    id: int | None = Field(default=None, primary_key=True)
    creator_id: int = Field(foreign_key="creators.id", index=True)
    campaign: str = Field(index=True)
    carrier: str | None = None
    tracking: str | None = None
    shipped_at: datetime = _when(nullable=False)
    delivered_on: date | None = None


class ContentItem(SQLModel, table=True):
    """A post a creator published for a campaign."""

    __tablename__ = "content"
    __table_args__ = (UniqueConstraint("creator_id", "url", name="uq_content_url"),)

    id: int | None = Field(default=None, primary_key=True)
    creator_id: int = Field(foreign_key="creators.id", index=True)
    campaign: str = Field(index=True)
    url: str = Field(sa_column=Column(Text, nullable=False))
    posted_on: date | None = None
    recorded_at: datetime = _when(nullable=False)


class RightsGrant(SQLModel, table=True):
    """The agreed scope of re-using a creator's content: channels, territory, period, fee."""

    __tablename__ = "rights"

    id: int | None = Field(default=None, primary_key=True)
    creator_id: int = Field(foreign_key="creators.id", index=True)
    campaign: str | None = Field(default=None, index=True)
    content_url: str = Field(sa_column=Column(Text, nullable=False))
    channels: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    territory: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    starts_on: date
    ends_on: date = Field(index=True)  # the expiry warnings search by it
    exclusive: bool = False
    fee_amount: str | None = None
    fee_currency: str | None = None
    granted_at: datetime = _when(nullable=False)
    warned_at: datetime | None = _when(nullable=True)  # when the brand was mailed about expiry


class Payment(SQLModel, table=True):
    """A fee paid to a creator."""

    __tablename__ = "payments"

    id: int | None = Field(default=None, primary_key=True)
    creator_id: int = Field(foreign_key="creators.id", index=True)
    campaign: str | None = Field(default=None, index=True)
    amount: str
    currency: str
    paid_on: date
    recorded_at: datetime = _when(nullable=False)
