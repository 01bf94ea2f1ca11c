"""Settings: validated OUTREACH_* values, errors naming key and source, secrets never shown."""

from pathlib import Path

import pytest

from outreach.constants import MASK
from outreach.errors import SettingsError
from outreach.settings import (
    KNOWN_KEYS,
    Secret,
    Security,
    Settings,
    describe,
    load_settings,
    masked_database_url,
    scrub,
    url_secrets,
)

WORKSPACE = Path("/srv/glowlab")
ENV_FILE = "/srv/glowlab/.env"
PASSWORD = "hunter2-Sakura"


def settings_error(values: dict[str, str], sources: dict[str, str] | None = None) -> str:
    with pytest.raises(SettingsError) as caught:
        load_settings(WORKSPACE, values, sources)
    return str(caught.value)


def test_defaults_use_sqlite_in_the_workspace() -> None:
    assert load_settings(WORKSPACE, {}).database_url == "sqlite:////srv/glowlab/outreach.db"


def test_defaults_use_starttls_on_587_for_smtp_and_tls_on_993_for_imap() -> None:
    settings = load_settings(WORKSPACE, {})
    assert (settings.smtp.security, settings.smtp.port) == (Security.STARTTLS, 587)
    assert (settings.imap.security, settings.imap.port) == (Security.TLS, 993)


def test_defaults_leave_optional_values_unset_and_capture_mail() -> None:
    settings = load_settings(WORKSPACE, {})
    assert (settings.sender, settings.unsubscribe_mailto, settings.company) == (None, None, None)
    assert (settings.smtp.host, settings.smtp.user, settings.smtp.password) == (None, None, None)
    assert settings.smtp.timeout_seconds == 30.0
    assert settings.capture_mode is True


@pytest.mark.parametrize(
    ("kind", "security", "port"),
    [
        ("SMTP", "starttls", 587),
        ("SMTP", "tls", 465),
        ("SMTP", "none", 25),
        ("SMTP", "TLS", 465),
        ("IMAP", "tls", 993),
        ("IMAP", "starttls", 143),
        ("IMAP", "none", 143),
    ],
)
def test_the_default_port_follows_the_security(kind: str, security: str, port: int) -> None:
    settings = load_settings(WORKSPACE, {f"OUTREACH_{kind}_SECURITY": security})
    server = settings.smtp if kind == "SMTP" else settings.imap
    assert (server.security, server.port) == (Security(security.lower()), port)


def test_explicit_values_are_read_and_trimmed() -> None:
    settings = load_settings(
        WORKSPACE,
        {
            "OUTREACH_DATABASE_URL": "postgresql://outreach@db.glowlab.example/outreach",
            "OUTREACH_FROM": " Luna at Glowlab <luna@glowlab.example> ",
            "OUTREACH_SMTP_HOST": "smtp.glowlab.example",
            "OUTREACH_SMTP_PORT": " 2525 ",
            "OUTREACH_SMTP_USER": "luna@glowlab.example",
            "OUTREACH_SMTP_PASSWORD": PASSWORD,
            "OUTREACH_SMTP_TIMEOUT_SECONDS": "12.5",
            "OUTREACH_UNSUBSCRIBE_MAILTO": "Unsubscribe@Glowlab.Example",
            "OUTREACH_COMPANY": "Glowlab K.K.",
            "OUTREACH_POSTAL_ADDRESS": "1-2-3 Jingumae, Shibuya-ku, Tokyo 150-0001",
        },
    )
    assert settings.database_url == "postgresql://outreach@db.glowlab.example/outreach"
    assert settings.sender == "Luna at Glowlab <luna@glowlab.example>"
    assert (settings.smtp.host, settings.smtp.port) == ("smtp.glowlab.example", 2525)
    assert settings.smtp.user == "luna@glowlab.example"
    assert settings.smtp.password == Secret(PASSWORD)
    assert settings.smtp.timeout_seconds == 12.5
    assert settings.unsubscribe_mailto == "unsubscribe@glowlab.example"
    assert settings.company == "Glowlab K.K."
    assert settings.postal_address == "1-2-3 Jingumae, Shibuya-ku, Tokyo 150-0001"
    assert settings.capture_mode is False


