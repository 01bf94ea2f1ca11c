"""Our own small error tree: every error a person reads says what is wrong and where."""


class OutreachError(Exception):
    """Something went wrong that a person can fix; the message says what and where."""

    exit_code = 1


class SettingsError(OutreachError):
    """A setting is missing or has an invalid value."""


class WorkspaceError(OutreachError):
    """The workspace is missing a file or folder the command needs."""


class TemplateError(OutreachError):
    """A message template cannot be loaded or rendered."""


class MissingValueError(TemplateError):
    """A template uses a value the creator does not have, or renders it empty."""

    def __init__(
        self, template: str, creator: str, field: str, detail: str = "", hint: str = ""
    ) -> None:
        self.template = template
        self.creator = creator
        self.field = field
        why = detail or "the creator has no value for it"
        next_step = f" {hint}" if hint else ""
        super().__init__(
            f"template {template!r} for creator @{creator}: field {field!r}: {why}; "
            f"nothing was sent.{next_step}"
        )


class UnsafeHeaderError(OutreachError):
    """A header value would break out of its header (CR/LF injection)."""


class NotFoundError(OutreachError):
    """A creator, template, campaign or message named on the command line does not exist."""


class SuppressedError(OutreachError):
    """The address is on the do-not-contact list."""


class CampaignError(OutreachError):
    """A campaign file is missing, malformed, or has an invalid value."""


class DeliveryError(OutreachError):
    """Sending a message failed; carries the SMTP code and answer when there is one."""

    def __init__(self, message: str, code: int | None = None, mailbox_fault: bool = False) -> None:
        self.code = code
        # The mailbox itself failed (connect, TLS, login), not this message: its other
        # messages would fail the same way, so the mailbox pauses rather than the message.
        self.mailbox_fault = mailbox_fault
        super().__init__(message)


class TemporaryDeliveryError(DeliveryError):
    """A failure worth retrying later: 4xx answers, timeouts, dropped connections."""


class PermanentDeliveryError(DeliveryError):
    """A failure that retrying will not fix: 5xx answers, refused login."""


class UnknownDeliveryError(DeliveryError):
    """The server may or may not have accepted the message; a person must decide."""


class SignInError(OutreachError):
    """A mailbox cannot sign in with OAuth 2.0; `temporary` when trying later may work."""

    temporary = False


class SignInRevoked(SignInError):
    """The provider no longer honours the sign-in (revoked, expired, password changed)."""


class SignInUnavailable(SignInError):
    """The provider could not be asked (network, its own error): worth trying again later."""

    temporary = True
