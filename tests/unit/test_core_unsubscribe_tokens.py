"""Unsubscribe tokens: what one names, and what a changed, foreign or old one is refused for."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from outreach.core.unsubscribe_tokens import TOKEN_LIFETIME, TokenError, make_token, read_token

SECRET = b"k" * 32
MESSAGE_ID = "<179665709678.24935.866@glowlab.example>"
DAY = date(2026, 12, 7)


def test_a_token_names_its_message_and_is_url_safe() -> None:
    token = make_token(SECRET, MESSAGE_ID, DAY)

    assert read_token(SECRET, token, DAY + timedelta(days=30)) == MESSAGE_ID
    assert all(c.isalnum() or c in "-_." for c in token)


def test_a_changed_token_or_another_secret_is_refused() -> None:
    token = make_token(SECRET, MESSAGE_ID, DAY)
    other = make_token(SECRET, "<1.2.3@glowlab.example>", DAY)
    spliced = token.split(".")[0] + "." + other.split(".")[1]

    for bad in (spliced, token[:-2] + ("AA" if not token.endswith("AA") else "BB"), "x", ""):
        with pytest.raises(TokenError) as refused:
            read_token(SECRET, bad, DAY)
        assert not refused.value.expired
    with pytest.raises(TokenError):
        read_token(b"z" * 32, token, DAY)


def test_each_token_has_one_spelling() -> None:
    token = make_token(SECRET, MESSAGE_ID, DAY)
    payload, signature = token.split(".")
    last = signature[-1]
    # 16 bytes fill 22 characters with 4 bits to spare: a variant in them is refused.
    variant = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    sibling = variant[variant.index(last) ^ 1]
    with pytest.raises(TokenError):
        read_token(SECRET, f"{payload}.{signature[:-1]}{sibling}", DAY)


def test_an_old_token_has_expired() -> None:
    token = make_token(SECRET, MESSAGE_ID, DAY)

    assert read_token(SECRET, token, DAY + TOKEN_LIFETIME) == MESSAGE_ID
    with pytest.raises(TokenError) as expired:
        read_token(SECRET, token, DAY + TOKEN_LIFETIME + timedelta(days=1))
    assert expired.value.expired and "2026-12-07" in str(expired.value)
