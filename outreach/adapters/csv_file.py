"""Read a creator CSV file: UTF-8 with or without BOM, rows numbered by their first line."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from outreach.errors import WorkspaceError

CsvRow = dict[str | None, str | list[str] | None]


def read_rows(path: Path) -> tuple[list[str], Iterator[tuple[int, CsvRow | str]]]:
    """The header and (line number, row or the reason it is unreadable) for each row."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise WorkspaceError(f"{path}: cannot read: {exc.strerror}") from None
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise WorkspaceError(
            f"{path}:1: is UTF-16 (Excel's 'Unicode Text'); save it as 'CSV UTF-8 (Comma "
            "delimited)'"
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise WorkspaceError(
            f"{path}:{line}: not valid UTF-8; save the file as UTF-8 (CSV UTF-8 in Excel)"
        ) from None
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader, None)
    except csv.Error as exc:
        raise WorkspaceError(f"{path}:1: {exc}") from None
    if not header:
        raise WorkspaceError(f"{path}:1: the file is empty; the first line must name the columns")
    columns = [name.strip().lower() for name in header]
    return columns, _rows(reader, columns)


def _rows(reader: Any, columns: list[str]) -> Iterator[tuple[int, CsvRow | str]]:
    previous_end = reader.line_num
    while True:
        start = previous_end + 1
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            # The reader can go on after a broken row: report this one, keep the rest.
            previous_end = reader.line_num
            yield start, f"unreadable CSV row: {exc}"
            continue
        previous_end = reader.line_num
        if not any(cell.strip() for cell in cells):
            continue  # blank lines are layout, not data
        if any("\x00" in cell for cell in cells):
            yield start, "holds a NUL byte (a damaged row); the other rows are read"
            continue
        row: CsvRow = dict(zip(columns, cells, strict=False))
        if len(cells) > len(columns):
            row[None] = cells[len(columns) :]
        yield start, row
