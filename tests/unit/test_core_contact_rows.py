"""Creator CSV rows: validated into records, every problem naming the column and the value."""

import pytest

from outreach.core.contact_rows import (
    CreatorRecord,
    RowError,
    check_header,
    custom_field_name,
    parse_row,
)


def row(**cells: str) -> dict[str | None, object]:
    values: dict[str | None, object] = {"handle": "misaki.sato", "email": "misaki@example.jp"}
    values.update(cells)
    return values


def row_error(cells: dict[str | None, object]) -> str:
    with pytest.raises(RowError) as caught:
        parse_row(cells)
    return str(caught.value)


def test_parse_row_reads_every_known_column() -> None:
    record = parse_row(
        {
            "handle": "@Misaki.Sato",
            "email": " Misaki.Sato@Example.JP ",
            "name": "佐藤 美咲",
            "platform": "Instagram",
            "followers": "12.3k",
            "engagement_rate": "4.2%",
            "niches": "Beauty; skincare;beauty;;",
            "language": "ja-JP",
            "country": "jp",
            "timezone": "Asia/Tokyo",
            "bio": "毎日のスキンケアを紹介しています。",
            "recent_post": "春の新作コスメまとめ",
            "recent_post_url": "https://www.instagram.com/p/C1a2b3c4/",
            "notes": "",
            "Skin Type": "乾燥肌",
        }
    )
    assert record == CreatorRecord(
        handle="misaki.sato",
        email="misaki.sato@example.jp",
        platform="instagram",
        values={
            "name": "佐藤 美咲",
            "followers": 12_300,
            "engagement_rate": 4.2,
            "niches": ["beauty", "skincare"],
            "language": "ja",
            "country": "JP",
            "timezone": "Asia/Tokyo",
            "bio": "毎日のスキンケアを紹介しています。",
            "recent_post": "春の新作コスメまとめ",
            "recent_post_url": "https://www.instagram.com/p/C1a2b3c4/",
            "notes": None,
        },
        custom={"skin_type": "乾燥肌"},
    )


def test_parse_row_keeps_only_the_columns_the_file_has() -> None:
    record = parse_row({"handle": "minji.kim", "email": "minji@example.kr"})
    assert (record.platform, record.values, record.custom) == ("", {}, {})


def test_the_record_key_is_platform_and_handle() -> None:
    assert parse_row(row(platform="tiktok")).key == ("tiktok", "misaki.sato")


@pytest.mark.parametrize(
    ("handle", "stored"),
    [("@Misaki.Sato", "misaki.sato"), ("MINJI_KIM", "minji_kim"), ("@@glow-lab", "glow-lab")],
)
def test_handles_are_lowercased_without_the_at_sign(handle: str, stored: str) -> None:
    assert parse_row(row(handle=handle)).handle == stored


@pytest.mark.parametrize(
    ("niches", "parsed"),
    [
        ("Beauty; Skincare ;beauty", ["beauty", "skincare"]),
        ("スキンケア;コスメ;スキンケア", ["スキンケア", "コスメ"]),
        (";;", []),
        ("", []),
    ],
)
def test_niches_are_split_on_semicolons_lowercased_and_deduplicated(
    niches: str, parsed: list[str]
) -> None:
    assert parse_row(row(niches=niches)).values["niches"] == parsed


@pytest.mark.parametrize(
    ("followers", "count"),
    [
        ("12,300", 12_300),
        ("12300", 12_300),
        ("12_300", 12_300),
        ("12.3k", 12_300),
        ("12.3K", 12_300),
        ("1.5m", 1_500_000),
        ("2.5M", 2_500_000),
        ("0", 0),
        ("", None),
    ],
)
def test_followers_accept_separators_and_k_m_suffixes(followers: str, count: int | None) -> None:
    assert parse_row(row(followers=followers)).values["followers"] == count


