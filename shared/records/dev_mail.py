"""Mail caught by the development mail catcher of `make up` (infra/mailcatcher.py): insert
only, one document per message, written by the catcher alone and read by the notifier's
development page. Never used with TANGGAP_ENV=production (the catcher refuses to start there and
the page does not exist)."""
from __future__ import annotations

from mongoengine import DateTimeField, Document, ListField, StringField

MAX_TEXT = 100_000


class CaughtMail(Document):
    meta = {"collection": "dev_caught_mails", "indexes": ["-at"]}
    at = DateTimeField(required=True)
    sender = StringField(max_length=320)
    recipients = ListField(StringField(max_length=320))
    subject = StringField(max_length=1000)
    text = StringField(max_length=MAX_TEXT)