@pytest.mark.parametrize(
    ("value", "sender"),
    [
        ("Luna at Glowlab <luna@glowlab.example>", "Luna at Glowlab <luna@glowlab.example>"),
        ("luna@glowlab.example", "luna@glowlab.example"),
        ("<luna@glowlab.example>", "luna@glowlab.example"),
    ],
)
def test_the_sender_keeps_its_display_name_or_is_the_bare_address(value: str, sender: str) -> None:
    assert load_settings(WORKSPACE, {"OUTREACH_FROM": value}).sender == sender


def test_a_blank_value_counts_as_unset() -> None:
    settings = load_settings(WORKSPACE, {"OUTREACH_SMTP_HOST": "  ", "OUTREACH_SMTP_PORT": ""})
    assert (settings.smtp.host, settings.smtp.port) == (None, 587)


def test_an_error_names_the_key_and_the_file_it_came_from() -> None:
    message = settings_error({"OUTREACH_SMTP_PORT": "abc"}, {"OUTREACH_SMTP_PORT": "/x/.env"})
    assert message == "OUTREACH_SMTP_PORT (from /x/.env): 'abc' is not a port number (1-65535)"


@pytest.mark.parametrize(
    ("key", "value", "reason"),
    [
        ("SMTP_PORT", "abc", "'abc' is not a port number (1-65535)"),
        ("SMTP_PORT", "0", "'0' is not a port number (1-65535)"),
        ("SMTP_PORT", "65536", "'65536' is not a port number (1-65535)"),
        ("SMTP_PORT", "-25", "'-25' is not a port number (1-65535)"),
        ("SMTP_PORT", "587.0", "'587.0' is not a port number (1-65535)"),
        ("SMTP_PORT", "²", "'²' is not a port number (1-65535)"),
        ("IMAP_PORT", "imap", "'imap' is not a port number (1-65535)"),
        ("SMTP_SECURITY", "ssl", "'ssl' is not one of none, starttls, tls"),
        ("IMAP_SECURITY", "yes", "'yes' is not one of none, starttls, tls"),
        ("SMTP_TIMEOUT_SECONDS", "abc", "'abc' is not a number of seconds"),
        ("SMTP_TIMEOUT_SECONDS", "0", "'0' must be more than 0 and at most 3600 seconds"),
        ("SMTP_TIMEOUT_SECONDS", "3601", "'3601' must be more than 0 and at most 3600 seconds"),
        ("SMTP_TIMEOUT_SECONDS", "nan", "'nan' must be more than 0 and at most 3600 seconds"),
        ("DATABASE_URL", "mysql://db/outreach", "must start with sqlite:/// or postgresql://"),
        (
            "FROM",
            "luna@glowlab.example, mina@glowlab.example",
            "must be exactly one address like 'Luna <luna@brand.example>'",
        ),
        (
            "FROM",
            "Luna <luna.glowlab.example>",
            "'Luna <luna.glowlab.example>' is not an address like 'Luna <luna@brand.example>': "
            "An email address must have an @-sign",
        ),
        ("FROM", "Luna <luna@glowlab.example>\nBcc: x@y.example", "must be a single line"),
        (
            "UNSUBSCRIBE_MAILTO",
            "unsubscribe",
            "'unsubscribe' is not a valid address: An email address must have an @-sign",
        ),
        ("COMPANY", "Glowlab\nK.K.", "must be a single line"),
        ("POSTAL_ADDRESS", "1-2-3 Jingumae\r\nTokyo", "must be a single line"),
        ("SMTP_HOST", "smtp.glowlab.example\nevil", "must be a single line"),
    ],
)
def test_each_invalid_value_is_a_settings_error_naming_key_and_source(
    key: str, value: str, reason: str
) -> None:
    name = f"OUTREACH_{key}"
    assert settings_error({name: value}, {name: ENV_FILE}) == f"{name} (from {ENV_FILE}): {reason}"


def test_a_value_from_the_environment_says_so() -> None:
    message = settings_error({"OUTREACH_SMTP_SECURITY": "ssl"})
    assert message == (
        "OUTREACH_SMTP_SECURITY (from the environment): 'ssl' is not one of none, starttls, tls"
    )


