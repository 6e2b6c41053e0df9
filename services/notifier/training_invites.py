"""Inviting training participants to answer, and one reminder each: level 1 (reaction) once
the training has ended, level 3 (behaviour) months later, first the alumnus and, once the
alumnus has answered, their direct supervisor about them (as BPKP asks).

Run by the scheduler with its clock, only while a survey's answer window is open
(:func:`shared.domain.training.reaction_window`, ``followup_window``). Each invitation and
reminder is a delivery claimed under its key (inbox and e-mail, each on its own), so nobody
hears twice; a reminder goes five working days after the invitation to those who have not
answered. No key or event name carries a NIP. Programmes and answers are the survey
service's records, read here.
"""
from __future__ import annotations

import logging
from collections import Counter
from datetime import date, datetime

from markupsafe import escape

from shared.domain import complaints, training, workdays
from shared.platform.config import Settings
from shared.records.directory import Employee
from shared.records.trainings import (
    TrainingFollowUp,
    TrainingProgramme,
    TrainingReaction,
    about_key,
    answer_id,
    followup_key,
    followup_url,
    reaction_key,
    reaction_url,
)

from services.notifier import deliveries, delivery_timing, notify
from services.notifier.models import Delivery

log = logging.getLogger(__name__)
REMIND_AFTER_WORKING_DAYS = 5


def tick(settings: Settings, now: datetime) -> Counter:
    counts: Counter = Counter()
    today = complaints.local_day(now, settings.timezone)
    for programme in TrainingProgramme.heads():
        if not programme.active:
            continue
        end = date.fromisoformat(programme.end)
        first, last = training.reaction_window(end, settings.holiday_dates)
        if first <= today <= last:
            counts += _reaction(settings, programme, today, now)
        first, last = training.followup_window(end, settings.training_followup_months, settings.holiday_dates)
        if first <= today <= last:
            counts += _followup(settings, programme, today, now)
    return Counter({k: v for k, v in counts.items() if v})


def _due(settings: Settings, since: date, today: date) -> bool:
    return workdays.working_days_between(since, today, settings.holiday_dates) >= REMIND_AFTER_WORKING_DAYS


def _reaction(settings: Settings, programme: TrainingProgramme, today: date, now: datetime) -> Counter:
    counts: Counter = Counter()
    answered = {r.id for r in TrainingReaction.objects(programme=programme.code).only("id")}
    case = f"training:{programme.code}"
    for nip in programme.participants or []:
        link = reaction_url(settings, programme.code, nip)
        counts["training_invited"] += _tell(settings, programme, nip, "reaction-invite", link, "reaction", now)
        invited = _sent_on(case, "reaction-invite", nip, settings)
        if (invited and _due(settings, invited, today)
                and answer_id(settings, reaction_key(settings, programme.code, nip)) not in answered):
            counts["training_reminded"] += _tell(settings, programme, nip, "reaction-reminder", link, "reaction", now)
    return counts


def _followup(settings: Settings, programme: TrainingProgramme, today: date, now: datetime) -> Counter:
    counts: Counter = Counter()
    answered = {f.id for f in TrainingFollowUp.objects(programme=programme.code).only("id")}
    case = f"training:{programme.code}"
    for nip in programme.participants or []:
        mine = answer_id(settings, followup_key(settings, programme.code, nip, "alumnus"))
        link = followup_url(settings, programme.code, nip, "alumnus")
        counts["followup_invited"] += _tell(settings, programme, nip, "followup-invite", link, "followup", now)
        invited = _sent_on(case, "followup-invite", nip, settings)
        if mine not in answered:
            if invited and _due(settings, invited, today):
                counts["followup_reminded"] += _tell(settings, programme, nip, "followup-reminder", link, "followup",
                                                     now)
            continue
        person = Employee.head(nip)
        boss = person.supervisor_nip if person else None
        if not boss or answer_id(settings, followup_key(settings, programme.code, nip, "supervisor")) in answered:
            continue
        event = f"followup-supervisor-{about_key(settings, programme.code, nip)}"   # never the NIP
        link = followup_url(settings, programme.code, nip, "supervisor")
        about = person.name if person else nip
        counts["followup_invited"] += _tell(settings, programme, boss, event, link, "supervisor", now, about=about)
        invited = _sent_on(case, event, boss, settings)
        if invited and _due(settings, invited, today):
            counts["followup_reminded"] += _tell(settings, programme, boss, f"{event}-reminder", link, "supervisor",
                                                 now, about=about)
    return counts


