"""The opt-out and sender footer, in the creator's language."""

import pytest

from outreach.core.footers import opt_out_footer, source_notice

LUNA = "Luna at Glowlab <luna@glowlab.example>"
TOKYO_OFFICE = "1-2-3 Jingumae, Shibuya-ku, Tokyo 150-0001"


def test_japanese_footer() -> None:
    assert opt_out_footer("ja", LUNA, None) == (
        "--\n"
        "今後このようなご連絡が不要な場合は、「配信停止」とご返信ください。"
        "以後ご連絡はいたしません。\n"
        "送信者：Luna at Glowlab <luna@glowlab.example>\n"
    )


def test_korean_footer() -> None:
    assert opt_out_footer("ko", LUNA, None) == (
        "--\n"
        '더 이상 연락을 원하지 않으시면 "수신거부"라고 회신해 주세요. '
        "다시 연락드리지 않겠습니다.\n"
        "보낸 사람: Luna at Glowlab <luna@glowlab.example>\n"
    )


def test_english_footer() -> None:
    assert opt_out_footer("en", LUNA, None) == (
        "--\n"
        'If you\'d rather not hear from us again, reply with "unsubscribe" '
        "and we won't write again.\n"
        "Sender: Luna at Glowlab <luna@glowlab.example>\n"
    )


@pytest.mark.parametrize("language", ["pt", "zh", "", "EN"])
def test_an_unknown_language_falls_back_to_english(language: str) -> None:
    assert opt_out_footer(language, LUNA, None) == opt_out_footer("en", LUNA, None)


@pytest.mark.parametrize(
    ("language", "sender_line"),
    [
        ("ja", f"送信者：{LUNA}, {TOKYO_OFFICE}"),
        ("ko", f"보낸 사람: {LUNA}, {TOKYO_OFFICE}"),
        ("en", f"Sender: {LUNA}, {TOKYO_OFFICE}"),
        ("fr", f"Expéditeur: {LUNA}, {TOKYO_OFFICE}"),
    ],
)
def test_the_postal_address_follows_the_sender(language: str, sender_line: str) -> None:
    assert opt_out_footer(language, LUNA, TOKYO_OFFICE).splitlines()[-1] == sender_line


def test_an_empty_postal_address_is_left_out() -> None:
    assert opt_out_footer("en", LUNA, "").splitlines()[-1] == f"Sender: {LUNA}"


def test_a_contact_for_complaints_follows_the_sender_when_asked_for() -> None:
    footer = opt_out_footer("ja", "Glowlab <luna@glowlab.example>", "東京都渋谷区1-2-3",
                            contact="support@glowlab.example")  # fmt: skip

    assert footer.splitlines()[-2:] == [
        "送信者：Glowlab <luna@glowlab.example>, 東京都渋谷区1-2-3",
        "苦情・お問い合わせ：support@glowlab.example",
    ]


def test_the_source_notice_says_where_the_address_was_found_and_how_to_object() -> None:
    english = source_notice("en", "bio", "https://instagram.example.com/priya")
    german = source_notice("de", "website", None)

    assert english == (
        "We found your email address in your public profile "
        "(https://instagram.example.com/priya). If you object to our using it, reply "
        '"unsubscribe" and we will delete it.\n'
    )
    assert german.startswith("Wir haben Ihre Adresse auf Ihrer Website gefunden.")
    assert source_notice("ja", "mystery", None).startswith("We found your email address in a ")
