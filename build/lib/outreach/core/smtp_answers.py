"""What an SMTP answer says about the recipient (RFC 3463 enhanced status codes)."""

import re

_ENHANCED = re.compile(r"\b([245])\.(\d{1,3})\.(\d{1,3})\b")


def recipient_rejected(code: int | None, text: str) -> bool:
    """True when a permanent answer blames the recipient address (5.1.x: no such user...)."""
    match = _ENHANCED.search(text or "")
    if match:
        return match.group(1) == "5" and match.group(2) == "1"
    # Servers without enhanced codes: 550/551/553 at RCPT mean "no such mailbox" (RFC 5321).
    return code in (550, 551, 553) and bool(re.search(r"(?i)user|mailbox|recipient", text))
