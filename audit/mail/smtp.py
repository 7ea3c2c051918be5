"""The SMTP server named by AUDIT_SMTP_URL, and sending one message through it (stdlib only)."""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from email.message import EmailMessage
from urllib.parse import unquote, urlsplit

TIMEOUT = 20  # seconds for connecting and for each reply


@dataclass(frozen=True)
class Server:
    """Where to send: host and port, TLS from the start (smtps) or not, and a login."""

    host: str
    port: int
    tls: bool = False
    user: str | None = None
    password: str | None = None


def parse(url: str) -> Server:
    """smtp://host:port or smtps://user:pass@host:465 -> Server; ValueError says what is wrong."""
    parts = urlsplit(url)
    if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
        raise ValueError(f"AUDIT_SMTP_URL={url!r}: expected smtp://host:port or "
                         "smtps://user:password@host:465")
    tls = parts.scheme == "smtps"
    return Server(host=parts.hostname, port=parts.port or (465 if tls else 25), tls=tls,
                  user=unquote(parts.username) if parts.username else None,
                  password=unquote(parts.password) if parts.password else None)


@contextmanager
def connect(server: Server) -> Iterator[smtplib.SMTP]:
    """An open, logged-in connection; STARTTLS when a plain server offers it."""
    context = ssl.create_default_context()
    if server.tls:
        conn: smtplib.SMTP = smtplib.SMTP_SSL(server.host, server.port, timeout=TIMEOUT,
                                              context=context)
    else:
        conn = smtplib.SMTP(server.host, server.port, timeout=TIMEOUT)
    try:
        conn.ehlo()
        if not server.tls and conn.has_extn("starttls"):
            conn.starttls(context=context)
            conn.ehlo()
        if server.user:
            conn.login(server.user, server.password or "")
        yield conn
    finally:
        try:
            conn.quit()
        except (smtplib.SMTPException, OSError):
            conn.close()


def send(conn: smtplib.SMTP, message: EmailMessage) -> None:
    """Hand one message over; returns only once the server accepted it for every recipient."""
    refused = conn.send_message(message)
    if refused:
        raise smtplib.SMTPRecipientsRefused(refused)
