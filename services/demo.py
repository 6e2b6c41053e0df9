"""Demo data for `make up`: a few units of a fictional regency, their services and staff,
web logins for the evaluation team, and this month's citizens' responses (idempotent).

The responses are stored exactly as the survey service stores them (response + outbox
event); the running relay publishes them and the aggregator worker folds them, so the
dashboard and the public results page have something to show a minute after `make up`.
Running it again in the same month adds nothing. The demo logins have published passwords,
so they are never created in production.
"""
from __future__ import annotations

import random
import uuid
from typing import Any

from shared.domain import berakhlak
from shared.domain.skm import UNSUR_CODES
from shared.platform import db
from shared.platform.clock import SystemClock
from shared.platform.config import Settings
from shared.platform.errors import ApiError
from shared.records.directory import Employee, Service, Unit

# (code, name, English, parent, head's NIP): two OPD with a unit below one of them
UNITS = [
    ("DISDUKCAPIL", "Dinas Kependudukan dan Pencatatan Sipil", "Population and Civil Registry Office", None,
     "197805122003121001"),
    ("UPT-DUKCAPIL-ANDIR", "UPT Dukcapil Kecamatan Andir", "Civil Registry counter, Andir District", "DISDUKCAPIL",
     None),
    ("DPMPTSP", "Dinas Penanaman Modal dan Pelayanan Terpadu Satu Pintu", "One-Stop Integrated Services Office", None,
     None),
    ("RSUD", "Rumah Sakit Umum Daerah", "Regional General Hospital", None, "198011042006041005"),
    ("KEC-ANDIR", "Kecamatan Andir", "Andir District Office", None, None),
]
SERVICES = [
    ("DISDUKCAPIL", "KTP", "Kartu Tanda Penduduk elektronik", "Electronic identity card"),
    ("DISDUKCAPIL", "KK", "Kartu Keluarga", "Family card"),
    ("DPMPTSP", "NIB", "Nomor Induk Berusaha", "Business identification number"),
    ("RSUD", "RAJAL", "Rawat jalan", "Outpatient care"),
]
# (NIP, name, unit, supervisor's NIP): fictional people
EMPLOYEES = [
    ("197805122003121001", "Budi Santoso", "DISDUKCAPIL", None),
    ("198403152009012002", "Siti Rahmawati", "DISDUKCAPIL", "197805122003121001"),
    ("199107202015031003", "Agus Setiawan", "DISDUKCAPIL", "198403152009012002"),
    ("199302112019022004", "Dewi Lestari", "DISDUKCAPIL", "198403152009012002"),
    ("198011042006041005", "Hendra Wijaya", "RSUD", None),
    ("199205302017082006", "Rina Marlina", "RSUD", "198011042006041005"),
]
# (user name, roles, NIP, password): documented in the README, development only
LOGINS = [
    ("evaluasi", ["evaluator"], None, "evaluasi-demo-2026"),
    ("admin", ["admin"], None, "admin-demo-2026"),
    ("kasi.disdukcapil", ["supervisor"], "198403152009012002", "atasan-demo-2026"),
    ("kadis.disdukcapil", ["supervisor"], "197805122003121001", "kepala-demo-2026"),
    ("kadis.rsud", ["supervisor"], "198011042006041005", "kepala-demo-2026"),
    ("agus.setiawan", ["employee"], "199107202015031003", "pegawai-demo-2026"),
    ("dewi.lestari", ["employee"], "199302112019022004", "pegawai-demo-2026"),
]
# (rater, ratee, score): this month's BerAKHLAK feedback, three raters for Agus (released), two
# for Dewi (not released: fewer than three)
PEER = [("198403152009012002", "199107202015031003", 4), ("199302112019022004", "199107202015031003", 5),
        ("197805122003121001", "199107202015031003", 4), ("198403152009012002", "199302112019022004", 3),
        ("199107202015031003", "199302112019022004", 4)]


def _email(name: str) -> str:
    """A demo address on the reserved example domain (RFC 2606): mail to it goes nowhere."""
    return ".".join(name.lower().split()) + "@pemda.example"