def _sent_on(case: str, event: str, nip: str, settings: Settings) -> date | None:
    found = Delivery.objects(pk=deliveries.key_of(case, event, "inbox", nip)).only("created_at").first()
    return complaints.local_day(found.created_at, settings.timezone) if found else None


TITLES = {"reaction": ("Bagaimana pelatihan {name}?", "How was the training {name}?"),
          "followup": ("Tiga bulan setelah {name}: apakah diterapkan?", "Months after {name}: is it applied?"),
          "supervisor": ("Apakah {about} menerapkan {name}?", "Does {about} apply {name}?")}
INTROS = {"reaction": ("Mohon beri penilaian (enam pertanyaan, dua menit). Hasilnya hanya ditampilkan per program, "
                       "dengan paling sedikit tiga peserta.", "Please rate it (six questions, two minutes). Results "
                       "are shown per programme only, with at least three participants."),
          "followup": ("Empat pertanyaan tentang penerapan di pekerjaan; atasan Anda akan ditanya hal yang sama "
                       "setelah Anda menjawab.", "Four questions about applying it at work; your supervisor is asked "
                       "the same after you answer."),
          "supervisor": ("Empat pertanyaan tentang penerapan pelatihan oleh anggota tim Anda; hasilnya hanya per "
                         "program.", "Four questions about how your team member applies the training; results are "
                         "per programme only.")}


def _tell(settings: Settings, programme: TrainingProgramme, nip: str, event: str, link: str, kind: str,
          now: datetime, about: str | None = None) -> int:
    who = notify.recipient(settings, nip)
    case = f"training:{programme.code}"
    wants_mail = bool(who.prefs.email and who.email)
    have = {d.channel for d in Delivery.objects(pk__in=[deliveries.key_of(case, event, c, who.key)
                                                        for c in ("inbox", "email")]).only("channel")}
    if "inbox" in have and ("email" in have or not wants_mail):
        return 0
    inbox = Delivery(key=deliveries.key_of(case, event, "inbox", who.key), case_id=case, event=event,
                     channel="inbox", recipient=who.key, subject=case, created_at=now, status="sent", sent_at=now,
                     content={"url": link})
    claimed = "inbox" not in have and deliveries.claim(inbox)
    if wants_mail and "email" not in have:   # claimed on its own: a stop between the two claims loses nothing
        en = who.lang == "en"
        title = TITLES[kind][1 if en else 0].format(name=programme.name, about=about or "")
        if event.endswith("reminder"):
            title = ("Reminder: " if en else "Pengingat: ") + title
        intro = INTROS[kind][1 if en else 0]
        held = delivery_timing.quiet_until(now, settings.timezone, who.prefs.quiet_start, who.prefs.quiet_end)
        deliveries.claim(Delivery(
            key=deliveries.key_of(case, event, "email", who.key), case_id=case, event=event, channel="email",
            recipient=who.key, subject=case, created_at=now, status="pending", next_at=held or now,
            content={"to": who.email, "subject": f"[Tanggap] {title}", "lang": who.lang,
                     "text": f"{title}\n\n{intro}\n\n{link}\n",
                     "html": f"<h1>{escape(title)}</h1><p>{escape(intro)}</p>"
                             f"<p><a href=\"{escape(link)}\">{escape(link)}</a></p>"}))
    return int(claimed)
