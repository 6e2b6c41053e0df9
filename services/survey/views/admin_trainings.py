"""The console's training programmes (admins and evaluators): the list, a new programme, one
programme's form with its participants, and the participants' and the scores' uploads. The
same checks as the API (:mod:`.trainings`); the personal answer links are never shown here
(whoever holds one answers as that participant)."""
from __future__ import annotations

import re
from typing import Any

from flask import Blueprint, redirect, render_template, request, url_for
from marshmallow import ValidationError

from shared.domain import skm
from shared.platform import forms
from shared.platform.auth import ADMIN, EVALUATOR
from shared.platform.errors import ApiError
from shared.platform.webauth import login_required
from shared.records.trainings import TrainingFollowUp, TrainingProgramme, TrainingReaction

from services.survey.views import trainings

bp = Blueprint("admin_trainings", __name__, url_prefix="/admin", template_folder="../templates")
FIELDS = ("code", "name", "competency", "organiser", "start", "end", "participants")
MAX_UPLOAD = 5 * 1024 * 1024


def _body(code: str | None = None) -> dict:
    forms.refuse_unknown(FIELDS + ("unsur",))
    data: dict[str, Any] = {k: (request.form.get(k, "").strip() or None) for k in FIELDS if k != "participants"}
    if code:
        data["code"] = code
    data["unsur"] = request.form.getlist("unsur")
    data["participants"] = [n for n in re.split(r"[\s,;]+", request.form.get("participants", "")) if n]
    return {k: v for k, v in data.items() if v is not None}


def _page(programme, errors=None, form=None, status: int = 200, done: str | None = None):
    answered = {"reaction": TrainingReaction.objects(programme=programme.code).count(),
                "followup": TrainingFollowUp.objects(programme=programme.code).count()} if programme else {}
    return render_template("survey/admin/training.html", programme=programme, errors=errors or {},
                           form=form or {}, unsur_codes=skm.UNSUR_CODES, answered=answered, done=done), status


@bp.route("/pelatihan", methods=["GET", "POST"])
@login_required(ADMIN, EVALUATOR)
def trainings_page():
    errors: dict[str, str] = {}
    status = 200
    if request.method == "POST":
        try:
            doc = trainings.save(trainings.TrainingIn().load(_body()), forms.by())
            return redirect(url_for("admin_trainings.training_page", code=doc.code, saved=1))
        except (ValidationError, ApiError) as exc:
            errors, status = forms.messages(exc), 422
    found = sorted(TrainingProgramme.heads(), key=lambda p: p.start, reverse=True)
    return render_template("survey/admin/trainings.html", programmes=found, errors=errors,
                           form=request.form if errors else {}, unsur_codes=skm.UNSUR_CODES), status


@bp.route("/pelatihan/<code>", methods=["GET", "POST"])
@login_required(ADMIN, EVALUATOR)
def training_page(code):
    current = TrainingProgramme.head(code)
    if current is None:
        return forms.error_page(ApiError(404, "Program tidak ditemukan", "Programme not found"))
    if request.method == "POST":
        try:
            trainings.save(trainings.TrainingIn().load(_body(code)), forms.by())
            return redirect(url_for("admin_trainings.training_page", code=code, saved=1))
        except (ValidationError, ApiError) as exc:
            return _page(current, forms.messages(exc), request.form, 422)
    return _page(current, done="saved" if request.args.get("saved") else request.args.get("done"))


@bp.route("/pelatihan/<code>/<what>", methods=["POST"])
@login_required(ADMIN, EVALUATOR)
def training_upload(code, what):
    """``peserta`` (a participants' list) or ``nilai`` (pre- and post-test scores), CSV or XLSX."""
    current = TrainingProgramme.head(code)
    if current is None or what not in ("peserta", "nilai"):
        return forms.error_page(ApiError(404, "Program tidak ditemukan", "Programme not found"))
    upload = request.files.get("file")
    try:
        forms.refuse_unknown((), frozenset({"file"}))
        if upload is None or not upload.filename:
            raise ApiError(422, errors={"file": ["pilih berkas CSV atau XLSX / choose a CSV or XLSX file"]})
        raw = upload.read(MAX_UPLOAD + 1)
        if len(raw) > MAX_UPLOAD:
            raise ApiError(422, errors={"file": ["berkas lebih dari 5 MB / the file is larger than 5 MB"]})
        kind = (trainings.register_import.XLSX_TYPE if upload.filename.lower().endswith(".xlsx")
                else "text/csv")
        if what == "peserta":
            trainings.add_participants(code, raw, kind, forms.by())
        else:
            trainings.record_scores(code, raw, kind, forms.by())
    except (ValidationError, ApiError) as exc:
        return _page(current, forms.messages(exc), status=422)
    return redirect(url_for("admin_trainings.training_page", code=code, done=what))
