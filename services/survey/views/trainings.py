"""Training programmes (admins and evaluators) and the participants' level-1 reaction form
(each participant, through their personal link: no account, one answer each).

The form's link carries the participant's reaction key (a keyed hash of the programme and
the NIP): whoever holds it answers as that participant, once; a key that is no participant's
is a 404. The answer is stored under the key with its event, which carries the scores and
nothing that names the participant.
"""
from __future__ import annotations

import uuid
from datetime import date

from flask import Blueprint as PageBlueprint
from flask import current_app, render_template, request
from flask_smorest import Blueprint
from marshmallow import Schema, ValidationError, fields, validate, validates_schema
from mongoengine.errors import NotUniqueError

from shared.contracts import payloads
from shared.contracts.events import new_event
from shared.contracts.formats import NIP_RE, StrictBoolean, code_field, nip_field
from shared.domain import complaints, skm, training
from shared.domain.periods import month_of
from shared.messaging.topics import Topics
from shared.platform.auth import ADMIN, EVALUATOR, principal, public, require
from shared.platform.errors import ApiError
from shared.platform.i18n import current_lang, t
from shared.platform.openapi import refuses
from shared.platform.revisions import RevisionConflict
from shared.platform.web import body_limit
from shared.platform.webauth import csrf_exempt
from shared.records.directory import Employee
from shared.records.responses import Outbox
from shared.records.trainings import (
    TrainingFollowUp,
    TrainingProgramme,
    TrainingReaction,
    TrainingScoreImport,
    answer_id,
    followup_key,
    reaction_key,
    score_key,
)

from services.survey.directory import register_import
from services.survey.submissions import acceptance

blp = Blueprint("trainings", __name__, url_prefix="/api/v1/trainings",
                description="Training programmes and their participants (admins, evaluators)")
bp = PageBlueprint("training_pages", __name__, template_folder="../templates")
NAMESPACE = uuid.UUID("5d2f1e0c-7b4a-4c8e-a1f3-9e6d2b7c4a18")


def _ext():
    return current_app.extensions["tanggap"]


class TrainingIn(Schema):
    code = code_field(required=True)
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    competency = fields.String(allow_none=True, validate=validate.Length(max=200))
    organiser = fields.String(allow_none=True, validate=validate.Length(max=200))
    start = fields.Date(required=True)
    end = fields.Date(required=True)
    unsur = fields.List(fields.String(validate=validate.OneOf(skm.UNSUR_CODES)), load_default=list,
                        metadata={"description": "the SKM elements the programme addresses (for its level-4 "
                                                 "comparison)"})
    participants = fields.List(nip_field(), load_default=None, validate=validate.Length(max=2000),
                               metadata={"description": "NIPs (left out: as they are)"})
    referrals = fields.Dict(keys=nip_field(), values=fields.String(validate=validate.Length(min=1, max=300)),
                            load_default=None, metadata={"description": "NIP -> the coaching case that sent them"})
    active = StrictBoolean(load_default=None, allow_none=True,
                           metadata={"description": "false: no more invitations; left out: as it is"})

    @validates_schema
    def ordered(self, data, **kwargs):
        if data["end"] < data["start"]:
            raise ValidationError("berakhir sebelum dimulai / ends before it starts", "end")


class TrainingOut(Schema):
    code = fields.String()
    name = fields.String()
    competency = fields.String(allow_none=True)
    organiser = fields.String(allow_none=True)
    start = fields.String()
    end = fields.String()
    unsur = fields.List(fields.String())
    participants = fields.List(fields.String())
    referrals = fields.Dict()
    active = fields.Boolean()
    rev = fields.Integer()


class ImportedOut(Schema):
    added = fields.Integer()
    participants = fields.Integer()


def _unknown(nips) -> list[str]:
    known = {e.nip for e in Employee.heads(nip__in=sorted(set(nips))) if e.active}
    return sorted(set(nips) - known)


