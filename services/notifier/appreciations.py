"""Appreciations (apresiasi): outstanding work a recognition rule found, told to the
employee's supervisor as good news, not as a case to act on.

A ``recognition.granted`` event is stored once (keyed by its case id, inserted by the worker
owning the subject's partition, never changed), routed like a case (the direct supervisor,
else the unit head, else the administrator) and told in the inbox and by e-mail. Nothing is
acknowledged, escalated or closed. The supervisor's inbox lists the appreciations of their
team; the employee reads their own on ``/me/pembinaan``.
"""
from __future__ import annotations

import logging
from datetime import datetime

from markupsafe import escape
from mongoengine import DateTimeField, DictField, Document, StringField
from mongoengine.errors import NotUniqueError

from shared.contracts.events import Event
from shared.platform.auth import ADMIN, Principal
from shared.platform.config import Settings
from shared.records.directory import Employee, team

from services.notifier import deliveries, delivery_timing, notify, routing
from services.notifier.models import Delivery

log = logging.getLogger(__name__)


class Appreciation(Document):
    meta = {"collection": "notifier_appreciations", "indexes": ["subject", "recipient_nip", "-received_at"]}
    case_id = StringField(primary_key=True, max_length=300)
    rule = StringField(required=True)
    subject = StringField(required=True)     # the employee's NIP
    unit = StringField()
    period = StringField(required=True)
    summary = DictField()
    evidence = DictField()
    received_at = DateTimeField(required=True)
    recipient_nip = StringField()            # None: the administrator
    route_reason = StringField()


def _dt(value) -> datetime:
    return value if isinstance(value, datetime) else datetime.fromisoformat(str(value).replace("Z", "+00:00"))


def received(settings: Settings, event: Event, now: datetime, directory: routing.Directory) -> str:
    p = event.payload
    found = Appreciation.objects(pk=p["case_id"]).first()
    if found is None:
        route = routing.first_assignee(directory, "employee", p["subject"], p.get("unit"))
        found = Appreciation(case_id=p["case_id"], rule=p["rule"], subject=p["subject"], unit=p.get("unit"),
                             period=p["period"], summary=p["summary"], evidence=p["evidence"], received_at=now,
                             recipient_nip=route.nip, route_reason=route.reason)
        try:
            found.save(force_insert=True)
        except NotUniqueError:
            found = Appreciation.objects(pk=p["case_id"]).get()
    tell(settings, found, now)
    return "appreciated"


def tell(settings: Settings, item: Appreciation, now: datetime) -> None:
    """The supervisor's inbox item and mail (each claimed once under its key)."""
    who = notify.recipient(settings, item.recipient_nip)
    person = Employee.head(item.subject)
    name = person.name if person else f"NIP {item.subject}"
    url = f"{settings.notifier_public_url.rstrip('/')}/inbox#apresiasi"
    inbox = Delivery(key=deliveries.key_of(item.case_id, "appreciation", "inbox", who.key), case_id=item.case_id,
                     event="appreciation", channel="inbox", recipient=who.key, subject=item.subject, created_at=now,
                     status="sent", sent_at=now, content={"reason": item.route_reason})
    deliveries.claim(inbox)
    if who.prefs.email and who.email:
        en = who.lang == "en"
        summary = (item.summary or {}).get(who.lang) or (item.summary or {}).get("id") or item.rule
        subject = f"[Tanggap] {'Recognition' if en else 'Apresiasi'}: {name}"
        nudge = ("Worth telling them: good work seen is good work repeated." if en else
                 "Sampaikan kepadanya: kerja baik yang dilihat akan diulang.")
        text = f"{subject}\n\n{summary}\n{'Period' if en else 'Periode'}: {item.period}\n\n{nudge}\n{url}\n"
        html = (f"<h1>{escape(subject)}</h1><p>{escape(summary)}</p><p>{'Period' if en else 'Periode'}: "
                f"{escape(item.period)}</p><p><a href=\"{escape(url)}\">{escape(url)}</a></p>")
        held = delivery_timing.quiet_until(now, settings.timezone, who.prefs.quiet_start, who.prefs.quiet_end)
        mail = Delivery(key=deliveries.key_of(item.case_id, "appreciation", "email", who.key), case_id=item.case_id,
                        event="appreciation", channel="email", recipient=who.key, subject=item.case_id,
                        created_at=now, status="pending", next_at=held or now,
                        content={"to": who.email, "subject": subject, "text": text, "html": html, "lang": who.lang})
        deliveries.claim(mail)


def visible(who: Principal) -> list[Appreciation]:
    """Admins: every one; a supervisor: those about their team or told to them."""
    if who.has(ADMIN):
        return list(Appreciation.objects.order_by("-received_at"))
    if not who.nip:
        return []
    members = {e.nip for e in team(who.nip)}
    return [a for a in Appreciation.objects.order_by("-received_at")
            if (a.subject in members or a.recipient_nip == who.nip) and a.subject != who.nip]


def own(nip: str) -> list[Appreciation]:
    return list(Appreciation.objects(subject=nip).order_by("-received_at"))
