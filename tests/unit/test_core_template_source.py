"""Template files: 'Subject: ...', a blank line, the text body, optionally '--- html ---' + HTML."""

import pytest

from outreach.core.template_source import (
    TemplateFormatError,
    TemplatePart,
    TemplateSource,
    split_template,
)

JAPANESE_TEMPLATE = (
    "Subject: {{ product }}のご紹介\n"
    "\n"
    "{{ name | sama }}\n"
    "\n"
    "はじめまして。{{ sender_company }}の{{ sender_name }}です。\n"
)


def test_split_template_reads_subject_and_text_body() -> None:
    assert split_template(JAPANESE_TEMPLATE) == TemplateSource(
        subject=TemplatePart("{{ product }}のご紹介", 1),
        text=TemplatePart(
            "{{ name | sama }}\n\nはじめまして。{{ sender_company }}の{{ sender_name }}です。\n",
            3,
        ),
        html=None,
    )


def test_split_template_splits_the_html_part_at_the_separator() -> None:
    content = (
        "Subject: {{ product }} 협업 제안\n"
        "\n"
        "{{ name | nim }}, 안녕하세요.\n"
        "--- html ---\n"
        "<p>{{ name | nim }}, 안녕하세요.</p>\n"
    )
    source = split_template(content)
    assert source.text == TemplatePart("{{ name | nim }}, 안녕하세요.", 3)
    assert source.html == TemplatePart("<p>{{ name | nim }}, 안녕하세요.</p>\n", 5)


def test_split_template_accepts_windows_line_endings() -> None:
    source = split_template("Subject: Hello\r\n\r\nHi {{ first_name }},\r\n")
    assert source.subject == TemplatePart("Hello", 1)
    assert source.text == TemplatePart("Hi {{ first_name }},\n", 3)


def test_split_template_header_name_is_case_insensitive() -> None:
    assert split_template("SUBJECT: Hello\n\nHi\n").subject == TemplatePart("Hello", 1)


def test_split_template_strips_spaces_around_the_subject() -> None:
    assert split_template("Subject:    ご案内   \n\n本文\n").subject.source == "ご案内"


def test_padded_part_keeps_the_file_line_numbers() -> None:
    assert TemplatePart("本文", 3).padded() == "{#\n\n#}本文"
    assert TemplatePart("件名", 1).padded() == "{##}件名"


@pytest.mark.parametrize(
    ("content", "line", "reason"),
    [
        ("Note: hi\n\n本文\n", 1, "unknown header 'Note'; only Subject"),
        ("\nSubject: ご案内\n\n本文\n", 2, "the Subject line must be the very first line"),
        ("Subject: ご案内\nX-Foo: bar\n\n本文\n", 2, "unknown header 'X-Foo'; only Subject"),
        ("Subject: ご案内\nSubject: 再送\n\n本文\n", 2, "Subject is given twice"),
        ("Subject:   \n\n本文\n", 1, "the Subject is empty"),
        ("Subject: ご案内\n\n", 3, "the message body is empty"),
        ("Subject: ご案内\n\n  \n\n", 3, "the message body is empty"),
        ("Subject: ご案内", 3, "the message body is empty"),
        ("Subject: ご案内\n\n--- html ---\n<p>本文</p>\n", 3, "the message body is empty"),
        (
            "Subject: ご案内\n\n本文\n--- html ---\n\n  \n",
            4,
            "the HTML part after '--- html ---' is empty",
        ),
        (
            "Subject: ご案内\nこんにちは\n\n本文\n",
            2,
            "a template starts with 'Subject: ...', then a blank line, then the body",
        ),
    ],
    ids=[
        "header-like-first-line",
        "blank-first-line",
        "unknown-header",
        "subject-twice",
        "empty-subject",
        "empty-body",
        "blank-body",
        "subject-only",
        "html-without-text",
        "empty-html",
        "no-blank-line-after-subject",
    ],
)
def test_split_template_errors_name_the_line_and_reason(
    content: str, line: int, reason: str
) -> None:
    with pytest.raises(TemplateFormatError) as caught:
        split_template(content)
    assert (caught.value.line, caught.value.reason) == (line, reason)
    assert str(caught.value) == f"line {line}: {reason}"


def test_a_follow_up_without_a_subject_line_is_all_body() -> None:
    source = split_template("{{ addressee }}\n\nもう一度だけご連絡いたしました。\n")

    assert source.subject is None
    assert source.text == TemplatePart("{{ addressee }}\n\nもう一度だけご連絡いたしました。\n", 1)
