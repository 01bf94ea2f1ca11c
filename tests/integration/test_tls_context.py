"""The shared TLS context: built once, and trusting exactly what SSL_CERT_FILE says each time."""

from __future__ import annotations

import asyncio
import ssl

import aiosmtplib
import pytest

from outreach.adapters.smtp_transport import smtp_client
from outreach.adapters.tls import default_tls_context
from outreach.settings import MailServer, Security
from tests.smtp_server import SmtpTestServer


def _greeting_over_starttls(server: SmtpTestServer) -> str:
    """Connect with the app's SMTP client (STARTTLS, verifying), return the EHLO answer
    given over the secured connection."""

    async def connect() -> str:
        client = smtp_client(MailServer(server.host, server.port, None, None, Security.STARTTLS))
        await client.connect()
        try:
            assert client.get_transport_info("sslcontext") is default_tls_context()
            return (await client.ehlo()).message
        finally:
            client.close()

    return asyncio.run(connect())


def test_one_context_serves_every_connection_while_the_trusted_certificates_stay() -> None:
    assert default_tls_context() is default_tls_context()
    assert default_tls_context().verify_mode is ssl.CERT_REQUIRED
    assert default_tls_context().check_hostname


def test_trust_follows_ssl_cert_file_although_the_context_is_shared(
    smtp_server: SmtpTestServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    with pytest.raises((ssl.SSLError, aiosmtplib.SMTPException)):
        _greeting_over_starttls(smtp_server)  # the test CA is not a system certificate

    monkeypatch.setenv("SSL_CERT_FILE", str(smtp_server.ca_cert_path))
    assert "AUTH" in _greeting_over_starttls(smtp_server)
    trusting = default_tls_context()

    monkeypatch.delenv("SSL_CERT_FILE")
    with pytest.raises((ssl.SSLError, aiosmtplib.SMTPException)):
        _greeting_over_starttls(smtp_server)  # the context that trusted it is not reused
    assert default_tls_context() is not trusting
