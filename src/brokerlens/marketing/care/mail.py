"""Sending care e-mails through an SMTP relay (settings `BROKERLENS_SMTP_*`).

One connection for a batch; each message's outcome is reported, never raised: a refused
connection, a TLS failure or a rejected recipient becomes that message's error text (what the
outbox shows as the reason it failed), so a sender's run always finishes.
"""

from __future__ import annotations

import smtplib
from collections.abc import Sequence
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from brokerlens.config import Settings
from brokerlens.errors import ConfigError


@dataclass(frozen=True)
class Mail:
    message_id: int
    to: str
    subject: str
    body: str


@dataclass(frozen=True)
class Outcome:
    message_id: int
    error: str | None  # None: the server accepted it


@dataclass(frozen=True)
class Smtp:
    host: str
    port: int
    sender: str
    tls: bool
    timeout: float

    @property
    def where(self) -> str:
        return f"{self.host}:{self.port}"


def smtp_of(settings: Settings) -> Smtp:
    """The relay from the settings, or ConfigError naming the setting that is missing."""
    if not settings.smtp_host:
        raise ConfigError(
            "e-mail sending is not set up: BROKERLENS_SMTP_HOST is empty",
            hint="set BROKERLENS_SMTP_HOST, BROKERLENS_SMTP_PORT and BROKERLENS_SMTP_SENDER "
            "(BROKERLENS_SMTP_TLS=true for STARTTLS) and try again",
        )
    if not settings.smtp_sender or "@" not in settings.smtp_sender:
        raise ConfigError(
            "e-mail sending is not set up: BROKERLENS_SMTP_SENDER must be an e-mail address",
            hint="set BROKERLENS_SMTP_SENDER, e.g. care@broker.example.com",
        )
    return Smtp(
        settings.smtp_host,
        settings.smtp_port,
        settings.smtp_sender,
        settings.smtp_tls,
        settings.smtp_timeout,
    )


def compose(smtp: Smtp, mail: Mail) -> EmailMessage:
    message = EmailMessage()
    message["From"] = smtp.sender
    message["To"] = mail.to
    message["Subject"] = mail.subject
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain=smtp.sender.rsplit("@", 1)[1])
    message.set_content(mail.body, charset="utf-8")
    return message


def send_mails(smtp: Smtp, mails: Sequence[Mail]) -> list[Outcome]:
    """Send each mail; one outcome per mail, in order."""
    if not mails:
        return []
    try:
        client = _connect(smtp)
    except (OSError, smtplib.SMTPException) as exc:
        why = f"cannot send through the SMTP server {smtp.where}: {_reason(exc)}"
        return [Outcome(m.message_id, why) for m in mails]
    outcomes: list[Outcome] = []
    try:
        for mail in mails:
            try:
                client.send_message(compose(smtp, mail))
                outcomes.append(Outcome(mail.message_id, None))
            except smtplib.SMTPServerDisconnected as exc:
                why = f"the SMTP server {smtp.where} closed the connection: {_reason(exc)}"
                done = {o.message_id for o in outcomes}
                outcomes += [Outcome(m.message_id, why) for m in mails if m.message_id not in done]
                return outcomes
            except (OSError, smtplib.SMTPException, ValueError) as exc:
                outcomes.append(Outcome(mail.message_id, f"refused: {_reason(exc)}"))
    finally:
        try:
            client.quit()
        except (OSError, smtplib.SMTPException):
            client.close()
    return outcomes


def _connect(smtp: Smtp) -> smtplib.SMTP:
    client = smtplib.SMTP(smtp.host, smtp.port, timeout=smtp.timeout)
    try:
        client.ehlo()
        if smtp.tls:
            client.starttls()
            client.ehlo()
    except BaseException:
        client.close()
        raise
    return client


def _reason(exc: BaseException) -> str:
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [
            f"{code} {text.decode('utf-8', 'replace')}" for code, text in exc.recipients.values()
        ]
        return "recipient refused (" + "; ".join(codes) + ")"
    if isinstance(exc, smtplib.SMTPResponseException):
        return f"{exc.smtp_code} {_text(exc.smtp_error)}"
    if isinstance(exc, ConnectionRefusedError):
        return "connection refused (is the server running, and is the port right?)"
    return str(exc) or exc.__class__.__name__


def _text(value: bytes | str) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else value
