"""New text of a reply: table-driven cases (ja/ko written here) and the shared corpora."""

import time

import pytest

from outreach.core.new_text import html_to_text, new_text

JA_GMAIL = (
    "承知しました。来週お願いします。\n\n"
    "2026年3月1日(日) 10:00 Luna <luna@example.jp>:\n> 提案です\n"
)
KO_GMAIL = (
    "좋습니다. 진행해요.\n\n"
    "2026년 3월 1일 (일) 오전 10:00, Luna <luna@example.kr>님이 작성:\n> 제안\n"
)


@pytest.mark.parametrize(
    ("plain", "expected"),
    [
        (
            "Sounds great!\n\nOn Mon, Mar 2, 2026 at 10:00 AM Luna <l@x.com> wrote:\n> hi",
            "Sounds great!",
        ),
        ("Yes\n\nSent from my iPhone\n\nOn 2 Mar 2026, Luna <l@x.com> wrote:\n> hi", "Yes"),
        ("Ok\n\n-----Original Message-----\nFrom: Luna\nSent: Monday\nTo: A\n", "Ok"),
        ("Oui\n\nDe : Luna <l@x.fr>\nEnvoyé : lundi 2 mars 2026\nÀ : A\nObjet : B\n\nx", "Oui"),
        ("Ja\n\nVon: Luna <l@x.de>\nGesendet: Montag\nAn: A\nBetreff: B\n", "Ja"),
        ("Ja\n\nVan: Luna\nVerzonden: maandag\nAan: A\nOnderwerp: B\n", "Ja"),
        ("Sì\n\nDa: Luna\nInviato: lunedì\nA: A\nOggetto: B\n", "Sì"),
        (JA_GMAIL, "承知しました。来週お願いします。"),
        (
            "了解です。\n\n差出人: Luna <l@x.jp>\n送信日時: 2026年3月1日\n宛先: A\n件名: B\n",
            "了解です。",
        ),
        ("了解です。\n\n-----Original Message-----\n差出人: Luna\n", "了解です。"),
        ("了解です。\n\n> 以前のメール\n> です\n", "了解です。"),
        ("ありがとうございます。\n\niPhoneから送信", "ありがとうございます。"),
        (KO_GMAIL, "좋습니다. 진행해요."),
        (
            "네\n\n보낸 사람: Luna <l@x.kr>\n보낸 날짜: 2026년 3월 1일\n받는 사람: A\n제목: B\n",
            "네",
        ),
        ("감사합니다\n\nGalaxy에서 보냄", "감사합니다"),
        ("Thanks\n-- \nLuna\nhttps://luna.example", "Thanks"),
        (
            "Here is another email\n\nSent from my desk, is much easier.",
            "Here is another email\n\nSent from my desk, is much easier.",
        ),
        ("", ""),
    ],
)
def test_new_text_of_plain_replies(plain: str, expected: str) -> None:
    assert new_text(plain, None) == expected


@pytest.mark.parametrize(
    ("plain", "expected"),
    [
        (  # no blank line between the text and the header: the text stays whole
            "Happy to join.\nI can do Tuesday,\nor Friday.\n"
            "On Mon, 2 Mar 2026 at 10:00, Luna <l@x.com> wrote:\n> hi",
            "Happy to join.\nI can do Tuesday,\nor Friday.",
        ),
        (  # a header wrapped by the client, its first line opening like a header
            "Yes\n\nOn Mon, 2 Mar 2026 at 10:00, Luna Lovegood\n<luna@x.com> wrote:\n> hi",
            "Yes",
        ),
        (  # Gmail wraps a long address: its closing ">:" is a line of its own
            'Gerne.\n\nAm 02.03.2026 10:00 schrieb "Luna" <luna@example.com\n>:\n\n> Hallo',
            "Gerne.",
        ),
        (
            "Takk.\n\nman. 2. mar. 2026 kl. 10:00 skrev Luna <luna@example.no\n>:\n> hei",
            "Takk.",
        ),
        (  # "Once" is not "On": a sentence that ends in "wrote:" is not a header
            "Once I saw the 3 notes Luna wrote:\n\n- fine\n- good",
            "Once I saw the 3 notes Luna wrote:\n\n- fine\n- good",
        ),
    ],
)
def test_wrapped_quote_headers_start_on_their_own_first_line(plain: str, expected: str) -> None:
    assert new_text(plain, None) == expected


@pytest.mark.parametrize(
    ("plain", "expected"),
    [
        ("Sure.\n\n2026-03-02 10:00 GMT+01:00 Luna Lovegood <luna@example.com>:\n\n> hi", "Sure."),
        (
            "Sure.\n\n2026-03-02 10:00 GMT+01:00 Luna Lovegood <\nluna@example.com>:\n\n> hi",
            "Sure.",
        ),
        ("Да.\n\nпн, 2 мар. 2026 г. в 10:00, Luna <luna@example.ru>:\n\n> привет", "Да."),
        ('Ok.\n\n02.03.2026, 10.00, "Luna" <luna@example.com>:\n\nold text', "Ok."),
        ("Ok.\n\n10:00 AM, March 2, 2026, Luna <luna@example.com>:\n\nold text", "Ok."),
        # numeric-date headers a list or forum rewrote without the colon
        ("Fine.\n\n2026/3/2 Luna via Forum <forum@example.com>\n\n| old", "Fine."),
        ("Fine.\n\n2026-03-02 10:00 GMT+01:00 Luna Lovegood\n\nold", "Fine."),
        # an address and a colon without a date or time is a sentence
        (
            "Send it to Luna <luna@example.com>:\n\nthe draft, please.",
            "Send it to Luna <luna@example.com>:\n\nthe draft, please.",
        ),
    ],
)
def test_date_and_address_headers_without_a_wrote_word(plain: str, expected: str) -> None:
    assert new_text(plain, None) == expected


