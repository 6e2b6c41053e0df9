"""Telling people about complaint tickets: the unit's handlers (inbox, e-mail, webhook, with
their preferences: e-mail and webhook on or off, quiet hours; a ticket's mail is never
gathered into the daily digest, it carries a deadline) and the citizen who left an address
(the public answer by e-mail).

Each notification is a :class:`~.models.Delivery` claimed under its key, as for coaching
cases, so a redelivered event or a second scheduler tells nobody twice. The citizen's
address is never copied here: the delivery names the ticket, and the dispatcher opens the
sealed contact when it sends (a contact deleted meanwhile fails the delivery).
"""
from __future__ import annotations

import json
import logging
from datetime import datetime

from markupsafe import escape

from shared.domain import complaints
from shared.platform.config import Settings
from shared.records.complaints import tracking_url

from services.notifier import deliveries, delivery_timing, notify
from services.notifier.models import ComplaintTicket, Delivery

log = logging.getLogger(__name__)
CITIZEN = "citizen"
SUBJECTS = {
    "received": ("Pengaduan baru untuk unit Anda", "New complaint for your unit"),
    "forwarded": ("Pengaduan dialihkan ke unit Anda", "Complaint forwarded to your unit"),
    "reminder": ("Pengingat: batas waktu pengaduan sudah dekat", "Reminder: a complaint's deadline is near"),
    "escalated": ("Eskalasi: pengaduan melewati batas waktu", "Escalated: a complaint is overdue"),
}
DEADLINES = {"verify": ("verifikasi", "verification"), "answer": ("jawaban", "answer")}


def ticket_url(settings: Settings, ticket: str) -> str:
    return f"{settings.notifier_public_url.rstrip('/')}/pengaduan/{ticket}"


def _mail(kind: str, lang: str, ticket: ComplaintTicket, url: str, detail: str | None) -> dict:
    en = lang == "en"
    subject = f"[Tanggap] {SUBJECTS[kind][1 if en else 0]}: {ticket.ticket}"
    kind_label = complaints.KIND_LABELS.get(ticket.kind, (ticket.kind, ticket.kind))[1 if en else 0]
    lines = [subject, "", f"{'Kind' if en else 'Jenis'}: {kind_label}", f"Unit: {ticket.unit}"]
    if ticket.unsur:
        lines.append(f"{'Service element' if en else 'Unsur'}: {ticket.unsur}")
    if detail:
        lines.append(detail)
    lines += ["", ("Open the ticket: " if en else "Buka tiket: ") + url]
    text = "\n".join(lines) + "\n"
    html = "".join(f"<p>{escape(line)}</p>" for line in lines[2:-1] if line) + \
        f'<p><a href="{escape(url)}">{escape(url)}</a></p>'
    return {"subject": subject, "text": text, "html": f"<h1>{escape(subject)}</h1>{html}"}


def tell(settings: Settings, ticket: ComplaintTicket, event: str, nips: list[str | None], *, now: datetime,
         kind: str, detail: tuple[str, str] | None = None) -> list[Delivery]:
    """Claim the notifications of ``event`` (e.g. ``ticket-received``) for each of ``nips``
    (None: the administrator). ``kind`` picks the mail's subject; ``detail`` is (id, en)."""
    created = []
    url = ticket_url(settings, ticket.ticket)
    for nip in dict.fromkeys(nips):
        who = notify.recipient(settings, nip)

        def base(channel: str, who: notify.Recipient = who, **kw) -> Delivery:
            # subject: the ticket, so a ticket's mail never counts in a coaching case's cooldown
            return Delivery(key=deliveries.key_of(ticket.ticket, event, channel, who.key), case_id=ticket.ticket,
                            event=event, channel=channel, recipient=who.key, subject=ticket.ticket,
                            created_at=now, **kw)

        item = base("inbox", status="sent", sent_at=now, content={"ticket": ticket.ticket})
        if deliveries.claim(item):
            created.append(item)
        if who.prefs.email and who.email:
            text = detail[1] if detail and who.lang == "en" else detail[0] if detail else None
            mail = dict(_mail(kind, who.lang, ticket, url, text), to=who.email, lang=who.lang)
            held = delivery_timing.quiet_until(now, settings.timezone, who.prefs.quiet_start, who.prefs.quiet_end)
            item = base("email", content=mail, status="pending", next_at=held or now,
                        reason="quiet hours" if held else None)
            if deliveries.claim(item):
                created.append(item)
        hook = who.prefs.webhook_url or settings.webhook_url
        if who.prefs.webhook and hook:
            key = deliveries.key_of(ticket.ticket, event, "webhook", who.key)
            body = json.dumps({"delivery_id": key, "event": event, "ticket": ticket.ticket, "unit": ticket.unit,
                               "kind": ticket.kind, "unsur": ticket.unsur, "recipient": who.key, "url": url,
                               "created_at": now.isoformat()}, ensure_ascii=False, separators=(",", ":"),
                              sort_keys=True)
            item = base("webhook", status="pending", next_at=now,
                        target=who.nip if who.prefs.webhook_url else "global", content={"url": hook, "body": body})
            if deliveries.claim(item):
                created.append(item)
    if created:
        log.info("ticket notifications claimed", extra={"ticket": ticket.ticket, "event": event,
                                                        "channels": sorted({d.channel for d in created})})
    return created


def mail_citizen(settings: Settings, ticket: str, reply: str, lang: str, now: datetime,
                 original: str | None = None) -> bool:
    """Claim the mail of the unit's public answer to the citizen of ``ticket`` (sent only if
    they left an address: the dispatcher opens it at sending time)."""
    en = lang == "en"
    url = tracking_url(settings, ticket)
    subject = f"[Tanggap] {'The answer to your ticket' if en else 'Jawaban atas tiket Anda'} {ticket}"
    intro = ("The unit has answered your complaint:" if en else "Unit telah menjawab pengaduan Anda:")
    if original:
        intro = (f"Your ticket was the same as {original}, which the unit has answered:" if en else
                 f"Tiket Anda sama dengan {original}, yang telah dijawab unit:")
    follow = ("Follow the ticket: " if en else "Lacak tiket: ") + url
    text = f"{subject}\n\n{intro}\n\n{reply}\n\n{follow}\n"
    html = (f"<h1>{escape(subject)}</h1><p>{escape(intro)}</p><p style=\"white-space:pre-wrap\">{escape(reply)}</p>"
            f'<p><a href="{escape(url)}">{escape(url)}</a></p>')
    item = Delivery(key=deliveries.key_of(ticket, "ticket-answered", "email", CITIZEN), case_id=ticket,
                    event="ticket-answered", channel="email", recipient=CITIZEN, subject=ticket, created_at=now,
                    status="pending", next_at=now,
                    content={"to_ticket": ticket, "subject": subject, "text": text, "html": html, "lang": lang})
    return deliveries.claim(item)
