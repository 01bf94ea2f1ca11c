"""The verifying TLS client context every SMTP and IMAP connection shares."""

from __future__ import annotations

import os
import ssl
from functools import cache


def default_tls_context() -> ssl.SSLContext:
    """What `ssl.create_default_context()` gives, built once per set of trusted certificates.

    Loading the system's certificates takes tens of milliseconds, which every connection paid
    (each inbox read, each SMTP session); one context secures any number of connections and
    nothing here changes it. SSL_CERT_FILE and SSL_CERT_DIR choose the certificates OpenSSL
    loads, so other values get a context of their own.
    """
    return _context_trusting(os.environ.get("SSL_CERT_FILE"), os.environ.get("SSL_CERT_DIR"))


@cache
def _context_trusting(cert_file: str | None, cert_dir: str | None) -> ssl.SSLContext:
    # The arguments only key the cache: OpenSSL reads the same variables itself.
    return ssl.create_default_context()