def save(data: dict, by: str) -> TrainingProgramme:
    data = dict(data)
    code = data.pop("code")
    current = TrainingProgramme.head(code)
    for name in ("participants", "referrals"):
        if data.get(name) is None:
            data[name] = (getattr(current, name) or ([] if name == "participants" else {})) if current else (
                [] if name == "participants" else {})
    data["participants"] = list(dict.fromkeys(data["participants"]))
    if data.get("active") is None:
        data["active"] = current.active if current is not None else True    # left out: as it is
    earlier = set(current.participants or []) if current is not None else set()
    unknown = _unknown([n for n in data["participants"] if n not in earlier])   # the ones added now
    if unknown:
        raise ApiError(422, errors={"participants": [f"pegawai tidak dikenal atau nonaktif / unknown or inactive "
                                                     f"employee: {', '.join(unknown[:5])}"]})
    if set(data["referrals"]) - set(data["participants"]):
        raise ApiError(422, errors={"referrals": ["hanya untuk peserta / participants only"]})
    data["start"], data["end"] = str(data["start"]), str(data["end"])
    try:
        doc, _ = TrainingProgramme.save_revision(code, data, at=_ext().clock.now(), by=by)
    except RevisionConflict as exc:
        raise ApiError(409, errors={"code": [str(exc)]}) from None
    return doc


@blp.route("", methods=["GET"])
@require(ADMIN, EVALUATOR)
@blp.response(200, TrainingOut(many=True))
def list_trainings():
    """Every programme, newest start first."""
    return sorted(TrainingProgramme.heads(), key=lambda p: p.start, reverse=True)


@blp.route("", methods=["PUT"])
@require(ADMIN, EVALUATOR)
@blp.arguments(TrainingIn)
@blp.response(201, TrainingOut)
@refuses(blp, 409, "changed concurrently (send it again)")
@refuses(blp, 422, "an unknown or inactive participant, or a referral of someone who is not a participant")
def put_training(data):
    """Create or change a programme (a new revision; unchanged data writes nothing)."""
    return save(data, principal().sub)


@blp.route("/<code>", methods=["GET"])
@require(ADMIN, EVALUATOR)
@blp.response(200, TrainingOut)
@refuses(blp, 404, "no such programme")
def get_training(code):
    doc = TrainingProgramme.head(code)
    if doc is None:
        raise ApiError(404, errors={"code": ["program tidak dikenal / unknown programme"]})
    return doc


@blp.route("/<code>/participants", methods=["POST"])
@body_limit(5 * 1024 * 1024)
@require(ADMIN, EVALUATOR)
@blp.response(200, ImportedOut)
@refuses(blp, 404, "no such programme", beyond_schema=False)
@refuses(blp, 422, "a file that cannot be read, a row without a valid NIP, or an unknown employee")
@blp.doc(requestBody={"required": True, "content": {
    "text/csv": {"schema": {"type": "string"}},
    register_import.XLSX_TYPE: {"schema": {"type": "string", "format": "binary"}}}})
def import_participants(code):
    """Add participants from a CSV or XLSX list with a ``nip`` column (the others are ignored)."""
    return add_participants(code, request.get_data(), request.mimetype or "", principal().sub)


def add_participants(code: str, raw: bytes, mimetype: str, by: str) -> dict:
    """Participants added from a CSV or XLSX list (the API and the console page)."""
    current = TrainingProgramme.head(code)
    if current is None:
        raise ApiError(404, errors={"code": ["program tidak dikenal / unknown programme"]})
    fmt = register_import.format_of("", mimetype)
    try:
        rows = register_import.read(raw, "xlsx" if fmt == "xlsx" else "csv")
    except register_import.RegisterError as exc:
        raise ApiError(422, errors={"file": [str(exc)]}) from None
    bad = [line for line, row in rows if not NIP_RE.fullmatch(str(row.get("nip") or ""))]
    if bad:
        raise ApiError(422, errors={"nip": [f"NIP tidak valid pada baris / invalid NIP on lines "
                                            f"{', '.join(map(str, bad[:10]))}"]})
    nips = [str(row["nip"]) for _, row in rows]
    before = len(current.participants or [])
    values = {k: getattr(current, k) for k in ("code", "name", "competency", "organiser", "unsur", "referrals",
                                               "active")}
    values.update(start=date.fromisoformat(current.start), end=date.fromisoformat(current.end),
                  participants=list(current.participants or []) + nips)
    doc = save(values, by)
    return {"added": len(doc.participants) - before, "participants": len(doc.participants)}


