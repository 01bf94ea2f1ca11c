"""mailboxes.toml: provider presets, overrides, and mistakes named by their key."""

from __future__ import annotations

from typing import Any

import pytest

from outreach.core.mailbox_spec import Endpoint, MailboxSpecError, parse_mailboxes

LUNA = {"name": "luna", "address": "Luna at Glowlab <luna@glowlab.example>", "provider": "gmail"}


def one(**entry: Any) -> dict[str, Any]:
    return {"mailbox": [{**LUNA, **entry}]}


def test_a_provider_preset_fills_servers_login_and_cap() -> None:
    [luna] = parse_mailboxes(one())

    assert luna.smtp == Endpoint("smtp.gmail.com", 587, "starttls")
    assert luna.imap == Endpoint("imap.gmail.com", 993, "tls")
    assert (luna.user, luna.per_day, luna.auth) == ("luna@glowlab.example", 30, "password")
    assert luna.password_key == "OUTREACH_MAILBOX_LUNA_PASSWORD"


@pytest.mark.parametrize(
    ("provider", "smtp", "imap"),
    [
        ("microsoft", ("smtp.office365.com", 587), ("outlook.office365.com", 993)),
        ("naver", ("smtp.naver.com", 465), ("imap.naver.com", 993)),
        ("daum", ("smtp.daum.net", 465), ("imap.daum.net", 993)),
        ("yahoo_japan", ("smtp.mail.yahoo.co.jp", 465), ("imap.mail.yahoo.co.jp", 993)),
        ("icloud", ("smtp.mail.me.com", 587), ("imap.mail.me.com", 993)),
    ],
)
def test_each_provider_has_its_servers(
    provider: str, smtp: tuple[str, int], imap: tuple[str, int]
) -> None:
    [found] = parse_mailboxes(one(provider=provider))

    assert (found.smtp.host, found.smtp.port) == smtp
    assert (found.imap.host, found.imap.port) == imap


def test_overrides_win_and_a_changed_security_takes_its_own_port() -> None:
    [found] = parse_mailboxes(one(smtp_security="tls", imap_port=1993, user="luna", per_day=12))

    assert found.smtp == Endpoint("smtp.gmail.com", 465, "tls")
    assert found.imap.port == 1993 and found.user == "luna" and found.per_day == 12


@pytest.mark.parametrize(
    ("table", "key", "words"),
    [
        (one(provider="hotmail"), "mailbox[1].provider", "'hotmail' is not one of"),
        (one(provider="naver", auth="oauth2"), "mailbox[1].auth", "no OAuth 2.0 sign-in"),
        (one(provider="custom"), "mailbox[1].smtp_host", "required when provider is 'custom'"),
        (one(per_day=0), "mailbox[1].per_day", "(1-500)"),
        (one(address="luna"), "mailbox[1].address", "is not an address"),
        (one(name="default"), "mailbox[1].name", "OUTREACH_SMTP_* settings"),
        (one(name="Luna!"), "mailbox[1].name", "lowercase letters"),
        (one(smtp_port=70000), "mailbox[1].smtp_port", "not a port"),
        (one(password="x"), "mailbox[1].password", "unknown key"),
        ({"mailbox": [LUNA, LUNA]}, "mailbox[2].name", "'luna' is used twice"),
        ({"mailboxes": []}, "mailboxes", "unknown key"),
    ],
)
def test_a_mistake_names_its_key(table: dict[str, Any], key: str, words: str) -> None:
    with pytest.raises(MailboxSpecError) as caught:
        parse_mailboxes(table)

    assert caught.value.key == key and words in caught.value.reason
