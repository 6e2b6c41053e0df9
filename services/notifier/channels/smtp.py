"""Sending one multipart mail (plain text + HTML) over SMTP, optionally with STARTTLS and login."""
from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from email.utils import make_msgid

from shared.platform.config import Settings

from services.notifier.channels import SendError
from services.notifier.channels.deadline import Deadline


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
    """Send ``msg``; the whole exchange (connect to the server's final answer) within the SMTP timeout."""
    limit = settings.smtp_timeout_s
    with Deadline(limit) as deadline:
        smtp = smtplib.SMTP(timeout=limit)
        try:
            smtp.connect(settings.smtp_host, settings.smtp_port)
            if smtp.sock is not None:
                deadline.watch(smtp.sock)
            if settings.smtp_starttls == "true":
                smtp.starttls(context=ssl.create_default_context())
                if smtp.sock is not None:
                    deadline.watch(smtp.sock)  # the TLS socket took the plain one over
            if settings.smtp_username:
                smtp.login(settings.smtp_username, settings.smtp_password)
            smtp.send_message(msg)
        except smtplib.SMTPResponseException as exc:
            raise SendError(f"SMTP {exc.smtp_code}") from None
        except Exception as exc:  # every transport and protocol failure is this attempt's failure
            if deadline.expired:
                raise SendError(f"SMTP deadline of {limit:g} s passed") from None
            raise SendError(f"SMTP {type(exc).__name__}") from None
        else:
            try:
                smtp.quit()  # the mail is accepted; a slow goodbye changes nothing
            except Exception:
                pass
        finally:
            smtp.close()