# -- the level-1 reaction form (the participant's personal link) -------------------------------------

def _participant(code: str, key: str) -> tuple[TrainingProgramme, str] | None:
    programme = TrainingProgramme.head(code) if len(code) <= 64 else None
    if programme is None or len(key) > 64:
        return None
    settings = _ext().settings
    for nip in programme.participants or []:
        if reaction_key(settings, programme.code, nip) == key:
            return programme, nip
    return None


def _answers(codes: tuple[str, ...]) -> tuple[dict[str, int], str, dict[str, str]]:
    """A survey form's scores (1-5 for each of ``codes``) and comment, with the errors by field."""
    values: dict[str, int] = {}
    errors: dict[str, str] = {}
    if set(request.form) - set(codes) - {"comment"}:
        errors["_form"] = t("Isian tidak dikenal", "Unknown field")
    for c in codes:
        raw = request.form.get(c, "")
        if raw not in ("1", "2", "3", "4", "5"):
            errors[c] = t("Pilih 1 sampai 5", "Choose 1 to 5")
        else:
            values[c] = int(raw)
    comment = (request.form.get("comment") or "").strip()
    if len(comment) > 2000:
        errors["comment"] = t("Paling banyak 2000 karakter", "At most 2000 characters")
    return values, comment, errors


def _not_found():
    return render_template("ui/error.html", status=404,
                           message=t("Tautan ini tidak dikenal.", "This link is not known.")), 404


def _closed(programme: TrainingProgramme, which: str):
    """The page to show outside the answer window (None inside it): answers are taken and
    counted within it only, so the results, shown once it has closed, never change one answer
    at a time."""
    settings = _ext().settings
    end = date.fromisoformat(programme.end)
    first, last = (training.reaction_window(end, settings.holiday_dates) if which == "reaction" else
                   training.followup_window(end, settings.training_followup_months, settings.holiday_dates))
    today = complaints.local_day(_ext().clock.now(), settings.timezone)
    if first <= today <= last:
        return None
    message = (t(f"Survei ini dibuka mulai {first:%d-%m-%Y}.", f"This survey opens on {first:%d-%m-%Y}.")
               if today < first else
               t(f"Survei ini sudah ditutup pada {last:%d-%m-%Y}.", f"This survey closed on {last:%d-%m-%Y}."))
    return render_template("ui/error.html", status=410, message=message), 410


def _questions():
    en = current_lang() == "en"
    return [{"code": c, "text": text_en if en else text_id} for c, text_id, text_en in training.REACTION]


@bp.route("/pelatihan/<code>/<key>", methods=["GET"])
@public
def reaction_form(code, key):
    found = _participant(code, key)
    if found is None:
        return _not_found()
    programme, _nip = found
    shut = _closed(programme, "reaction")
    if shut is not None:
        return shut
    done = TrainingReaction.objects(pk=answer_id(_ext().settings, key)).only("id").first() is not None
    return render_template("survey/training_reaction.html", programme=programme, questions=_questions(),
                           done=done, errors={}, values={})


@bp.route("/pelatihan/<code>/<key>", methods=["POST"])
@public
@csrf_exempt
def reaction_submit(code, key):
    found = _participant(code, key)
    if found is None:
        return _not_found()
    programme, _nip = found
    shut = _closed(programme, "reaction")
    if shut is not None:
        return shut
    values, comment, errors = _answers(training.REACTION_CODES)
    if errors:
        return render_template("survey/training_reaction.html", programme=programme, questions=_questions(),
                               done=False, errors=errors, values=request.form), 422
    ext = _ext()
    now = acceptance.stored_now(ext.clock)
    stored_as = answer_id(ext.settings, key)
    payload = {"reaction_id": stored_as, "programme": programme.code, "values": values,
               "period": month_of(now, ext.settings.timezone), "submitted_at": now.isoformat()}
    event = new_event(payloads.TRAINING_REACTION, programme.code, payload, producer=acceptance.PRODUCER,
                      clock=ext.clock, event_id=uuid.uuid5(NAMESPACE, stored_as))
    doc = TrainingReaction(id=stored_as, programme=programme.code, values=values, comment=comment or None,
                           submitted_at=now, received_at=now,
                           outbox=Outbox(topic=Topics.from_settings(ext.settings).responses, key=programme.code,
                                         event=event.to_json()))
    try:
        doc.save(force_insert=True)
    except NotUniqueError:
        pass      # answered before: one answer each, the first one counts
    return render_template("survey/training_reaction.html", programme=programme, questions=_questions(),
                           done=True, errors={}, values={})