@pytest.mark.parametrize(
    ("followers", "count"),
    [("4.1m", 4_100_000), ("16.1k", 16_100), ("32.2k", 32_200), ("2.01m", 2_010_000)],
)
def test_followers_with_a_decimal_suffix_are_exact_whole_numbers(
    followers: str, count: int
) -> None:
    assert parse_row(row(followers=followers)).values["followers"] == count


@pytest.mark.parametrize(
    ("rate", "parsed"),
    [("4.2", 4.2), ("4.2%", 4.2), ("4.2 %", 4.2), ("0", 0.0), ("100", 100.0), ("", None)],
)
def test_engagement_rate_is_a_percentage(rate: str, parsed: float | None) -> None:
    assert parse_row(row(engagement_rate=rate)).values["engagement_rate"] == parsed


@pytest.mark.parametrize(("language", "code"), [("ja", "ja"), ("JA", "ja"), ("ko_KR", "ko")])
def test_language_is_kept_as_its_two_letter_code(language: str, code: str) -> None:
    assert parse_row(row(language=language)).values["language"] == code


def test_country_is_uppercased() -> None:
    assert parse_row(row(country="kr")).values["country"] == "KR"


def test_cells_are_stripped_and_missing_cells_read_as_empty() -> None:
    record = parse_row(row(name="  佐藤 美咲  ", bio=None))  # type: ignore[arg-type]
    assert record.values == {"name": "佐藤 美咲", "bio": None}


@pytest.mark.parametrize(
    ("cells", "reason"),
    [
        (row(handle=""), "handle is missing"),
        (row(handle="@"), "handle is missing"),
        ({"email": "misaki@example.jp"}, "handle is missing"),
        (
            row(handle="misaki sato"),
            "handle 'misaki sato' may hold only letters, digits, '.', '_' and '-'",
        ),
        (row(email=""), "email is missing"),
        (
            row(email="misaki@"),
            "email 'misaki@' is invalid: There must be something after the @-sign",
        ),
        (
            row(email="美咲@example.jp"),
            "email '美咲@example.jp' is invalid: "
            "a non-ASCII mailbox name needs SMTPUTF8, which we do not send",
        ),
        (row(platform="Insta gram"), "platform 'Insta gram' is not a platform name"),
        (row(followers="abc"), "followers 'abc' is not a whole number"),
        (row(followers="1.5"), "followers '1.5' is not a whole number"),
        (row(followers="-5"), "followers '-5' is negative"),
        (row(engagement_rate="x"), "engagement_rate 'x' is not a number"),
        (
            row(engagement_rate="-1"),
            "engagement_rate '-1' is outside 0-100 (it is a percentage)",
        ),
        (
            row(engagement_rate="101"),
            "engagement_rate '101' is outside 0-100 (it is a percentage)",
        ),
        (
            row(timezone="Tokyo"),
            "timezone 'Tokyo' is not a time zone name like 'Asia/Tokyo'",
        ),
        (
            row(timezone="Asia/Osaka"),
            "timezone 'Asia/Osaka' is not a time zone name like 'Asia/Tokyo'",
        ),
        (
            row(timezone="localtime"),  # the machine's own zone, never a creator's
            "timezone 'localtime' is not a time zone name like 'Asia/Tokyo'",
        ),
        (row(country="JPN"), "country 'JPN' is not a two-letter country code like 'JP'"),
        (row(country="ZZ"), "country 'ZZ' is not a two-letter country code like 'JP'"),
        (
            row(followers=str(2**63)),
            "followers '9223372036854775808' is more than 2,000,000,000 (no account has that)",
        ),
        (
            row(followers="9999999m"),
            "followers '9999999m' is more than 2,000,000,000 (no account has that)",
        ),
        (
            row(language="japanese"),
            "language 'japanese' is not a language code like 'ja' or 'en'",
        ),
        (
            row(name="佐藤\n美咲"),
            "name '佐藤\\n美咲' is unusable: the name header would contain a line break",
        ),
        (
            row(name="佐藤\r美咲"),
            "name '佐藤\\r美咲' is unusable: the name header would contain a line break",
        ),
        (
            row(recent_post_url="instagram.com/p/C1a2b3c4"),
            "recent_post_url 'instagram.com/p/C1a2b3c4' is not an http(s) link",
        ),
        (
            row(recent_post_url="javascript:alert(1)"),
            "recent_post_url 'javascript:alert(1)' is not an http(s) link",
        ),
        ({**row(), None: ["extra", "cells"]}, "the row has more fields than the header"),
    ],
    ids=[
        "empty-handle",
        "at-sign-only-handle",
        "no-handle-column",
        "handle-with-space",
        "empty-email",
        "invalid-email",
        "non-ascii-mailbox",
        "bad-platform",
        "non-numeric-followers",
        "fractional-followers",
        "negative-followers",
        "non-numeric-rate",
        "negative-rate",
        "rate-above-100",
        "bare-city-timezone",
        "unknown-timezone",
        "machine-local-timezone",
        "three-letter-country",
        "unknown-country",
        "followers-beyond-any-account",
        "followers-beyond-any-account-with-suffix",
        "language-name",
        "name-with-newline",
        "name-with-carriage-return",
        "url-without-scheme",
        "javascript-url",
        "too-many-fields",
    ],
)
def test_parse_row_rejects_a_bad_row_saying_why(
    cells: dict[str | None, object], reason: str
) -> None:
    assert row_error(cells) == reason


