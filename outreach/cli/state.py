"""Per-invocation CLI state: the workspace, and the App wired for it on first use."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import typer

from outreach.bootstrap import bootstrap
from outreach.cli.output import note
from outreach.services.app import App


@dataclass
class CliState:
    """The workspace chosen on the command line; bootstraps once, when a command needs it."""

    workspace: Path
    _app: App | None = field(default=None, repr=False)

    def app(self) -> App:
        """The wired App; says so when mail is only captured."""
        if self._app is None:
            self._app = bootstrap(self.workspace)
            if self._app.settings.capture_mode:
                folder = self._app.transport.description.removeprefix("capture folder ")
                note(
                    "Capture mode: OUTREACH_SMTP_HOST is not set, so messages are written as "
                    f".eml files to {folder} and nothing is sent."
                )
        return self._app


def state(ctx: typer.Context) -> CliState:
    """The CliState of this invocation."""
    found = ctx.find_object(CliState)
    assert found is not None, "the main callback sets the state"
    return found