class ScoresOut(Schema):
    import_id = fields.String()
    scored = fields.Integer(metadata={"description": "participants with a pre- and a post-test score"})


@blp.route("/<code>/scores", methods=["POST"])
@body_limit(5 * 1024 * 1024)
@require(ADMIN, EVALUATOR)
@blp.response(201, ScoresOut)
@refuses(blp, 404, "no such programme", beyond_schema=False)
@refuses(blp, 422, "a file that cannot be read, a row whose NIP is not a participant's, or a score outside 0-100")
@blp.doc(requestBody={"required": True, "content": {
    "text/csv": {"schema": {"type": "string"}},
    register_import.XLSX_TYPE: {"schema": {"type": "string", "format": "binary"}}}})
def import_scores(code):
    """Level 2 (learning): pre- and post-test scores from a CSV or XLSX list with the columns
    ``nip``, ``pre`` and ``post`` (0-100). They are kept under each participant's reaction key,
    never their NIP; a participant imported again counts with the later scores."""
    return record_scores(code, request.get_data(), request.mimetype or "", principal().sub), 201


def record_scores(code: str, raw: bytes, mimetype: str, by: str) -> dict:
    """Pre- and post-test scores from a CSV or XLSX list (the API and the console page)."""
    import csv
    import io

    programme = TrainingProgramme.head(code)
    if programme is None:
        raise ApiError(404, errors={"code": ["program tidak dikenal / unknown programme"]})
    if mimetype == register_import.XLSX_TYPE:
        from shared.platform.spreadsheet import SpreadsheetError, rows_from_xlsx
        try:
            rows = rows_from_xlsx(raw, max_rows=5000)
        except SpreadsheetError as exc:
            raise ApiError(422, errors={"file": [str(exc)]}) from None
    else:
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise ApiError(422, errors={"file": ["berkas harus UTF-8 (atau XLSX) / the file must be UTF-8 (or "
                                                 "XLSX)"]}) from None
        first = text.splitlines()[0] if text.strip() else ""
        delimiter = max((";", ",", "\t"), key=first.count)       # Indonesian Excel writes semicolons
        reader = csv.DictReader(io.StringIO(text), delimiter=delimiter)
        rows = []
        try:
            for n, row in enumerate(reader):
                if None in row:           # more cells than the header has (a decimal comma in a comma file)
                    rows.append((n + 2, {"nip": ""}))
                    continue
                rows.append((n + 2, {str(k or "").strip().lower(): (v or "").strip() for k, v in row.items()}))
        except csv.Error as exc:
            raise ApiError(422, errors={"file": [f"CSV tidak dapat dibaca / unreadable CSV: {exc}"]}) from None
    rows = [(line, {str(k or "").strip().lower(): v for k, v in row.items()}) for line, row in rows]
    settings = _ext().settings
    members = set(programme.participants or [])
    scores, errors = {}, []
    for line, row in rows[:5000]:
        nip = str(row.get("nip") or "")
        try:
            pre, post = float(str(row.get("pre", "")).replace(",", ".")), float(str(row.get("post", "")).replace(
                ",", "."))
        except ValueError:
            errors.append(line)
            continue
        if nip not in members or not (0 <= pre <= 100 and 0 <= post <= 100):
            errors.append(line)
            continue
        scores[score_key(settings, code, nip)] = [pre, post]
    if errors or not scores:
        raise ApiError(422, errors={"file": [f"baris tidak valid (NIP bukan peserta, atau nilai di luar 0-100) / "
                                             f"invalid rows (NIP not a participant, or a score outside 0-100): "
                                             f"{', '.join(map(str, errors[:10])) or 'none readable'}"]})
    ext = _ext()
    import_id = uuid.uuid4().hex
    now = acceptance.stored_now(ext.clock)
    event = new_event(payloads.TRAINING_SCORES, code, {"import_id": import_id, "programme": code, "scores": scores,
                                                      "recorded_at": now.isoformat()},
                      producer=acceptance.PRODUCER, clock=ext.clock, event_id=uuid.uuid5(NAMESPACE, import_id))
    TrainingScoreImport(id=import_id, programme=code, scores=scores, by=by, received_at=now,
                        outbox=Outbox(topic=Topics.from_settings(settings).responses, key=code,
                                      event=event.to_json())).save(force_insert=True)
    return {"import_id": import_id, "scored": len(scores)}


