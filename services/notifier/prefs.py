"""A supervisor's notification preferences, with the defaults for someone who set none."""
from __future__ import annotations

from dataclasses import dataclass

from services.notifier.models import NotificationPreferences


@dataclass(frozen=True)
class Prefs:
    email: bool = True
    webhook: bool = True
    webhook_url: str | None = None
    webhook_secret: str | None = None
    quiet_start: str | None = None
    quiet_end: str | None = None
    digest: bool = False


DEFAULT = Prefs()


def for_nip(nip: str | None) -> Prefs:
    doc = NotificationPreferences.head(nip) if nip else None
    if doc is None:
        return DEFAULT
    return Prefs(email=bool(doc.email), webhook=bool(doc.webhook), webhook_url=doc.webhook_url or None,
                 webhook_secret=doc.webhook_secret or None, quiet_start=doc.quiet_start, quiet_end=doc.quiet_end,
                 digest=bool(doc.digest))
