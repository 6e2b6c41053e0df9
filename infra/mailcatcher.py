"""The development mail catcher of `make up`: an SMTP server on 127.0.0.1 (aiosmtpd) that
delivers nothing and keeps every message in the database, where the notifier's development page
(/dev/surel) lists them. The notifier's e-mail channel points at it under `make up`, so a
newcomer sees the mails a case sends. It refuses to start with TANGGAP_ENV=production."""
from __future__ import annotations

import email
import email.policy
import os
import signal
import sys
import time
from datetime import UTC, datetime

DEFAULT_PORT = 2525


class Keep:
    """aiosmtpd handler: every message becomes one CaughtMail (insert only)."""

    async def handle_DATA(self, server, session, envelope):
        from shared.records.dev_mail import MAX_TEXT, CaughtMail
        message = email.message_from_bytes(envelope.original_content or envelope.content, policy=email.policy.default)
        body = message.get_body(preferencelist=("plain", "html"))
        text = body.get_content() if body is not None else ""
        CaughtMail(at=datetime.now(UTC), sender=str(envelope.mail_from)[:320],
                   recipients=[str(r)[:320].lower() for r in envelope.rcpt_tos][:50],
                   subject=str(message["Subject"] or "")[:1000], text=text[:MAX_TEXT]).save(force_insert=True)
        return "250 caught (development: not delivered)"


def main() -> int:
    from aiosmtpd.controller import Controller

    from shared.platform import db
    from shared.platform.config import Settings

    settings = Settings.from_env()
    if settings.env == "production":
        print("mail catcher: not with TANGGAP_ENV=production", file=sys.stderr)
        return 2
    db.connect(settings)
    port = int(os.environ.get("TANGGAP_MAIL_CATCHER_PORT") or DEFAULT_PORT)
    controller = Controller(Keep(), hostname="127.0.0.1", port=port)
    controller.start()
    print(f"mail catcher: smtp://127.0.0.1:{port}", flush=True)
    stopping = []
    signal.signal(signal.SIGTERM, lambda *_: stopping.append(True))
    try:
        while not stopping:
            time.sleep(0.5)
    except KeyboardInterrupt:
        pass
    finally:
        controller.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
