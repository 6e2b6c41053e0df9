"""The survey template builder (admins only, login): custom surveys with the question types
that exist (scale, single and multiple choice, NPS, free text), a preview that looks exactly like
the citizen's form, and versions. An admin builds the next version as a draft (every edit a
revision of the draft, checked by the API's question schema); publishing adds it as a new
version through the API's own function, and a published version never changes."""
from __future__ import annotations

import re
from types import SimpleNamespace
from typing import Any

from flask import Blueprint, current_app, redirect, render_template, request, url_for
from marshmallow import ValidationError

from shared.domain import skm
from shared.platform import forms
from shared.platform.auth import ADMIN
from shared.platform.errors import ApiError, flatten
from shared.platform.i18n import current_lang
from shared.platform.revisions import RevisionConflict
from shared.platform.webauth import login_required
from shared.records.directory import Unit

from services.survey.schemas import PROFILE_CHOICES, QuestionSchema, TemplateIn
from services.survey.surveys import builder, catalog, spec
from services.survey.surveys.models import Deployment, SurveyTemplate, SurveyTemplateDraft
from services.survey.views import surveys

bp = Blueprint("admin_templates", __name__, url_prefix="/admin", template_folder="../templates")

TITLE_FIELDS = ("title_id", "title_en", "owner_unit")


def _now():
    return current_app.extensions["tanggap"].clock.now()


def _field_errors(messages: Any) -> dict[str, str]:
    """field -> first message in the reader's language; an item of a list (``choices.2.value``)
    is reported on its list with its line number."""
    out: dict[str, str] = {}
    for path, msgs in flatten(messages).items():
        name, _, rest = path.partition(".")
        index = rest.split(".", 1)[0]
        text = forms.in_lang(str(msgs[0]))
        if re.fullmatch(r"[0-9]{1,4}", index):
            text = (f"line {int(index) + 1}: " if current_lang() == "en" else f"baris {int(index) + 1}: ") + text
        out.setdefault(name, text)
    return out


def _unknown(code: str) -> Any:
    return forms.error_page(ApiError(404, "Survei tidak ditemukan", "Survey not found"))


def _number(value: str) -> int | None:
    """ASCII digits as a number ("²".isdigit() is true and int("²") fails)."""
    return int(value) if re.fullmatch(r"[0-9]{1,6}", value) else None


def _rev() -> int:
    """The draft revision the form was made from; a form without one is refused (it would
    overwrite whatever another admin saved since)."""
    rev = _number(request.form.get("rev", ""))
    if rev is None:
        raise ValidationError({"rev": ["revisi draf tidak ada / the draft's revision is missing"]})
    return rev


def _missing_rev() -> Any:
    return forms.error_page(ApiError(422, "Formulir tanpa revisi draf", "A form without the draft's revision",
                                     errors={"rev": ["revisi draf tidak ada / the draft's revision is missing"]}))


def _draft_form(code: str) -> tuple[SurveyTemplateDraft | None, int, Any]:
    """``(draft, rev, None)``: the draft and the revision an action's form (its only field:
    ``rev``) was made from; or ``(None, 0, page)`` with the page refusing it: no draft 404,
    another field 422, no revision 422."""
    draft = SurveyTemplateDraft.head(code)
    if draft is None:
        return None, 0, _unknown(code)
    refused = _only(("rev",))
    if refused:
        return None, 0, refused
    rev = _number(request.form.get("rev", ""))
    if rev is None:
        return None, 0, _missing_rev()
    return draft, rev, None


def _prior_rev(code: str) -> int:
    """The draft's current revision, a deleted one included (0: never had a draft)."""
    prior = SurveyTemplateDraft.head(code, include_deleted=True)
    return prior.rev if prior else 0


def _conflict() -> Any:
    return forms.error_page(ApiError(409, "Draf ini baru saja diubah orang lain. Muat ulang halaman lalu ulangi.",
                                "This draft was just changed by someone else. Reload the page and try again."))


