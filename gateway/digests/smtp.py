"""The SMTP transport of the digests: `RAPPORT_SMTP_URL`, stdlib smtplib run in a thread.

- `smtp://[user:password@]host[:port]` (port 25 by default): STARTTLS whenever the server offers
  it; with a user and password, STARTTLS is required (a password is never sent in clear).
- `smtps://[user:password@]host[:port]` (port 465 by default): TLS from the first byte.
- The user and password are percent-decoded (`%40` for an `@` in a user name).
"""

from __future__ import annotations

import asyncio
import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from urllib.parse import unquote, urlsplit

TIMEOUT_SECONDS = 30.0


class SmtpError(Exception):
    """A message could not be handed to the SMTP server (the delivery is retried)."""


@dataclass(frozen=True)
class SmtpTarget:
    tls: bool  # smtps: TLS from the start
    host: str
    port: int
    user: str | None
    password: str | None

    @classmethod
    def parse(cls, url: str) -> SmtpTarget:
        parts = urlsplit(url)
        if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
            raise ValueError("RAPPORT_SMTP_URL must be smtp://[user:password@]host[:port] or smtps://...")
        tls = parts.scheme == "smtps"
        return cls(tls=tls, host=parts.hostname, port=parts.port or (465 if tls else 25),
                   user=unquote(parts.username) if parts.username else None,
                   password=unquote(parts.password) if parts.password else None)

    def send_now(self, message: EmailMessage) -> None:
        """Hand `message` to the server (blocking); SmtpError when it cannot."""
        context = ssl.create_default_context()
        try:
            client = (smtplib.SMTP_SSL(self.host, self.port, timeout=TIMEOUT_SECONDS, context=context) if self.tls
                      else smtplib.SMTP(self.host, self.port, timeout=TIMEOUT_SECONDS))
            with client:
                client.ehlo()
                if not self.tls and client.has_extn("starttls"):
                    client.starttls(context=context)
                    client.ehlo()
                if self.user is not None:
                    if not self.tls and client.sock is not None and not isinstance(client.sock, ssl.SSLSocket):
                        raise SmtpError("the server offers no STARTTLS: the password is not sent in clear")
                    client.login(self.user, self.password or "")
                client.send_message(message)
        except (OSError, smtplib.SMTPException) as exc:
            raise SmtpError(f"{type(exc).__name__}: {exc}") from exc

    async def send(self, message: EmailMessage) -> None:
        await asyncio.to_thread(self.send_now, message)
