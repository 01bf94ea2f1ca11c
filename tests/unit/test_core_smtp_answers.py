"""Which SMTP answers blame the recipient address (RFC 3463 class 5.1.x)."""

import pytest

from outreach.core.smtp_answers import recipient_rejected


@pytest.mark.parametrize(
    ("code", "text", "rejected"),
    [
        (550, "5.1.1 User unknown", True),
        (550, "550 5.1.1 <misaki@example.jp>: Recipient address rejected: User unknown", True),
        (553, "5.1.3 Bad recipient address syntax", True),
        (552, "5.2.2 Mailbox full", False),
        (550, "5.7.1 Spam", False),
        (550, "5.7.1 Message rejected as spam; mailbox unavailable", False),
        (450, "4.1.1 Recipient temporarily unavailable", False),
        (550, "no such user here", True),
        (551, "User not local; please try <minji@example.kr>", True),
        (553, "Requested action not taken: mailbox name not allowed", True),
        (550, "Message content rejected", False),
        (552, "Mailbox full", False),
        (451, "Requested action aborted: local error in processing", False),
        (451, "user over quota, try later", False),
        (None, "connection lost", False),
        (550, "", False),
    ],
)
def test_recipient_rejected(code: int | None, text: str, rejected: bool) -> None:
    assert recipient_rejected(code, text) is rejected
