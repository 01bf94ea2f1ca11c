"""Forms of address: first names in English, 様/さん in Japanese, 님 in Korean."""

from collections.abc import Callable

import pytest

from outreach.core.addressing import EmptyAddressError, addressee, first_name, nim, sama, san


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Emma Watson", "Emma"),
        ("  Camille   Dubois ", "Camille"),
        ("Madonna", "Madonna"),
        ("佐藤 美咲", "佐藤 美咲"),
        ("佐藤美咲", "佐藤美咲"),
        ("김민지", "김민지"),
        ("Ann,", "Ann"),  # never "Hi Ann,,"
        ("Lee, Ann", "Ann"),  # family name first, as CRMs export it
        ("Ann Lee, PhD", "Ann"),
        ("佐藤美咲,", "佐藤美咲"),
    ],
)
def test_first_name_takes_the_first_western_word_and_keeps_cjk_names_whole(
    name: str, expected: str
) -> None:
    assert first_name(name) == expected


def test_sama_appends_the_formal_japanese_honorific() -> None:
    assert sama("佐藤美咲") == "佐藤美咲様"


def test_san_appends_the_friendly_japanese_honorific() -> None:
    assert san("佐藤") == "佐藤さん"


def test_nim_appends_the_polite_korean_honorific() -> None:
    assert nim("김민지") == "김민지님"


def test_honorifics_collapse_surrounding_and_inner_whitespace() -> None:
    assert sama("  佐藤   美咲 ") == "佐藤 美咲様"


@pytest.mark.parametrize(
    ("name", "language", "expected"),
    [
        ("佐藤美咲", "ja", "佐藤美咲様"),
        ("김민지", "ko", "김민지님"),
        ("Emma Watson", "en", "Emma"),
        ("Camille Dubois", "fr", "Camille"),
    ],
)
def test_addressee_uses_the_polite_form_of_the_language(
    name: str, language: str, expected: str
) -> None:
    assert addressee(name, language) == expected


@pytest.mark.parametrize("function", [first_name, sama, san, nim])
@pytest.mark.parametrize("name", [None, "", "   ", "\t\n"])
def test_every_form_of_address_refuses_a_blank_name(
    function: Callable[[str | None], str], name: str | None
) -> None:
    with pytest.raises(EmptyAddressError, match="the name is empty"):
        function(name)
