"""The one place that reads settings and wires the real parts together."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from dotenv import dotenv_values

from outreach.adapters.capture_transport import CaptureTransport
from outreach.adapters.database import create_schema, make_engine
from outreach.adapters.template_files import TemplateLibrary
from outreach.adapters.transport import Transport
from outreach.constants import (
    CAPTURE_DIRNAME,
    ENV_FILENAME,
    SMTP_RETRY_BASE_SECONDS,
    SMTP_RETRY_FACTOR,
    SMTP_SEND_ATTEMPTS,
    TEMPLATES_DIRNAME,
)
from outreach.core.retry import RetryPolicy
from outreach.errors import SettingsError
from outreach.services.app import App
from outreach.services.mailboxes import Mailbox
from outreach.services.sender_pool import SenderPool
from outreach.settings import PREFIX, Settings, load_settings


def read_settings(workspace: Path, environ: Mapping[str, str] | None = None) -> Settings:
    """Settings from the workspace's .env file with the environment winning over it."""
    environ = os.environ if environ is None else environ
    env_file = workspace / ENV_FILENAME
    file_values: dict[str, str] = {}
    if env_file.is_file():
        try:
            raw = dotenv_values(env_file)
        except UnicodeDecodeError:
            raise SettingsError(f"{env_file}: not valid UTF-8") from None
        file_values = {k: v for k, v in raw.items() if k.startswith(PREFIX) and v is not None}
    env_values = {k: v for k, v in environ.items() if k.startswith(PREFIX)}
    sources = {key: str(env_file) for key in file_values}
    sources.update({key: "the environment" for key in env_values})
    return load_settings(workspace, {**file_values, **env_values}, sources)


def bootstrap(
    workspace: Path,
    environ: Mapping[str, str] | None = None,
    transport: Transport | None = None,
    retry: RetryPolicy | None = None,
) -> App:
    """Wire an App for the workspace: database schema ready, transport chosen by settings."""
    settings = read_settings(workspace.resolve(), environ)
    engine = make_engine(settings.database_url)
    create_schema(engine)
    default = transport or choose_transport(settings)
    return App(
        settings=settings,
        engine=engine,
        templates=TemplateLibrary(settings.workspace / TEMPLATES_DIRNAME),
        transport=default,
        retry=retry or RetryPolicy(SMTP_SEND_ATTEMPTS, SMTP_RETRY_BASE_SECONDS, SMTP_RETRY_FACTOR),
        senders=SenderPool(settings, default, mailbox_transport),
    )


def mailbox_transport(mailbox: Mailbox) -> Transport:
    """SMTP for a mailboxes.toml mailbox: it names its own server, so it always sends."""
    from outreach.adapters.smtp_transport import SmtpTransport  # only commands that send

    name = mailbox.spec.name
    hint = (
        f"the sign-in may have been revoked: run `outreach mailbox login {name}`"
        if mailbox.spec.auth == "oauth2"
        else f"check the user of mailbox {name!r} in mailboxes.toml and {mailbox.password_key}"
    )
    return SmtpTransport(mailbox.server("smtp"), login_hint=hint)


def choose_transport(settings: Settings) -> Transport:
    """SMTP when a host is set, otherwise the capture folder in the workspace."""
    if settings.capture_mode:
        return CaptureTransport(settings.workspace / CAPTURE_DIRNAME)
    from outreach.adapters.smtp_transport import SmtpTransport  # not loaded in capture mode

    return SmtpTransport(settings.smtp)
