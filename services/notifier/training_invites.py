"""Inviting training participants to the level-1 reaction survey, and one reminder.

Run by the scheduler with its clock. A programme that has ended (its last day is past, in the
configured zone, within the last 60 days) gets, for each participant, an inbox item and an
e-mail with their personal link; five working days after the end, those who have not answered
get one reminder. Each is a delivery claimed under its key, so nobody hears twice. Programmes
and answers are the survey service's records, read here.
"""
from __future__ import annotations

import logging
from collections import Counter
from datetime import date, datetime, timedelta

from markupsafe import escape

from shared.domain import complaints, workdays
from shared.platform.config import Settings
from shared.records.trainings import TrainingProgramme, TrainingReaction, reaction_key, reaction_url

from services.notifier import deliveries, delivery_timing, notify
from services.notifier.models import Delivery

log = logging.getLogger(__name__)
LOOKBACK_DAYS = 60
REMIND_AFTER_WORKING_DAYS = 5


def tick(settings: Settings, now: datetime) -> Counter:
    counts: Counter = Counter()
    today = complaints.local_day(now, settings.timezone)
    for programme in TrainingProgramme.heads():
        end = date.fromisoformat(programme.end)
        if not programme.active or not (today - timedelta(days=LOOKBACK_DAYS) <= end < today):
            continue
        remind = workdays.working_days_between(end, today, settings.holiday_dates) >= REMIND_AFTER_WORKING_DAYS
        answered = {r.id for r in TrainingReaction.objects(programme=programme.code).only("id")}
        for nip in programme.participants or []:
            counts["training_invited"] += _tell(settings, programme, nip, "invite", now)
            if remind and reaction_key(settings, programme.code, nip) not in answered:
                counts["training_reminded"] += _tell(settings, programme, nip, "reminder", now)
    return Counter({k: v for k, v in counts.items() if v})


def _tell(settings: Settings, programme: TrainingProgramme, nip: str, what: str, now: datetime) -> int:
    who = notify.recipient(settings, nip)
    case = f"training:{programme.code}"
    event = f"reaction-{what}"
    if Delivery.objects(pk=deliveries.key_of(case, event, "inbox", who.key)).only("key").first() is not None:
        return 0
    link = reaction_url(settings, programme.code, nip)
    claimed = deliveries.claim(Delivery(key=deliveries.key_of(case, event, "inbox", who.key), case_id=case,
                                        event=event, channel="inbox", recipient=who.key, subject=case,
                                        created_at=now, status="sent", sent_at=now, content={"url": link}))
    if claimed and who.prefs.email and who.email:
        en = who.lang == "en"
        title = (("Reminder: " if what == "reminder" else "") + "How was the training " if en else
                 ("Pengingat: " if what == "reminder" else "") + "Bagaimana pelatihan ") + programme.name + "?"
        intro = ("Please rate it (six questions, two minutes). Results are shown per programme only, with at least "
                 "three participants." if en else "Mohon beri penilaian (enam pertanyaan, dua menit). Hasilnya hanya "
                 "ditampilkan per program, dengan paling sedikit tiga peserta.")
        held = delivery_timing.quiet_until(now, settings.timezone, who.prefs.quiet_start, who.prefs.quiet_end)
        deliveries.claim(Delivery(
            key=deliveries.key_of(case, event, "email", who.key), case_id=case, event=event, channel="email",
            recipient=who.key, subject=case, created_at=now, status="pending", next_at=held or now,
            content={"to": who.email, "subject": f"[Tanggap] {title}", "lang": who.lang,
                     "text": f"{title}\n\n{intro}\n\n{link}\n",
                     "html": f"<h1>{escape(title)}</h1><p>{escape(intro)}</p>"
                             f"<p><a href=\"{escape(link)}\">{escape(link)}</a></p>"}))
    return int(claimed)