def _peer_feedback(settings: Settings, clock) -> int:
    """This month's demo peer feedback, stored as the survey service stores it (the same ids
    each time, so loading again adds nothing)."""
    from shared.domain.periods import month_of

    from services.survey.submissions import acceptance, peer_circle
    from services.survey.surveys import spec

    template = spec.BUILTIN_LATEST[spec.PEER_CODE]
    month = month_of(clock.now(), settings.timezone)
    added = 0
    for rater_nip, ratee_nip, score in PEER:
        rater, ratee = Employee.head(rater_nip), Employee.head(ratee_nip)
        if rater is None or ratee is None or not (rater.active and ratee.active):
            continue
        relation = peer_circle.relation(rater, ratee)
        if relation is None:
            continue   # an admin moved someone: their feedback no longer fits
        answers = dict.fromkeys(berakhlak.VALUE_CODES, score)
        doc = acceptance.peer_response({"ratee": ratee_nip, "answers": answers, "demo": True},
                                       response_id=str(uuid.uuid5(NAMESPACE, f"peer|{month}|{rater_nip}|{ratee_nip}")),
                                       template=template, answers=acceptance.checked(template, answers),
                                       rater_nip=rater_nip, ratee_nip=ratee_nip, ratee_unit=ratee.unit,
                                       relation=relation, settings=settings, clock=clock)
        try:
            added += acceptance.store(doc).created
        except ApiError as exc:   # already rated this month (through the portal): keep that one
            if exc.status != 409:
                raise
    return added
# unit -> (respondents, typical answer, spread, service, officer): a spread of grades A to D
RESPONSES = {
    "DISDUKCAPIL": (36, 3.2, 0.7, "KTP", "199107202015031003"),
    "DPMPTSP": (32, 3.7, 0.5, "NIB", None),
    "RSUD": (31, 2.7, 0.8, "RAJAL", "199205302017082006"),
    "KEC-ANDIR": (12, 2.3, 0.8, None, None),
    "UPT-DUKCAPIL-ANDIR": (14, 2.9, 0.7, None, None),
}
COMMENTS = ["Antrean cukup cepat, petugas ramah.", "Mohon ruang tunggu diberi kipas angin.",
            "Informasi persyaratan di website belum lengkap.", "Pelayanan sangat membantu, terima kasih."]
NAMESPACE = uuid.UUID("0d3c1a9e-5b7f-4f3e-9d7a-2f6b1c8e4a10")


def load(settings: Settings, echo=print) -> None:
    if settings.env == "production":
        # made-up people, ratings and responses never belong in a Pemda's real data
        echo("demo: not loaded (TANGGAP_ENV=production)")
        return
    db.connect(settings)
    clock = SystemClock()
    now = clock.now()
    for code, name, name_en, parent, head in UNITS:
        Unit.save_revision(code, {"name": name, "name_en": name_en, "parent": parent, "head_nip": head,
                                  "complaint_handlers": HANDLERS.get(code, [])}, at=now, by="demo")
    for unit, code, name, name_en in SERVICES:
        Service.save_revision(Service.ref_of(unit, code),
                              {"unit": unit, "code": code, "name": name, "name_en": name_en}, at=now, by="demo")
    for nip, name, unit, supervisor in EMPLOYEES:
        current = Employee.head(nip, include_deleted=True)
        if current is None:
            Employee.save_revision(nip, {"name": name, "unit": unit, "supervisor_nip": supervisor,
                                         "email": _email(name)}, at=now, by="demo")
        elif current.changed_by == "demo" and not current.email:   # a demo from before addresses
            Employee.save_revision(nip, {"email": _email(name)}, at=now, by="demo")
    logins = _logins(settings, now)
    added, lowest = _responses(settings, clock)
    rated = _peer_feedback(settings, clock)
    _plan(settings, clock, lowest)
    placed = _console(now)
    tickets = _complaints(settings)
    _training(now)
    echo(f"demo: {len(UNITS)} units, {len(SERVICES)} services, {len(EMPLOYEES)} employees, "
         f"{added} new responses, {rated} new peer ratings, {placed} surveys at counters, a custom survey, a kiosk, "
         f"{tickets} complaint tickets"
         + (f", logins: {', '.join(logins)}" if logins else ""))


# complaint handlers beside the unit head (Dewi handles the Dukcapil tickets with Budi, the head)
HANDLERS = {"DISDUKCAPIL": ["199302112019022004"]}
# (unit, kind, unsur, text, e-mail): citizens' complaints and suggestions, sent through the intake API
COMPLAINTS = [
    ("DISDUKCAPIL", "pengaduan", "U3", "Antrean perekaman KTP-el sampai tiga jam, loket kedua tidak dibuka.",
     "warga.andir@contoh.example"),
    ("DISDUKCAPIL", "aspirasi", "U9", "Mohon disediakan kursi tunggu tambahan untuk lansia.", None),
    ("RSUD", "informasi", "U1", "Apa saja syarat rujukan rawat jalan untuk peserta BPJS?", None),
]


