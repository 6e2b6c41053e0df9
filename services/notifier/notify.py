"""Turning "case X needs attention of recipient R" into deliveries, one per channel.

Channels per recipient: the in-app inbox always (it is where the case is handled); e-mail
when the recipient wants it and has an address (held until quiet hours end, gathered into
the daily digest when chosen, suppressed by the cooldown when the same recipient had a
mail about the same person recently); a webhook when the recipient wants it and a URL is
known (their own, else the global one). Each is claimed under its deduplication key.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from shared.platform.config import Settings

from services.notifier import deliveries, delivery_timing, messages, prefs
from services.notifier.models import Delivery, FollowUpCase

log = logging.getLogger(__name__)
ADMIN_RECIPIENT = "admin"


@dataclass(frozen=True)
class Recipient:
    key: str            # NIP, or "admin"
    nip: str | None
    email: str | None
    lang: str
    prefs: prefs.Prefs


def recipient(settings: Settings, nip: str | None) -> Recipient:
    if nip is None:
        return Recipient(ADMIN_RECIPIENT, None, settings.admin_email or None, "id", prefs.DEFAULT)
    from shared.records.directory import Employee
    person = Employee.head(nip)
    return Recipient(nip, nip, (person.email if person else None) or None, (person.lang if person else None) or "id",
                     prefs.for_nip(nip))


def subject_name(case: FollowUpCase) -> str | None:
    if case.subject_type != "employee":
        return None
    from shared.records.directory import Employee
    person = Employee.head(case.subject)
    return person.name if person else None


def inbox_url(settings: Settings, case_id: str | None) -> str:
    base = settings.notifier_public_url.rstrip("/")
    return f"{base}/inbox/{case_id}" if case_id else f"{base}/inbox"


def notify(settings: Settings, case: FollowUpCase, event: str, to_nip: str | None, *, now: datetime,
           assignee_kind: str = "supervisor", reason: str | None = None, follow_up: str | None = None,
           channels: tuple[str, ...] = ("inbox", "email", "webhook")) -> list[Delivery]:
    """Claim the deliveries of ``event`` (opened, closed, escalated-N, reminder-N) for ``to_nip``.

    Returns the deliveries created now (none when the event was handled before).
    """
    who = recipient(settings, to_nip)
    kind = event.split("-")[0]
    created = []
    link = inbox_url(settings, case.case_id)

    def base(channel: str, **kw) -> Delivery:
        return Delivery(key=deliveries.key_of(case.case_id, event, channel, who.key), case_id=case.case_id,
                        event=event, channel=channel, recipient=who.key, subject=case.subject, created_at=now, **kw)

    if "inbox" in channels:
        item = base("inbox", status="sent", sent_at=now, content={"reason": reason})
        if deliveries.claim(item):
            created.append(item)

    if "email" in channels and who.prefs.email and who.email and kind in messages.SUBJECT_LINES:
        key = deliveries.key_of(case.case_id, event, "email", who.key)
        if not Delivery.objects(pk=key).only("key").first():
            context = messages.case_context(case, who.lang, subject_name=subject_name(case), inbox_url=link)
            mail = dict(messages.case_mail(kind, who.lang, context, reason=reason, follow_up=follow_up),
                        to=who.email, lang=who.lang)
            item = base("email", content=mail, **_email_timing(settings, who, case, kind, now))
            if deliveries.claim(item):
                created.append(item)

    url = who.prefs.webhook_url or settings.webhook_url
    if "webhook" in channels and who.prefs.webhook and url:
        target = who.nip if who.prefs.webhook_url else "global"
        key = deliveries.key_of(case.case_id, event, "webhook", who.key)
        body = messages.webhook_body(event, case, recipient=who.key, assignee_kind=assignee_kind, reason=reason,
                                     inbox_url=link, delivery_id=key, created_at=now)
        item = base("webhook", status="pending", next_at=now, target=target, content={"url": url, "body": body})
        if deliveries.claim(item):
            created.append(item)
    if created:
        log.info("notifications claimed", extra={"case_id": case.case_id, "event": event,
                                                 "channels": [d.channel for d in created]})
    return created


def _email_timing(settings: Settings, who: Recipient, case: FollowUpCase, kind: str, now: datetime) -> dict:
    """Status and time of a new mail: cooldown, digest, quiet hours, or now."""
    if kind == "opened":
        since = now - timedelta(hours=settings.cooldown_hours)
        recent = Delivery.objects(channel="email", recipient=who.key, subject=case.subject, created_at__gte=since,
                                  status__in=("pending", "retrying", "sent", "digest")).only("key").first()
        if recent is not None:
            return {"status": "suppressed", "reason": f"cooldown: mailed about the same subject within "
                                                      f"{settings.cooldown_hours} h ({recent.key})"}
        if who.prefs.digest:
            return {"status": "digest", "mode": "digest",
                    "digest_day": delivery_timing.local_day(now, settings.timezone).isoformat(),
                    "reason": "daily digest"}
    held = delivery_timing.quiet_until(now, settings.timezone, who.prefs.quiet_start, who.prefs.quiet_end)
    if held is not None:
        return {"status": "pending", "next_at": held, "reason": "quiet hours"}
    return {"status": "pending", "next_at": now}


def send_digests(settings: Settings, now: datetime, lookback_days: int = 14) -> list[Delivery]:
    """Claim one digest mail per recipient and local day whose digest time has come."""
    groups: dict[tuple[str, str], list[Delivery]] = {}
    for d in Delivery.objects(mode="digest", created_at__gte=now - timedelta(days=lookback_days)):
        groups.setdefault((d.recipient, d.digest_day), []).append(d)
    created = []
    for (rcpt, day), items in sorted(groups.items()):
        if not delivery_timing.digest_due(date.fromisoformat(day), now, settings.timezone, settings.digest_hour):
            continue
        key = deliveries.key_of(None, f"digest-{day}", "email", rcpt)
        if Delivery.objects(pk=key).only("key").first():
            continue
        who = recipient(settings, None if rcpt == ADMIN_RECIPIENT else rcpt)
        if not who.email:
            continue
        cases = {c.case_id: c for c in FollowUpCase.objects(case_id__in=[d.case_id for d in items])}
        lines = [messages.case_context(cases[d.case_id], who.lang, subject_name=subject_name(cases[d.case_id]),
                                       inbox_url=inbox_url(settings, d.case_id))
                 for d in sorted(items, key=lambda d: d.created_at) if d.case_id in cases]
        mail = dict(messages.digest_mail(who.lang, day, lines), to=who.email, lang=who.lang,
                    cases=[d.case_id for d in items])
        held = delivery_timing.quiet_until(now, settings.timezone, who.prefs.quiet_start, who.prefs.quiet_end)
        item = Delivery(key=key, case_id=None, event=f"digest-{day}", channel="email", recipient=rcpt, created_at=now,
                        status="pending", next_at=held or now, content=mail,
                        reason="quiet hours" if held else None)
        if deliveries.claim(item):
            created.append(item)
    return created
