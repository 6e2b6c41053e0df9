"""A real SMTP server on a free loopback port (aiosmtpd) that keeps what it receives."""
from __future__ import annotations

import asyncio
import email
import email.policy
import threading
from dataclasses import dataclass, field

from aiosmtpd.controller import Controller

from tests.support.processes import free_port


@dataclass
class Received:
    sender: str
    recipients: list[str]
    message: email.message.EmailMessage

    @property
    def subject(self) -> str:
        return str(self.message["Subject"])

    def part(self, subtype: str) -> str:
        body = self.message.get_body(preferencelist=(subtype,))
        return body.get_content() if body is not None else ""


@dataclass
class MailSink:
    messages: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    delay_s: float = 0.0  # a slow server: waits this long before accepting each message

    async def handle_DATA(self, server, session, envelope):
        if self.delay_s:
            await asyncio.sleep(self.delay_s)
        message = email.message_from_bytes(envelope.original_content or envelope.content, policy=email.policy.default)
        with self.lock:
            self.messages.append(Received(envelope.mail_from, list(envelope.rcpt_tos), message))
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[Received]:
        with self.lock:
            return [m for m in self.messages if address in m.recipients]

    def count(self) -> int:
        with self.lock:
            return len(self.messages)


class SmtpServer:
    """``login=(user, password)`` makes the server demand AUTH (over plain TCP: loopback tests only);
    ``delay_s`` makes it slow."""

    def __init__(self, login: tuple[str, str] | None = None, delay_s: float = 0.0):
        self.sink = MailSink(delay_s=delay_s)
        self.port = free_port()
        self.logins: list[str] = []
        options = {}
        if login:
            from aiosmtpd.smtp import AuthResult

            def authenticate(server, session, envelope, mechanism, auth_data):
                ok = (auth_data.login.decode(), auth_data.password.decode()) == login
                if ok:
                    self.logins.append(auth_data.login.decode())
                return AuthResult(success=ok)

            options = dict(authenticator=authenticate, auth_required=True, auth_require_tls=False)
        self.controller = Controller(self.sink, hostname="127.0.0.1", port=self.port, **options)

    def __enter__(self) -> SmtpServer:
        self.controller.start()
        return self

    def __exit__(self, *exc) -> None:
        self.controller.stop()
