"""Email addresses: one lowercase ASCII form, or an AddressError saying why not."""

import pytest

from outreach.core.addresses import AddressError, domain_of, normalise_address


@pytest.mark.parametrize(
    ("address", "normal"),
    [
        ("misaki.sato@example.jp", "misaki.sato@example.jp"),
        ("  Misaki.Sato@Example.JP ", "misaki.sato@example.jp"),
        ("minji.kim+collab@Example.KR", "minji.kim+collab@example.kr"),
        ("misaki@例え.jp", "misaki@xn--r8jz45g.jp"),
        ("creator@trial.test", "creator@trial.test"),  # reserved for trials, like .example
    ],
)
def test_normalise_address_gives_the_lowercase_ascii_form(address: str, normal: str) -> None:
    assert normalise_address(address) == normal


@pytest.mark.parametrize(
    ("address", "reason"),
    [
        ("", "the address is empty"),
        ("   ", "the address is empty"),
        ("misaki@", "There must be something after the @-sign"),
        ("misaki.example.jp", "An email address must have an @-sign"),
        ("美咲@example.jp", "a non-ASCII mailbox name needs SMTPUTF8, which we do not send"),
        ("misaki@printer.local", "special-use or reserved name"),
        ("misaki@mail.localhost", "special-use or reserved name"),
    ],
)
def test_normalise_address_says_why_an_address_is_unusable(address: str, reason: str) -> None:
    with pytest.raises(AddressError) as caught:
        normalise_address(address)
    assert reason in str(caught.value)


def test_domain_of_is_the_part_after_the_last_at_sign() -> None:
    assert domain_of("minji.kim@example.kr") == "example.kr"
