"""Classifying an inbound message, and classifying it again when more is known."""

from __future__ import annotations

import email
import email.policy
from datetime import UTC, datetime
from email.message import EmailMessage
from typing import cast

from outreach.core.inbound_reading import InboundKind, read_as_answer, read_inbound

RECEIVED = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)

# A person's reply quoting a log line: flufl.bounce reads a "recipient" out of it.
HUMAN_REPLY_FLUFL_MISREADS = """From: misaki@mail.example
To: luna@glowlab.example
Subject: Re: collab
Content-Type: text/plain; charset=utf-8

Sure, happy to help! Here is the error I get when I sign up:

> Processing by UsersController#create as */*
>   Parameters: {"name"=>"Misaki", "email"=>"misaki@mail.example <javascript:_e({}, 'cvml', \
'misaki%40mail.example');>", "username"=>"misaki"}
> PG::NumericValueOutOfRange: ERROR:  value "2201945804" is out of range for type integer
"""


def parse(raw: str) -> EmailMessage:
    return cast(EmailMessage, email.message_from_string(raw, policy=email.policy.default))


def test_a_misread_bounce_read_again_as_an_answer_is_a_reply() -> None:
    message = parse(HUMAN_REPLY_FLUFL_MISREADS)
    reading = read_inbound(message, RECEIVED)
    assert reading.kind is InboundKind.BOUNCE  # flufl.bounce's reading; the sync overrules it

    again = read_as_answer(reading, message, RECEIVED)

    assert again.kind is InboundKind.REPLY and again.bounce is None
    assert again.text.startswith("Sure, happy to help!")


def test_the_subject_we_sent_is_not_the_senders_words() -> None:
    message = parse("From: a@b.example\nSubject: Re: Vacation glow\n\nYes please!\n")
    assert read_inbound(message, RECEIVED, "Vacation glow").kind is InboundKind.REPLY
    auto = parse("From: a@b.example\nSubject: Re: Vacation glow [Out of Office]\n\nThanks.\n")
    assert read_inbound(auto, RECEIVED, "Vacation glow").kind is InboundKind.AUTO_REPLY