def _training(now) -> None:
    """A programme that ended last month, for Dukcapil's two counter officers (level 1 invitations
    go out as soon as the notifier's scheduler runs; its report fills as they answer)."""
    from datetime import timedelta

    from shared.records.trainings import TrainingProgramme
    if TrainingProgramme.head("pelayanan-prima") is not None:
        return
    first = now.date().replace(day=1)
    start, end = first - timedelta(days=14), first - timedelta(days=10)
    TrainingProgramme.save_revision("pelayanan-prima", {
        "name": "Pelayanan prima di loket", "competency": "komunikasi pelayanan", "organiser": "BKPSDM",
        "start": start.isoformat(), "end": end.isoformat(), "unsur": ["U6", "U7"],
        "participants": ["199107202015031003", "199302112019022004"]}, at=now, by="demo")


def _complaints(settings: Settings) -> int:
    """The demo complaints, through the survey's own intake (one validation for every way in);
    fixed client ids make a second run return the same tickets."""
    from services.survey.app import create_app

    client = create_app(settings).test_client()
    sent = 0
    for unit, kind, unsur, text, email in COMPLAINTS:
        body: dict[str, Any] = {"id": str(uuid.uuid5(NAMESPACE, f"complaint|{unit}|{text}")), "unit": unit,
                                "kind": kind, "unsur": unsur, "text": text}
        if email:
            body.update(contact={"email": email}, consent=True)
        answer = client.post("/api/v1/complaints", json=body)
        if answer.status_code != 201:
            raise RuntimeError(f"demo complaint refused: {answer.status_code} {answer.get_json()}")
        sent += "Idempotent-Replayed" not in answer.headers
    return sent


# (unit, service, officer, template): the counters with a QR poster; one has the custom survey
DEPLOYMENTS = [
    ("DISDUKCAPIL", "KTP", "199107202015031003", "skm"),
    ("DISDUKCAPIL", "KK", None, "skm"),
    ("DPMPTSP", "NIB", None, "skm"),
    ("RSUD", "RAJAL", "199205302017082006", "skm"),
    ("RSUD", "RAJAL", None, "ruang-tunggu"),
]
CUSTOM_SURVEY: dict[str, Any] = {
    "code": "ruang-tunggu", "title_id": "Kenyamanan ruang tunggu", "title_en": "Waiting room comfort",
    "owner_unit": "RSUD",
    "questions": [
        {"code": "nyaman", "type": "scale", "text_id": "Seberapa nyaman ruang tunggu kami?",
         "text_en": "How comfortable is our waiting room?", "required": True, "scale": 5,
         "labels": [{"id": "Sangat tidak nyaman", "en": "Very uncomfortable"},
                    {"id": "Tidak nyaman", "en": "Uncomfortable"}, {"id": "Biasa", "en": "Neutral"},
                    {"id": "Nyaman", "en": "Comfortable"}, {"id": "Sangat nyaman", "en": "Very comfortable"}]},
        {"code": "kurang", "type": "multiple", "text_id": "Apa yang masih kurang?", "text_en": "What is lacking?",
         "choices": [{"value": "kursi", "label_id": "Tempat duduk", "label_en": "Seats"},
                     {"value": "sejuk", "label_id": "Udara sejuk", "label_en": "Cool air"},
                     {"value": "antrean", "label_id": "Papan antrean", "label_en": "Queue display"}]},
        {"code": "rekomendasi", "type": "nps", "text_id": "Seberapa mungkin Anda menyarankan rumah sakit ini kepada "
         "kerabat?", "text_en": "How likely are you to recommend this hospital to a relative?"},
        {"code": "saran", "type": "text", "text_id": "Saran Anda", "text_en": "Your suggestion", "max_length": 500},
    ],
}
KIOSK = ("kios-dukcapil-1", "Loket KTP, lantai 1")
ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"


def _code(*parts: str | None) -> str:
    """A deployment's public code drawn from its place, so loading the demo again finds it."""
    number = uuid.uuid5(NAMESPACE, "|".join(p or "" for p in parts)).int
    return "".join(ALPHABET[(number >> (5 * i)) % len(ALPHABET)] for i in range(8))