@pytest.mark.parametrize(
    ("typo", "suggestion"),
    [
        ("OUTREACH_SMPT_HOST", "OUTREACH_SMTP_HOST"),
        ("OUTREACH_SMTP_PASWORD", "OUTREACH_SMTP_PASSWORD"),
        ("OUTREACH_IMAP_TIMEOUT_SECONDS", "OUTREACH_SMTP_TIMEOUT_SECONDS"),
    ],
)
def test_an_unknown_key_suggests_the_closest_known_key(typo: str, suggestion: str) -> None:
    message = settings_error({typo: PASSWORD}, {typo: ENV_FILE})
    assert message == f"{typo} (from {ENV_FILE}): unknown setting; did you mean {suggestion}?"


def test_an_unknown_key_without_a_close_match_gets_no_suggestion() -> None:
    message = settings_error({"OUTREACH_ZZZ_QQQ_XYZZY": "3"})
    assert message == "OUTREACH_ZZZ_QQQ_XYZZY (from the environment): unknown setting"


def test_variables_without_the_prefix_are_ignored() -> None:
    assert load_settings(WORKSPACE, {"HOME": "/home/luna", "SMTP_HOST": "x"}).smtp.host is None


def test_an_error_never_shows_a_password() -> None:
    message = settings_error(
        {"OUTREACH_SMTP_PASSWORD": PASSWORD, "OUTREACH_SMTP_PORT": "abc"},
    )
    assert PASSWORD not in message


def test_an_invalid_database_url_is_not_echoed() -> None:
    message = settings_error({"OUTREACH_DATABASE_URL": f"mysql://outreach:{PASSWORD}@db/outreach"})
    assert PASSWORD not in message


def secret_settings() -> Settings:
    return load_settings(
        WORKSPACE,
        {
            "OUTREACH_DATABASE_URL": f"postgresql://outreach:{PASSWORD}@db.glowlab.example/outreach",
            "OUTREACH_SMTP_HOST": "smtp.glowlab.example",
            "OUTREACH_SMTP_PASSWORD": PASSWORD,
            "OUTREACH_IMAP_PASSWORD": PASSWORD,
        },
        {"OUTREACH_SMTP_PASSWORD": ENV_FILE},
    )


def test_repr_of_settings_never_shows_a_password() -> None:
    assert PASSWORD not in repr(secret_settings())


def test_str_of_settings_never_shows_a_password() -> None:
    assert PASSWORD not in str(secret_settings())


def test_describe_never_shows_a_password() -> None:
    rows = describe(secret_settings())
    assert not [row for row in rows if any(PASSWORD in cell for cell in row)]


def test_describe_masks_passwords_and_names_their_source() -> None:
    rows = {key: (value, source) for key, value, source in describe(secret_settings())}
    assert rows["OUTREACH_SMTP_PASSWORD"] == (MASK, ENV_FILE)
    assert rows["OUTREACH_IMAP_PASSWORD"] == (MASK, "default")
    assert rows["OUTREACH_DATABASE_URL"] == (
        f"postgresql://outreach:{MASK}@db.glowlab.example/outreach",
        "default",
    )


def test_describe_lists_every_setting_with_defaults() -> None:
    assert describe(load_settings(WORKSPACE, {})) == [
        ("OUTREACH_DATABASE_URL", "sqlite:////srv/glowlab/outreach.db", "default"),
        ("OUTREACH_FROM", "", "default"),
        ("OUTREACH_SMTP_HOST", "", "default"),
        ("OUTREACH_SMTP_PORT", "587", "default"),
        ("OUTREACH_SMTP_USER", "", "default"),
        ("OUTREACH_SMTP_PASSWORD", "", "default"),
        ("OUTREACH_SMTP_SECURITY", "starttls", "default"),
        ("OUTREACH_SMTP_TIMEOUT_SECONDS", "30", "default"),
        ("OUTREACH_IMAP_HOST", "", "default"),
        ("OUTREACH_IMAP_PORT", "993", "default"),
        ("OUTREACH_IMAP_USER", "", "default"),
        ("OUTREACH_IMAP_PASSWORD", "", "default"),
        ("OUTREACH_IMAP_SECURITY", "tls", "default"),
        ("OUTREACH_UNSUBSCRIBE_MAILTO", "", "default"),
        ("OUTREACH_COMPANY", "", "default"),
        ("OUTREACH_POSTAL_ADDRESS", "", "default"),
        ("OUTREACH_COMPLAINTS_CONTACT", "", "default"),
        ("OUTREACH_COOL_OFF_DAYS", "90", "default"),
        ("OUTREACH_IMAP_PROCESSED_FOLDER", "", "default"),
        ("OUTREACH_RETURN_PATH", "", "default"),
        ("OUTREACH_RIGHTS_WARN_DAYS", "14", "default"),
        ("OUTREACH_DIGEST_TO", "", "default"),
        ("OUTREACH_DIGEST_AT", "", "default"),
        ("OUTREACH_TIMEZONE", "UTC", "default"),
        ("OUTREACH_INBOX_FRESH_MINUTES", "10", "default"),
        ("OUTREACH_UNSUBSCRIBE_URL", "", "default"),
        ("OUTREACH_UNSUBSCRIBE_SECRET", "", "default"),
        ("OUTREACH_GOOGLE_CLIENT_ID", "", "default"),
        ("OUTREACH_GOOGLE_CLIENT_SECRET", "", "default"),
        ("OUTREACH_MICROSOFT_CLIENT_ID", "", "default"),
        ("OUTREACH_MICROSOFT_TENANT", "", "default"),
    ]