@pytest.mark.parametrize(
    ("plain", "expected"),
    [
        ("Да.\n\nпонедельник, 2 марта 2026 г. пользователь Luna написал:\n> привет", "Да."),
        ('Так.\n\n2 бер. 2026 р. 10:00 "Luna" <luna@example.ua> пише:\n> привіт', "Так."),
        ("Yes.\n\nAt 3/2/2026 10:00 AM, you wrote:\n>old", "Yes."),
        ("Yes.\n\nOn Mon, 2 Mar 2026 10:00 +0100 Luna <luna@example.com> wrote\n\nold", "Yes."),
        ("Ja.\n\n-------- Oprindelig besked --------\nFra: Luna <l@x.dk>\n", "Ja."),
        ("Ja.\n\n-------- Videresendt melding --------\nFra: Luna <l@x.no>\n", "Ja."),
        # without an address, a line ending in "wrote" is a sentence
        ("On Monday Luna wrote\n\nthe brief.", "On Monday Luna wrote\n\nthe brief."),
    ],
)
def test_quote_headers_in_more_languages_and_forms(plain: str, expected: str) -> None:
    assert new_text(plain, None) == expected


@pytest.mark.parametrize(
    ("plain", "expected"),
    [
        ("D'accord.\n\nEnvoyé à partir de Outlook pour iOS<https://aka.ms/x>", "D'accord."),
        ("D'accord.\n\nObtenir Outlook pour Android", "D'accord."),
        ("Gut.\n\nVon Outlook für iOS gesendet", "Gut."),
        ("Vale.\n\nEnviado desde Outlook para Android", "Vale."),
        # a sentence that merely starts the same way stays
        (
            "Envoyé à partir de Lyon, le colis arrive lundi, merci encore.",
            "Envoyé à partir de Lyon, le colis arrive lundi, merci encore.",
        ),
    ],
)
def test_localised_outlook_mobile_footers_are_signatures(plain: str, expected: str) -> None:
    assert new_text(plain, None) == expected


@pytest.mark.parametrize(
    ("plain", "expected"),
    [
        (
            "Try this:\n\n```\n#####\nrun()\n-----\n```\n\nThanks",
            "Try this:\n\n```\n#####\nrun()\n-----\n```\n\nThanks",
        ),
        ("Try this:\n\n~~~\n__\n~~~\nok\n-- \nLuna", "Try this:\n\n~~~\n__\n~~~\nok"),
        # outside a fence the rule still starts the signature
        ("Thanks\n#####\nLuna, Creator", "Thanks"),
    ],
)
def test_rules_inside_code_fences_are_code_not_signatures(plain: str, expected: str) -> None:
    assert new_text(plain, None) == expected


@pytest.mark.parametrize(
    ("plain", "expected"),
    [
        ("> Only a quote.\n>\n> Kept.", "> Only a quote.\n>\n> Kept."),
        (
            "> On Mon, 2 Mar 2026 at 10:00, Luna <l@x.com> wrote:\n>\n"
            ">> On Sun, 1 Mar 2026 at 09:00, Sam <s@x.com> wrote:\n>>",
            "",
        ),
    ],
)
def test_a_quote_of_only_quote_headers_is_no_text(plain: str, expected: str) -> None:
    assert new_text(plain, None) == expected


def test_html_reply_is_converted_without_running_anything() -> None:
    html = (
        "<html><head><script>alert(1)</script><style>p{}</style></head><body>"
        "<div>Count me in &amp; thanks</div><div class='gmail_quote'>On Mon, Luna wrote:"
        "<blockquote>old</blockquote></div></body></html>"
    )
    assert new_text(None, html) == "Count me in & thanks"
    assert "alert" not in html_to_text(html)


def test_blockquote_becomes_quoted_lines() -> None:
    assert new_text(None, "<p>Yes</p><blockquote><p>old text</p></blockquote>") == "Yes"


def test_plain_part_is_preferred_over_html() -> None:
    assert new_text("plain answer", "<p>html answer</p>") == "plain answer"


def test_hostile_input_is_fast() -> None:
    bomb = ("On " + "a" * 5000 + "\n") * 200 + ">" * 100_000 + "From:" * 50_000
    start = time.perf_counter()
    new_text(bomb, "<div>" * 50_000)
    assert time.perf_counter() - start < 2


# --- the shared corpora -------------------------------------------------------------------

bench = pytest.importorskip("bench.accuracy_new_text")

# Floors = what was measured when these rules were written (passed, total).
FLOORS = {
    "discourse_email_reply_trimmer": 61,
    "github_email_reply_parser": 8,
    "zapier_email_reply_parser": 3,
    "crisp_email_reply_parser": 49,
    "mail_parser_reply": 8,
    "mail_parser_reply (contains)": 11,
    "closeio_quotequail": 8,
}

corpora = pytest.mark.skipif(
    not bench.CORPORA.is_dir(), reason=f"shared corpora folder missing: {bench.CORPORA}"
)


@corpora
@pytest.mark.parametrize("corpus", sorted(FLOORS))
def test_corpus_accuracy_floor(corpus: str) -> None:
    passed, total, failing = bench.score(new_text)[corpus]
    assert passed >= FLOORS[corpus], f"{corpus}: {passed}/{total}; failing: {failing}"


@corpora
@pytest.mark.parametrize("name", ["pathological.txt", "email_long_quote.txt"])
def test_regex_dos_guards_finish_within_a_second(name: str) -> None:
    path = bench.CORPORA / "github_email_reply_parser" / "emails" / name
    text = path.read_text(encoding="utf-8", errors="replace")
    start = time.perf_counter()
    new_text(text, None)
    assert time.perf_counter() - start < 1