@pytest.mark.parametrize(
    ("column", "name"),
    [
        ("Skin Type", "skin_type"),
        ("  Favourite Brand ", "favourite_brand"),
        ("Collab-History (2024)", "collab_history_2024"),
        ("skin_type", "skin_type"),
    ],
)
def test_custom_columns_become_snake_case_field_names(column: str, name: str) -> None:
    assert custom_field_name(column) == name


def test_check_header_accepts_a_good_header() -> None:
    assert check_header(["handle", "email", "name", "followers", "Skin Type"]) == []


@pytest.mark.parametrize(
    ("columns", "problems"),
    [
        (["handle", "name"], ["missing required column 'email'"]),
        (
            ["name", "followers"],
            ["missing required column 'handle'", "missing required column 'email'"],
        ),
        (
            ["handle", "email", "Tier"],
            ["column 'Tier' clashes with the built-in template field 'tier'"],
        ),
        (
            ["handle", "email", "product"],
            ["column 'product' clashes with the built-in template field 'product'"],
        ),
        (["handle", "email", "email"], ["column 'email' appears twice"]),
        (
            ["handle", "email", "Skin Type", "skin_type"],
            ["columns 'Skin Type' and 'skin_type' both become the template field 'skin_type'"],
        ),
        (
            ["handle", "email", "2024 Collab"],
            ["column '2024 Collab' cannot be used as a template field name"],
        ),
        (["handle", "email", "!!!"], ["column '!!!' cannot be used as a template field name"]),
    ],
    ids=[
        "missing-email",
        "missing-both",
        "reserved-tier",
        "reserved-product",
        "duplicate",
        "duplicate-after-snake-case",
        "starts-with-digit",
        "no-letters",
    ],
)
def test_check_header_names_each_problem(columns: list[str], problems: list[str]) -> None:
    assert check_header(columns) == problems


@pytest.mark.parametrize("column", ["recent post", "engagement rate", "recent-post-url"])
def test_check_header_refuses_a_custom_column_that_shadows_a_creator_field(column: str) -> None:
    # The CSV reader lowercases column names; 'recent post' becomes the custom field
    # 'recent_post', which the template context then overwrites with the (empty) creator field.
    problems = check_header(["handle", "email", column])
    assert any(repr(column) in problem for problem in problems), problems


def test_a_semicolon_separated_header_says_what_to_do() -> None:
    problems = check_header(["handle;email;name;followers"])

    assert problems == [
        "the columns are separated by semicolons, not commas (a European Excel export?); "
        "save the file as 'CSV UTF-8 (Comma delimited)'"
    ]
