"""Email address validation and the one normal form we store and compare."""

from email.utils import parseaddr
from functools import lru_cache


@lru_cache(maxsize=4096)
def split_address(header_value: str) -> tuple[str, str]:
    """(display name, address) of a From/To value; cached: the same few senders recur for
    every message, and the email package's parser is slow."""
    return parseaddr(header_value)


class AddressError(ValueError):
    """An email address is not usable."""


def normalise_address(address: str) -> str:
    """Return the address lowercased in its ASCII form, or raise AddressError saying why."""
    # Imported here: it compiles many patterns, which commands that read no address skip.
    from email_validator import EmailNotValidError, validate_email

    candidate = address.strip()
    if not candidate:
        raise AddressError("the address is empty")
    try:
        # Syntax only: deliverability needs DNS, and bounces tell us the truth later.
        # `.test` is accepted like `.example`: both are reserved for trials on a local mail
        # system (RFC 6761); .invalid, .local, .localhost and .onion are still refused.
        result = validate_email(candidate, check_deliverability=False, test_environment=True)
    except EmailNotValidError as exc:
        raise AddressError(str(exc).rstrip(".")) from None
    if result.ascii_email is None:
        raise AddressError("a non-ASCII mailbox name needs SMTPUTF8, which we do not send")
    # Mailbox names are case-sensitive in theory and never in practice; one form avoids
    # "suppressed Foo@x but mailed foo@x".
    return result.ascii_email.lower()


def domain_of(address: str) -> str:
    """The domain part of a normalised address."""
    return address.rpartition("@")[2]