@pytest.mark.parametrize(
    ("url", "masked"),
    [
        ("postgresql://u:hunter2@h/db", f"postgresql://u:{MASK}@h/db"),
        (
            "postgresql+psycopg://outreach:p%40ss@db.glowlab.example:5432/outreach",
            f"postgresql+psycopg://outreach:{MASK}@db.glowlab.example:5432/outreach",
        ),
        ("postgresql://outreach@db/outreach", "postgresql://outreach@db/outreach"),
        ("sqlite:////srv/glowlab/outreach.db", "sqlite:////srv/glowlab/outreach.db"),
        ("not a url at all", MASK),
    ],
)
def test_masked_database_url_hides_only_the_password(url: str, masked: str) -> None:
    assert masked_database_url(url) == masked


def test_a_secret_never_shows_its_value() -> None:
    secret = Secret(PASSWORD)
    assert (repr(secret), str(secret), f"{secret}", f"{secret!r}") == (MASK, MASK, MASK, MASK)


def test_a_secret_reveals_its_value_on_request() -> None:
    assert Secret(PASSWORD).reveal() == PASSWORD


def test_secrets_compare_by_value() -> None:
    assert Secret(PASSWORD) == Secret(PASSWORD)
    assert Secret(PASSWORD) != Secret("another")
    assert Secret(PASSWORD) != PASSWORD


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("postgresql://u:pa@ss9w0rd@127.0.0.1:1/db", "postgresql://u:********@127.0.0.1:1/db"),
        ("postgresql://u@h/db?password=qsecretq", "postgresql://u@h/db?password=********"),
        ("postgresql+psycopg://app:s3@h:5432/o?sslmode=require",
         "postgresql+psycopg://app:********@h:5432/o?sslmode=require"),
        ("sqlite:////srv/glowlab/outreach.db", "sqlite:////srv/glowlab/outreach.db"),
    ],
)  # fmt: skip
def test_database_urls_are_shown_without_any_part_of_a_password(url: str, shown: str) -> None:
    assert masked_database_url(url) == shown


def test_a_driver_message_is_scrubbed_of_every_piece_of_the_password() -> None:
    url = "postgresql://u:pa@ss9w0rd@127.0.0.1:1/db"
    message = "failed to resolve host 'ss9w0rd@127.0.0.1'"

    assert scrub(message, url_secrets(url)) == "failed to resolve host '********@127.0.0.1'"


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("IMAP_PROCESSED_FOLDER", "INBOX", "is not a folder to move mail to"),
        ("IMAP_PROCESSED_FOLDER", "Proc*", "is not a folder to move mail to"),
        ("RETURN_PATH", "bounces+x@glowlab.example", "must not contain '+'"),
        ("RETURN_PATH", "not an address", "is not a valid address"),
        ("RIGHTS_WARN_DAYS", "-3", "is not a number of days"),
        ("DIGEST_AT", "25:00", "is not a time of day"),
        ("DIGEST_AT", "8am", "is not a time of day"),
        ("TIMEZONE", "Mars/Olympus", "is not a time zone"),
        ("DIGEST_TO", "brand@", "is not a valid address"),
        ("INBOX_FRESH_MINUTES", "0", "is not a number of minutes (1-1440)"),
        ("INBOX_FRESH_MINUTES", "ten", "is not a number of minutes (1-1440)"),
    ],
)
def test_reply_and_report_settings_are_checked(key: str, value: str, message: str) -> None:
    with pytest.raises(SettingsError) as caught:
        load_settings(WORKSPACE, {f"OUTREACH_{key}": value}, {f"OUTREACH_{key}": ENV_FILE})
    assert f"OUTREACH_{key} (from {ENV_FILE})" in str(caught.value)
    assert message in str(caught.value)


