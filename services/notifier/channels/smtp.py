"""Sending one multipart mail (plain text + HTML) over SMTP, optionally with STARTTLS and login."""
from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from email.utils import make_msgid

from shared.platform.config import Settings

from services.notifier.channels import SendError


def build(settings: Settings, *, to: str, subject: str, text: str, html: str, message_key: str,
          lang: str) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = settings.smtp_from
    msg["To"] = to
    msg["Subject"] = subject
    msg["Message-ID"] = make_msgid(domain=settings.smtp_from.rpartition("@")[2] or "tanggap")
    msg["X-Tanggap-Delivery"] = message_key
    msg.set_content(text)
    msg.add_alternative(html, subtype="html")
    msg["Content-Language"] = lang  # after the body: set_content drops Content-* headers
    return msg


def send(settings: Settings, msg: EmailMessage) -> None:
    try:
        with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=settings.smtp_timeout_s) as smtp:
            if settings.smtp_starttls == "true":
                smtp.starttls(context=ssl.create_default_context())
            if settings.smtp_username:
                smtp.login(settings.smtp_username, settings.smtp_password)
            smtp.send_message(msg)
    except smtplib.SMTPResponseException as exc:
        raise SendError(f"SMTP {exc.smtp_code}") from None
    except (smtplib.SMTPException, OSError) as exc:
        raise SendError(f"SMTP {type(exc).__name__}") from None
