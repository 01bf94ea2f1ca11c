"""Write a checked message's headers and parts as RFC 5322 / MIME wire text, directly.

The email package builds a tree of objects and walks it to write them out: about 400 us a
message. The messages here have one shape (a text part, perhaps an HTML alternative, a fixed
set of headers whose values were checked before), so they are written as text: RFC 2047
encoded words for non-ASCII header text, folding at 78 columns, and base64, quoted-printable
or 7bit bodies with CRLF line ends, every line within 998 octets.
"""

from __future__ import annotations

import base64
import binascii
import secrets
from email.utils import formataddr

CRLF = "\r\n"
_FOLD_AT = 78  # RFC 5322 section 2.1.1: lines SHOULD be at most 78 characters
_MAX_LINE = 998  # ... and MUST be at most 998
_WORD_BYTES = 39  # UTF-8 bytes per encoded word: "Subject: " + a word stays within 78
_MAX_TOKEN = 900  # an ASCII word longer than this cannot be folded: encode the header


def header(name: str, value: str) -> str:
    """One unstructured header (Subject), encoded when it is not plain folded ASCII."""
    if value.isascii() and max(map(len, value.split(" "))) <= _MAX_TOKEN:
        return fold(f"{name}: {value}")
    return f"{name}: {_folded_words(value)}"


def address_header(name: str, display_name: str | None, address: str) -> str:
    """A From or To header: the name quoted as needed, or encoded when not ASCII."""
    if not display_name or display_name.isascii():
        return fold(f"{name}: {formataddr((display_name or '', address))}")
    return f"{name}: {_folded_words(display_name)} <{address}>"


def encoded_words(text: str) -> list[str]:
    """RFC 2047 base64 words for the text, each whole characters and at most 64 columns."""
    words: list[str] = []
    chunk: list[str] = []
    size = 0
    for char in text:
        width = len(char.encode("utf-8"))
        if size + width > _WORD_BYTES and chunk:
            words.append(_word("".join(chunk)))
            chunk, size = [], 0
        chunk.append(char)
        size += width
    if chunk or not words:
        words.append(_word("".join(chunk)))
    return words


def _folded_words(text: str) -> str:
    """The text as encoded words, one to a line of the header."""
    return (CRLF + " ").join(encoded_words(text))


def _word(text: str) -> str:
    return f"=?utf-8?b?{base64.b64encode(text.encode('utf-8')).decode('ascii')}?="


def fold(line: str) -> str:
    """Fold a header line at spaces so that each piece is at most 78 columns where it can."""
    if len(line) <= _FOLD_AT:
        return line
    pieces, current = [], ""
    for word in line.split(" "):
        if not current:
            current = word
        elif word and len(current) + 1 + len(word) > _FOLD_AT and current.strip():
            pieces.append(current)
            current = " " + word  # the folding white space starts the next line
        else:
            current += " " + word
    pieces.append(current)
    return CRLF.join(pieces)


def transfer_encoding(text: str) -> str:
    """7bit for short-lined ASCII; base64 for mostly non-ASCII text; else quoted-printable."""
    # 7bit/quoted-printable/base64 pass every relay, unlike 8bit (which needs 8BITMIME);
    # base64 keeps Japanese and Korean text a third the size quoted-printable would.
    non_ascii = len(text) - len(text.encode("ascii", "ignore"))  # counted in C, not per char
    if not non_ascii and all(len(line) <= _MAX_LINE for line in text.splitlines()):
        return "7bit"
    return "base64" if non_ascii * 5 > len(text) else "quoted-printable"


def text_part(content: str, subtype: str) -> tuple[str, str]:
    """The MIME headers and the encoded body of one text part (body lines end in CRLF)."""
    encoding = transfer_encoding(content)
    content = content.replace("\r\n", "\n").replace("\r", "\n")
    if encoding == "7bit":
        charset, body = "us-ascii", content.replace("\n", CRLF)
    else:
        data = content.encode("utf-8")
        charset = "utf-8"
        if encoding == "base64":
            body = base64.encodebytes(data).decode("ascii").replace("\n", CRLF)
        else:
            quoted = binascii.b2a_qp(data, quotetabs=False, istext=True, header=False)
            body = quoted.decode("ascii").replace("\n", CRLF)
    head = (f'Content-Type: text/{subtype}; charset="{charset}"{CRLF}'
            f"Content-Transfer-Encoding: {encoding}")  # fmt: skip
    return head, body


def message_text(headers: list[str], parts: list[tuple[str, str]]) -> str:
    """The whole message: headers, then one part, or the parts as multipart/alternative."""
    if len(parts) == 1:
        part_head, body = parts[0]
        return CRLF.join([*headers, "MIME-Version: 1.0", part_head, "", body])
    boundary = _boundary([body for _, body in parts])
    lines = [*headers, "MIME-Version: 1.0",
             f'Content-Type: multipart/alternative; boundary="{boundary}"', ""]  # fmt: skip
    for part_head, body in parts:
        # The CR LF before each delimiter belongs to it, so a body's own last line end stays.
        lines += [f"--{boundary}", part_head, "", body]
    return CRLF.join(lines) + f"{CRLF}--{boundary}--{CRLF}"


def _boundary(bodies: list[str]) -> str:
    """A delimiter that no part contains ("=_" cannot occur in base64 or quoted-printable)."""
    while True:
        boundary = f"=_outreach_{secrets.token_hex(12)}"
        if not any(boundary in body for body in bodies):
            return boundary
