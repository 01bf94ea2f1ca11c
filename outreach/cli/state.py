"""Per-invocation CLI state: the workspace, and the App wired for it on first use."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from outreach.cli.output import note
from outreach.constants import CAPTURE_DIRNAME

if TYPE_CHECKING:  # imported when a command first needs them: `--help` reads no database
    from outreach.services.app import App
    from outreach.settings import Settings


@dataclass
class CliState:
    """The workspace chosen on the command line; bootstraps once, when a command needs it."""

    workspace: Path
    _app: App | None = field(default=None, repr=False)
    _announced: bool = False

    def settings(self) -> Settings:
        """The settings alone, without opening the database."""
        from outreach.bootstrap import read_settings

        settings = read_settings(self.workspace.resolve())
        self._announce(settings)
        return settings

    def app(self) -> App:
        """The wired App; says so when mail is only captured."""
        if self._app is None:
            from outreach.bootstrap import bootstrap

            self._app = bootstrap(self.workspace)
            self._announce(self._app.settings)
        return self._app

    def close(self) -> None:
        """Close the database connections the command opened (the process may go on)."""
        if self._app is not None:
            self._app.engine.dispose()
            self._app = None

    def _announce(self, settings: Settings) -> None:
        if settings.capture_mode and not self._announced:
            self._announced = True
            note(
                "Capture mode: OUTREACH_SMTP_HOST is not set, so messages are written as "
                f".eml files to {settings.workspace / CAPTURE_DIRNAME} and nothing is sent."
            )


def state(ctx: typer.Context) -> CliState:
    """The CliState of this invocation."""
    found = ctx.find_object(CliState)
    assert found is not None, "the main callback sets the state"
    return found