def _only(names: tuple[str, ...]) -> Any:
    """None, or the 422 page for a form field an action's form does not have."""
    try:
        forms.values(names)
    except ValidationError:
        return forms.error_page(ApiError(422, "Isian tidak dikenal", "Unknown field",
                                    errors={"_form": ["isian tidak dikenal / unknown field"]}))
    return None


def _save_draft(code: str, values: dict[str, Any], expected_rev: int) -> SurveyTemplateDraft:
    doc, _ = SurveyTemplateDraft.save_revision(code, {**values, "deleted": False}, at=_now(), by=forms.by(),
                                               expected_rev=expected_rev)
    return doc


# -- the list ---------------------------------------------------------------------------------

@bp.route("/templates", methods=["GET", "POST"])
@login_required(ADMIN)
def templates():
    errors: dict[str, str] = {}
    status = 200
    if request.method == "POST":
        try:
            data = TemplateIn().load(forms.values(("code", *TITLE_FIELDS)), partial=("questions",))
            code = data["code"]
            if code in spec.BUILTIN_LATEST or SurveyTemplate.head(code) or SurveyTemplateDraft.head(code):
                raise ValidationError({"code": ["kode sudah dipakai / code already used"]})
            if data.get("owner_unit") and Unit.head(data["owner_unit"]) is None:
                raise ValidationError({"owner_unit": ["unit tidak dikenal / unknown unit"]})
            _save_draft(code, {k: data.get(k) for k in TITLE_FIELDS} | {"questions": []}, _prior_rev(code))
            return redirect(url_for("admin_templates.template", code=code))
        except ValidationError as exc:
            errors, status = _field_errors(exc.messages), 422
        except RevisionConflict:
            return _conflict()
    published = {d.code: d for d in SurveyTemplate.heads()}
    drafts = {d.code: d for d in SurveyTemplateDraft.heads()}
    uses: dict[str, int] = {}
    for dep in Deployment.heads():
        uses[dep.template] = uses.get(dep.template, 0) + 1
    rows = [{"code": code, "published": published.get(code), "draft": drafts.get(code), "uses": uses.get(code, 0)}
            for code in sorted(set(published) | set(drafts))]
    return render_template("survey/admin/templates.html", rows=rows, builtin=list(spec.BUILTIN_LATEST.values()),
                           uses=uses, errors=errors, form=request.form if errors else {},
                           units=Unit.heads()), status


# -- one template: its draft and versions -------------------------------------------------------

def _page(code: str, errors: dict[str, str] | None = None, status: int = 200, form: dict | None = None,
          editing: str | None = None):
    draft = SurveyTemplateDraft.head(code)
    versions = list(SurveyTemplate.objects(code=code).order_by("-rev"))
    if draft is None and not versions:
        return _unknown(code)
    editing = editing or request.args.get("edit")
    edited = next((q for q in (draft.questions if draft else []) if q["code"] == editing), None)
    if errors is None:
        errors = {}
    question_form = form if form is not None else (builder.form_of(edited) if edited else {})
    deployed = sorted({d.template_version or 0 for d in Deployment.heads(template=code)})
    return render_template(
        "survey/admin/template.html", code=code, draft=draft, versions=versions, errors=errors,
        qform=question_form, editing=edited["code"] if edited else None, types=spec.TYPES, units=Unit.heads(),
        deployed=deployed, published=request.args.get("published"), unchanged=request.args.get("unchanged"),
        questions=[spec.question_from_dict(q) for q in (draft.questions if draft else [])]), status


@bp.route("/templates/<code>")
@login_required(ADMIN)
def template(code):
    return _page(code)