# -- the level-3 follow-up form (months later: the alumnus, then their supervisor) -------------------

def _followup(code: str, key: str) -> tuple[TrainingProgramme, str, str] | None:
    programme = TrainingProgramme.head(code) if len(code) <= 64 else None
    if programme is None or len(key) > 64:
        return None
    settings = _ext().settings
    for nip in programme.participants or []:
        for role in training.ROLES:
            if followup_key(settings, programme.code, nip, role) == key:
                return programme, nip, role
    return None


def _application_questions(role: str) -> list[dict]:
    en = current_lang() == "en"
    pick = (2 if en else 1) if role == "alumnus" else (4 if en else 3)
    return [{"code": a[0], "text": a[pick]} for a in training.APPLICATION]


def _followup_page(programme, nip: str, role: str, *, done: bool, errors=None, values=None, status: int = 200):
    alumnus = Employee.head(nip) if role == "supervisor" else None
    return render_template("survey/training_reaction.html", programme=programme, questions=_application_questions(role),
                           done=done, errors=errors or {}, values=values or {}, followup=True,
                           about=alumnus.name if alumnus else None), status


@bp.route("/pelatihan/<code>/tindak-lanjut/<key>", methods=["GET"])
@public
def followup_form(code, key):
    found = _followup(code, key)
    if found is None:
        return _not_found()
    programme, nip, role = found
    shut = _closed(programme, "followup")
    if shut is not None:
        return shut
    stored_as = answer_id(_ext().settings, key)
    return _followup_page(programme, nip, role,
                          done=TrainingFollowUp.objects(pk=stored_as).only("id").first() is not None)


@bp.route("/pelatihan/<code>/tindak-lanjut/<key>", methods=["POST"])
@public
@csrf_exempt
def followup_submit(code, key):
    found = _followup(code, key)
    if found is None:
        return _not_found()
    programme, nip, role = found
    shut = _closed(programme, "followup")
    if shut is not None:
        return shut
    values, comment, errors = _answers(training.APPLICATION_CODES)
    if errors:
        return _followup_page(programme, nip, role, done=False, errors=errors, values=request.form, status=422)
    ext = _ext()
    now = acceptance.stored_now(ext.clock)
    stored_as = answer_id(ext.settings, key)
    event = new_event(payloads.TRAINING_FOLLOWUP, programme.code,
                      {"followup_id": stored_as, "programme": programme.code, "role": role, "values": values,
                       "submitted_at": now.isoformat()},
                      producer=acceptance.PRODUCER, clock=ext.clock, event_id=uuid.uuid5(NAMESPACE, "f|" + stored_as))
    try:
        TrainingFollowUp(id=stored_as, programme=programme.code, role=role, values=values, comment=comment or None,
                         received_at=now, outbox=Outbox(topic=Topics.from_settings(ext.settings).responses,
                                                        key=programme.code, event=event.to_json())
                         ).save(force_insert=True)
    except NotUniqueError:
        pass      # answered before: the first answer counts
    return _followup_page(programme, nip, role, done=True)
