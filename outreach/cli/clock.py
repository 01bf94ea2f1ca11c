"""The --now option: a fixed moment for everything a command does."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Annotated

import typer

from outreach.adapters.models import utcnow

NowOption = Annotated[
    str | None,
    typer.Option("--now", help="Act as if it were this moment (ISO 8601, e.g. 2026-05-04T09:00Z)"),
]


def clock_for(now: str | None) -> Callable[[], datetime]:
    """The real clock, or one fixed at --now (a time without a zone is taken as UTC)."""
    if now is None:
        return utcnow
    try:
        moment = datetime.fromisoformat(now.replace("Z", "+00:00"))
    except ValueError:
        raise typer.BadParameter(f"{now!r} is not an ISO 8601 moment", param_hint="--now") from None
    fixed = (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(UTC)
    if not 1970 <= fixed.year <= 9000:
        raise typer.BadParameter(f"{now!r} is out of range (years 1970-9000)", param_hint="--now")
    return lambda: fixed