def _console(now) -> int:
    """What the admin console shows after `make up`: a custom survey (version 1), surveys at
    counters (their QR posters print from /admin/deployments), and a registered kiosk that has
    reported once. Each is written only when missing, so nothing an admin changed is undone."""
    from services.survey.schemas import TemplateIn
    from services.survey.surveys.models import Deployment, KioskDevice, KioskHeartbeat, SurveyTemplate

    if SurveyTemplate.head(CUSTOM_SURVEY["code"], include_deleted=True) is None:
        body = TemplateIn().load(CUSTOM_SURVEY)   # checked as the API and the builder check it
        SurveyTemplate.save_revision(body.pop("code"), {**body, "kind": "custom"}, at=now, by="demo")
    codes = []
    for unit, service, officer, template in DEPLOYMENTS:
        code = _code(unit, service, officer, template)
        codes.append(code)
        if Deployment.head(code, include_deleted=True) is None:
            Deployment.save_revision(code, {"template": template, "unit": unit, "service": service, "officer": officer,
                                            "active": True}, at=now, by="demo")
    device, name = KIOSK
    if KioskDevice.head(device, include_deleted=True) is None:
        # no tablet holds this token: registering it again from the console issues a real one
        KioskDevice.save_revision(device, {"name": name, "unit": "DISDUKCAPIL", "deployment": codes[0],
                                           "token_id": uuid.uuid4().hex, "active": True}, at=now, by="demo")
        KioskHeartbeat(device=device, at=now, queued=0, app_version="demo").save(force_insert=True)
    return len(codes)


def _logins(settings: Settings, now) -> list[str]:
    from shared.records.users import WebUser, hash_password

    if settings.env == "production":
        return []
    for username, roles, nip, password in LOGINS:
        if WebUser.head(username) is None:  # never reset a password someone changed
            WebUser.save_revision(username, {"password_hash": hash_password(password), "roles": roles, "nip": nip,
                                             "active": True}, at=now, by="demo")
    return [username for username, *_ in LOGINS]


def _responses(settings: Settings, clock) -> tuple[int, dict[str, str]]:
    """This month's demo responses (the same ones each time), and each unit's lowest unsur."""
    from shared.domain.periods import month_of

    from services.survey.submissions import acceptance
    from services.survey.surveys import spec

    template = spec.BUILTIN_LATEST[spec.SKM_CODE]
    month = month_of(clock.now(), settings.timezone)
    added = 0
    lowest: dict[str, str] = {}
    for unit, (count, mean, spread, service, officer) in RESPONSES.items():
        rng = random.Random(f"{unit}|{month}")
        sums = dict.fromkeys(UNSUR_CODES, 0)
        for i in range(count):
            answers = {code: min(4, max(1, round(rng.gauss(mean, spread)))) for code in UNSUR_CODES}
            sums = {code: sums[code] + answers[code] for code in UNSUR_CODES}
            profile = {"sex": rng.choice(["L", "P"]), "age_band": rng.choice(["20-29", "30-39", "40-49", "50-59"]),
                       "education": rng.choice(["SMA", "SMA", "D1-D3-D4", "S1", "S1", "SMP"]),
                       "occupation": rng.choice(["swasta", "wirausaha", "PNS", "lainnya", "pelajar-mahasiswa"])}
            comment = COMMENTS[i % len(COMMENTS)] if i % 5 == 0 else None
            body = {"unit": unit, "answers": answers, "profile": profile, "comment": comment, "demo": i}
            ctx = acceptance.Context(unit=unit, service=service, officer=officer if i % 2 == 0 else None, channel="web",
                                     client_address=f"192.0.2.{i + 1}")   # each demo citizen on a phone of their own
            doc = acceptance.citizen_response(body, response_id=str(uuid.uuid5(NAMESPACE, f"{unit}|{month}|{i}")),
                                          template=template, answers=answers, ctx=ctx, profile=profile, comment=comment,
                                          lang="id", settings=settings, clock=clock)
            added += acceptance.store(doc).created
        lowest[unit] = min(UNSUR_CODES, key=lambda code: sums[code])
    return added, lowest


def _plan(settings: Settings, clock, lowest: dict[str, str]) -> None:
    """A follow-up plan (RTL) of DISDUKCAPIL for this month from its lowest unsur, once."""
    from shared.domain.periods import month_of

    from services.aggregator import action_plans

    month = month_of(clock.now(), settings.timezone)
    item = f"rtl-{uuid.uuid5(NAMESPACE, f'rtl|{month}').hex[:12]}"
    if action_plans.ActionPlan.head(item) is not None:
        return
    action_plans.save(item, {"unit": "DISDUKCAPIL", "period": month, "unsur": [lowest["DISDUKCAPIL"]],
                             "kegiatan": "Menambah petugas loket pada jam sibuk dan memasang papan antrean",
                             "waktu": "3 bulan ke depan", "penanggung_jawab": "Kepala Seksi Pelayanan",
                             "status": "berjalan", "evidence_note": "Jadwal petugas baru sejak minggu ini"},
                      at=clock.now(), by="demo", expected_rev=0)