def test_reply_and_report_settings_are_read() -> None:
    settings = load_settings(
        WORKSPACE,
        {
            "OUTREACH_IMAP_PROCESSED_FOLDER": "Outreach/Processed",
            "OUTREACH_RETURN_PATH": "Bounces@Glowlab.example",
            "OUTREACH_RIGHTS_WARN_DAYS": "30",
            "OUTREACH_DIGEST_TO": "team@glowlab.example",
            "OUTREACH_DIGEST_AT": "8:30",
            "OUTREACH_TIMEZONE": "Asia/Tokyo",
            "OUTREACH_INBOX_FRESH_MINUTES": "30",
        },
    )
    assert settings.inbox_fresh_minutes == 30
    assert settings.imap_processed_folder == "Outreach/Processed"
    assert settings.return_path == "bounces@glowlab.example"
    assert settings.rights_warn_days == 30
    assert settings.digest_to == "team@glowlab.example"
    assert settings.digest_at == "08:30"
    assert settings.timezone == "Asia/Tokyo"


def test_the_sample_env_file_names_every_setting() -> None:
    sample = (Path(__file__).resolve().parents[2] / ".env.example").read_text(encoding="utf-8")

    missing = [
        key for key in KNOWN_KEYS if key != "WORKSPACE" and f"# OUTREACH_{key}=" not in sample
    ]

    assert missing == []


def test_oauth_apps_are_read_and_their_secret_is_masked() -> None:
    settings = load_settings(WORKSPACE, {
        "OUTREACH_GOOGLE_CLIENT_ID": "123.apps.example", "OUTREACH_GOOGLE_CLIENT_SECRET": "gsecret",
        "OUTREACH_MICROSOFT_CLIENT_ID": "abcd-ef", "OUTREACH_MICROSOFT_TENANT": "organizations",
    })  # fmt: skip

    google, microsoft = settings.oauth_clients["gmail"], settings.oauth_clients["microsoft"]
    assert google.client_id == "123.apps.example" and google.client_secret is not None
    assert "gsecret" not in repr(settings) and "gsecret" not in repr(google)
    assert (microsoft.client_id, microsoft.tenant) == ("abcd-ef", "organizations")
    assert "gsecret" not in str(describe(settings))
    secret_only = settings_error({"OUTREACH_GOOGLE_CLIENT_SECRET": "gsecret"})
    assert "without OUTREACH_GOOGLE_CLIENT_ID" in secret_only and "gsecret" not in secret_only
    assert "is not a tenant" in settings_error({"OUTREACH_MICROSOFT_TENANT": "a/b"})


def test_a_one_click_link_needs_https_and_a_long_secret() -> None:
    secret = "s" * 32
    ok = load_settings(WORKSPACE, {"OUTREACH_UNSUBSCRIBE_URL": "https://glowlab.example/u",
                                   "OUTREACH_UNSUBSCRIBE_SECRET": secret})  # fmt: skip
    assert ok.unsubscribe_url == "https://glowlab.example/u" and secret not in repr(ok)
    plain = settings_error({"OUTREACH_UNSUBSCRIBE_URL": "http://glowlab.example/u",
                            "OUTREACH_UNSUBSCRIBE_SECRET": secret})  # fmt: skip
    assert "must be an https:// address" in plain
    alone = settings_error({"OUTREACH_UNSUBSCRIBE_URL": "https://glowlab.example/u"})
    assert "needs OUTREACH_UNSUBSCRIBE_SECRET" in alone
    short = settings_error({"OUTREACH_UNSUBSCRIBE_SECRET": "short"})
    assert "at least 32 characters" in short and "'short'" not in short  # never echoed
