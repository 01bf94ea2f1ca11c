"""VERP return paths: one per message, read back only when the check matches."""

import pytest

from outreach.core.return_paths import check_matches, envelope_sender, verp_row

BASE = "bounces@glowlab.example"
MID = "<1764.abc.random@glowlab.example>"


def test_without_verp_the_envelope_sender_is_the_from_address() -> None:
    assert envelope_sender(None, 7, MID, "luna@glowlab.example") == "luna@glowlab.example"
    assert envelope_sender(BASE, None, MID, "luna@glowlab.example") == "luna@glowlab.example"


def test_the_verp_address_reads_back_to_its_row_and_check() -> None:
    address = envelope_sender(BASE, 42, MID, "luna@glowlab.example")
    assert address.startswith("bounces+42-") and address.endswith("@glowlab.example")
    found = verp_row(BASE, ["someone@else.example", f"<{address.upper()}>"])
    assert found is not None and found[0] == 42
    assert check_matches(MID, found[1])
    assert not check_matches("<other@glowlab.example>", found[1])


@pytest.mark.parametrize(
    "address",
    [
        "bounces@glowlab.example",  # no token
        "bounces+42@glowlab.example",  # no check
        "bounces+42-zzzzzzzzzz@glowlab.example",  # not hex
        "bounces+42-0123456789@other.example",  # another domain
        "other+42-0123456789@glowlab.example",  # another local part
        "bounces+-0123456789@glowlab.example",  # no row
    ],
)
def test_addresses_that_are_not_ours_name_no_row(address: str) -> None:
    assert verp_row(BASE, [address]) is None


def test_verp_off_reads_nothing() -> None:
    assert verp_row(None, ["bounces+42-0123456789@glowlab.example"]) is None