@bp.route("/templates/<code>/draft", methods=["POST"])
@login_required(ADMIN)
def start_draft(code):
    """Start the next version from the latest published one."""
    refused = _only(())
    if refused:
        return refused
    head = SurveyTemplate.head(code)
    if head is None:
        return _unknown(code)
    if SurveyTemplateDraft.head(code) is None:
        try:
            _save_draft(code, {"title_id": head.title_id, "title_en": head.title_en, "owner_unit": head.owner_unit,
                               "questions": list(head.questions), "based_on": head.rev}, _prior_rev(code))
        except RevisionConflict:
            return _conflict()
    return redirect(url_for("admin_templates.template", code=code) + "#draft")


def _draft_or_404(code: str) -> SurveyTemplateDraft | None:
    return SurveyTemplateDraft.head(code)


@bp.route("/templates/<code>/title", methods=["POST"])
@login_required(ADMIN)
def save_title(code):
    draft = _draft_or_404(code)
    if draft is None:
        return _unknown(code)
    try:
        fields = forms.values((*TITLE_FIELDS, "rev"))
        fields.pop("rev", None)
        data = TemplateIn().load({**fields, "code": code}, partial=("questions",))
        if data.get("owner_unit") and Unit.head(data["owner_unit"]) is None:
            raise ValidationError({"owner_unit": ["unit tidak dikenal / unknown unit"]})
        _save_draft(code, {k: data.get(k) for k in TITLE_FIELDS}, _rev())
    except ValidationError as exc:
        return _page(code, _field_errors(exc.messages), 422)
    except RevisionConflict:
        return _conflict()
    return redirect(url_for("admin_templates.template", code=code) + "#draft")


def _read_question() -> dict[str, Any]:
    """The question form, checked by the API's question schema; raises ValidationError."""
    read = builder.read_question(forms.values((*builder.QUESTION_FIELDS, "rev")))
    try:
        question: dict[str, Any] = QuestionSchema().load(read.body)
    except ValidationError as exc:
        raise ValidationError({**flatten(exc.messages), **{k: [v] for k, v in read.errors.items()}}) from None
    if read.errors:
        raise ValidationError({k: [v] for k, v in read.errors.items()})
    return question


@bp.route("/templates/<code>/questions", methods=["POST"])
@login_required(ADMIN)
def add_question(code):
    return _edit_question(code, None)


@bp.route("/templates/<code>/questions/<qcode>", methods=["POST"])
@login_required(ADMIN)
def edit_question(code, qcode):
    return _edit_question(code, qcode)


def _edit_question(code: str, qcode: str | None):
    draft = _draft_or_404(code)
    if draft is None:
        return _unknown(code)
    try:
        question = _read_question()
        if qcode is None:
            questions = builder.add(draft.questions, question)
        else:
            questions = builder.replace(draft.questions, qcode, question)
        _save_draft(code, {"questions": questions}, _rev())
    except ValidationError as exc:
        return _page(code, _field_errors(exc.messages), 422, form=dict(request.form), editing=qcode)
    except builder.EditRefused as exc:
        return _page(code, {exc.field: forms.in_lang(exc.message)}, 422, form=dict(request.form), editing=qcode)
    except RevisionConflict:
        return _conflict()
    return redirect(url_for("admin_templates.template", code=code) + f"#q-{question['code']}")


@bp.route("/templates/<code>/questions/<qcode>/<action>", methods=["POST"])
@login_required(ADMIN)
def question_action(code, qcode, action):
    """Move a question up or down, or remove it from the draft."""
    if action not in ("up", "down", "delete"):
        return _unknown(code)
    draft, rev, refused = _draft_form(code)
    if refused is not None or draft is None:
        return refused
    try:
        if action == "delete":
            questions = builder.remove(draft.questions, qcode)
        else:
            questions = builder.move(draft.questions, qcode, -1 if action == "up" else 1)
        _save_draft(code, {"questions": questions}, rev)
    except builder.EditRefused:
        return _unknown(code)
    except RevisionConflict:
        return _conflict()
    anchor = "#questions" if action == "delete" else f"#q-{qcode}"
    return redirect(url_for("admin_templates.template", code=code) + anchor)


