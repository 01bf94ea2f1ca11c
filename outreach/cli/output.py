"""How results are shown: plain lines and aligned tables on stdout, notes on stderr."""

from __future__ import annotations

from collections.abc import Sequence
from email.message import EmailMessage

import typer
from rich.cells import cell_len

SHOWN_HEADERS = (
    "From",
    "To",
    "Subject",
    "Date",
    "Message-ID",
    "In-Reply-To",
    "References",
    "List-Unsubscribe",
    "List-Unsubscribe-Post",
)


def table_or_json(output: str) -> None:
    """A usage error (exit 2) naming --format unless it is table or json."""
    if output not in ("table", "json"):
        raise typer.BadParameter(f"{output!r} is not one of table, json", param_hint="--format")


def say(text: str = "") -> None:
    """One line of normal output."""
    typer.echo(text)


def note(text: str) -> None:
    """A note for the person at the terminal, kept out of the output a script reads."""
    typer.echo(text, err=True)


def table(
    headers: Sequence[str], rows: Sequence[Sequence[object]], max_cell: int | None = None
) -> None:
    """Aligned columns (wide CJK characters counted as two), plain text, nothing interpreted."""
    cells = [[_cell(value, max_cell) for value in row] for row in [headers, *rows]]
    widths = [max(cell_len(row[i]) for row in cells) for i in range(len(headers))]
    for number, row in enumerate(cells):
        padded = [
            value + " " * (width - cell_len(value))
            for value, width in zip(row, widths, strict=True)
        ]
        say("  ".join(padded).rstrip())
        if number == 0:
            say("  ".join("-" * width for width in widths))


def _cell(value: object, max_cell: int | None) -> str:
    # One line per row: a line break in data would make rows lie about their columns.
    text = "" if value is None else " ".join(str(value).split())
    if max_cell is None or len(text) <= max_cell:
        return text
    return text[: max_cell - 1] + "…"


def readable_message(message: EmailMessage) -> str:
    """Headers decoded and the body parts as the creator's mail program shows them."""
    lines = [f"{name}: {message[name]}" for name in SHOWN_HEADERS if message[name] is not None]
    text = message.get_body(preferencelist=("plain",))
    lines.append("")
    lines.append(text.get_content().rstrip("\n") if isinstance(text, EmailMessage) else "")
    html = message.get_body(preferencelist=("html",))
    if isinstance(html, EmailMessage) and html is not text:
        lines += ["", "--- html part ---", html.get_content().rstrip("\n")]
    return "\n".join(lines)


def raw_message(data: bytes) -> str:
    """The message exactly as it goes over the wire (CRLF shown as plain newlines)."""
    return data.decode("ascii", "replace").replace("\r\n", "\n").rstrip("\n")


def when_text(moment: object) -> str:
    """A moment as the status lines show it (UTC, to the minute), or "nothing"."""
    return f"{moment:%Y-%m-%d %H:%M} UTC" if moment is not None else "nothing"
