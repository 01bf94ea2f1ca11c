"""`outreach replies classify`: label replies given on standard input, one per line."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from outreach.cli.output import say
from outreach.errors import OutreachError
from outreach.services.reply_classifier import classify_reply


def classify(
    from_file: Annotated[
        Path | None, typer.Option("--file", help="Read the replies from this UTF-8 file")
    ] = None,
) -> None:
    """Label replies, one per line ("\\n" inside a line is a line break); one JSON line each."""
    if from_file is not None:
        try:
            lines = from_file.read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError) as exc:
            raise OutreachError(f"{from_file}: cannot read: {exc}") from None
    else:
        lines = sys.stdin.read().splitlines()
    for line in lines:
        found = classify_reply(line.replace("\\n", "\n"))
        say(json.dumps(found.as_json(), ensure_ascii=False))