@bp.route("/templates/<code>/publish", methods=["POST"])
@login_required(ADMIN)
def publish(code):
    """The draft becomes the next version (the API's check and save); the draft is removed."""
    draft, rev, refused = _draft_form(code)
    if refused is not None or draft is None:
        return refused
    if rev != draft.rev:
        return _conflict()
    head = SurveyTemplate.head(code)
    if (head.rev if head else None) != draft.based_on:
        # someone published since this draft began (here or through the API): publishing it would
        # silently drop their version's changes from the latest version
        return forms.error_page(ApiError(
            409, f"Versi {head.rev if head else '?'} terbit setelah draf ini dimulai. Buang draf ini dan mulai lagi "
                 "dari versi terbaru.",
            f"Version {head.rev if head else '?'} was published after this draft began. Discard this draft and "
            "start again from the latest version."))
    try:
        data = TemplateIn().load({"code": code, "title_id": draft.title_id, "title_en": draft.title_en,
                                  "owner_unit": draft.owner_unit, "questions": list(draft.questions)})
        surveys.check_template(data)
        # claim the draft first: a concurrent edit or second click finds it gone, not published twice
        SurveyTemplateDraft.save_revision(code, {"deleted": True}, at=_now(), by=forms.by(), expected_rev=draft.rev)
    except ValidationError as exc:
        return _page(code, _field_errors(exc.messages), 422)
    except ApiError as err:
        return _page(code, _field_errors(err.errors), err.status)
    except RevisionConflict:
        return _conflict()
    try:
        doc, changed = surveys.publish_template(data, forms.by())
    except ApiError as err:
        # nothing was published: the draft comes back as it was
        SurveyTemplateDraft.save_revision(code, {**draft.content(), "deleted": False}, at=_now(), by=forms.by())
        return _page(code, _field_errors(err.errors), err.status)
    key = "published" if changed else "unchanged"
    return redirect(url_for("admin_templates.template", code=code, **{key: doc.rev}))


@bp.route("/templates/<code>/discard", methods=["POST"])
@login_required(ADMIN)
def discard(code):
    _draft, rev, refused = _draft_form(code)
    if refused is not None or _draft is None:
        return refused
    try:
        SurveyTemplateDraft.save_revision(code, {"deleted": True}, at=_now(), by=forms.by(), expected_rev=rev)
    except RevisionConflict:
        return _conflict()
    if SurveyTemplate.head(code) is None:
        return redirect(url_for("admin_templates.templates"))
    return redirect(url_for("admin_templates.template", code=code))


# -- preview ----------------------------------------------------------------------------------

@bp.route("/templates/<code>/preview")
@login_required(ADMIN)
def preview(code):
    """The form exactly as a respondent sees it (the draft, or ``version``); it sends nothing."""
    version = request.args.get("version", "")
    shown: spec.TemplateSpec | None
    if version == "draft":
        draft = SurveyTemplateDraft.head(code)
        shown = None if draft is None else spec.TemplateSpec(
            code=code, version=0, kind="custom", title_id=draft.title_id, title_en=draft.title_en,
            questions=tuple(spec.question_from_dict(q) for q in draft.questions))
    elif _number(version) is not None:
        shown = catalog.template(code, _number(version))
    elif not version:
        shown = catalog.template(code)
    else:
        shown = None
    if shown is None:
        return _unknown(code)
    return render_template("survey/form.html", preview=True, template=shown,
                           dep=SimpleNamespace(unit=""), unit=None, service=None, officer_name=None,
                           values={}, page_errors=[], field_errors={}, response_id="",
                           profile_choices=PROFILE_CHOICES if shown.kind == "skm" else {},
                           profile_titles=skm.PROFILE_TITLES, profile_label=skm.profile_answer_label,
                           back=url_for("admin_templates.template", code=code)
                           if code not in spec.BUILTIN_LATEST else url_for("admin_templates.templates"))
