"""The aggregator's admin console (admins only, login): coaching rules, SKM weights,
populations, the peer policy, and the appraisal import from CSV or XLSX (a dry run listing
every bad row with its line and reason, then the import of the valid rows, ending on what
changed).

Every form is read by the API's own schema (:mod:`.admin`, :mod:`.appraisals`) and saved by the
API's own function, so a page and the API accept, refuse and store the same things; a form
field the page does not have is refused (422, ``_form``), as the API refuses an unknown field.
Bad input re-renders the page with 422, each message beside its field and in the error summary;
nothing is written. Every change is a new revision, shown in the record's history in the
configured zone (WIB by default)."""
from __future__ import annotations

import base64
import binascii
import json
import re
import zlib
from typing import Any

from flask import Blueprint, current_app, redirect, render_template, request, url_for
from marshmallow import Schema, ValidationError, fields, validate

from shared.domain import berakhlak, skm
from shared.platform import forms
from shared.platform.auth import ADMIN
from shared.platform.errors import ApiError
from shared.platform.i18n import current_lang, t
from shared.platform.webauth import login_required
from shared.records.directory import Employee, Service, Unit

from services.aggregator import appraisal_import, indicator_policy
from services.aggregator.coaching import rule_config, rules
from services.aggregator.queries import reports
from services.aggregator.views import admin, appraisals

bp = Blueprint("admin_pages", __name__, url_prefix="/admin", template_folder="../templates")
UNKNOWN_FIELD = "isian tidak dikenal / unknown field"

KIND_LABELS = {rules.PREDIKAT_BELOW_BAIK: ("Predikat kinerja di bawah Baik", "Predikat kinerja below Baik"),
               rules.BERAKHLAK_BELOW: ("Perilaku BerAKHLAK di bawah ekspektasi",
                                       "BerAKHLAK behaviour below expectations"),
               rules.OFFICER_LOW: ("IKM petugas rendah", "Low officer IKM"),
               rules.OFFICER_DROP: ("IKM petugas turun", "Officer IKM drops"),
               rules.UNIT_IKM_LOW: ("Mutu pelayanan unit rendah", "Low unit service grade"),
               rules.COMPLAINTS_SLA: ("Pengaduan tidak dijawab tepat waktu", "Complaints not answered in time"),
               rules.OFFICER_TOP: ("Apresiasi: IKM petugas teratas di unit", "Recognition: top officer index in "
                                                                             "the unit"),
               rules.BERAKHLAK_ABOVE: ("Apresiasi: semua nilai BerAKHLAK Di Atas Ekspektasi",
                                       "Recognition: every BerAKHLAK value above expectations")}
SEVERITY_LABELS = {"info": ("info", "info"), "warning": ("peringatan", "warning"), "critical": ("kritis", "critical")}
PARAM_LABELS = {"threshold": ("Ambang IKM petugas", "Officer IKM threshold"),
                "min_responses": ("Respons paling sedikit", "Minimum responses"),
                "min_clients": ("Klien berbeda paling sedikit", "Minimum distinct clients"),
                "window_months": ("Rentang (bulan)", "Window (months)"),
                "points": ("Penurunan (poin IKM)", "Drop (IKM points)"),
                "grades": ("Mutu yang memicu kasus", "Grades that open a case"),
                "min_respondents": ("Responden paling sedikit", "Minimum respondents"),
                "period": ("Periode", "Period"),
                "min_percent": ("Persen tepat waktu paling sedikit", "Minimum percent in time"),
                "min_tickets": ("Tiket paling sedikit", "Minimum tickets"),
                "top_percent": ("Persen teratas", "Top percent"),
                "min_officers": ("Petugas paling sedikit", "Minimum officers")}
FAILING_LABELS = {berakhlak.CAP: ("paling tinggi Sesuai Ekspektasi", "at most Sesuai Ekspektasi"),
                  berakhlak.BELOW: ("Di Bawah Ekspektasi", "Di Bawah Ekspektasi")}


# -- reading forms ----------------------------------------------------------------------------

def _label(pair: tuple[str, str]) -> str:
    return pair[1] if current_lang() == "en" else pair[0]


def _history(model, **key: str) -> list:
    return list(model.objects(**key).order_by("-rev").limit(100))


# -- the landing page -------------------------------------------------------------------------

def _survey_admin() -> str | None:
    base = (current_app.extensions["tanggap"].settings.public_survey_url or "").rstrip("/")
    return f"{base}/admin" if base else None


@bp.route("")
@login_required(ADMIN)
def home():
    stored_rules = {r.code for r in rule_config.CoachingRule.heads()}
    counts = {"rules": len(rule_config.rules()), "rules_changed": len(stored_rules),
              "weights": len(indicator_policy.SkmWeights.heads()),
              "populations": len(indicator_policy.Population.heads()),
              "peer": indicator_policy.PeerPolicy.head(indicator_policy.GLOBAL) is not None}
    return render_template("aggregator/admin/home.html", counts=counts, survey_admin=_survey_admin())


# -- coaching rules ---------------------------------------------------------------------------

ANY_PARAMS = rules.AnyParams().fields
RULE_FIELDS = ("kind", "severity", "enabled")


def _param_fields(kind: str) -> list[dict[str, Any]]:
    """The parameters a rule of ``kind`` takes, as the form shows them."""
    out = []
    for name, field in rules.PARAMS[kind].fields.items():
        default = field.load_default() if callable(field.load_default) else field.load_default
        entry: dict[str, Any] = {"name": name, "label": _label(PARAM_LABELS.get(name, (name, name))),
                                 "default": default, "type": "text", "choices": [], "hint": ""}
        inner = field.inner if isinstance(field, fields.List) else field
        choice = next((v for v in _validators(inner) if isinstance(v, validate.OneOf)), None)
        span = next((v for v in _validators(field) if isinstance(v, validate.Range)), None)
        if isinstance(field, fields.List):
            entry["type"] = "many"
        elif choice is not None:
            entry["type"] = "choice"
        if choice is not None:
            entry["choices"] = list(choice.choices)
        if span is not None:
            entry["hint"] = f"{span.min}–{span.max}"
        if name == "period" and kind == rules.BERAKHLAK_BELOW:
            entry["choices"] = ["quarter"]   # its schema takes a quarter only
        out.append(entry)
    return out


def _validators(field: fields.Field) -> list:
    return list(getattr(field, "validators", []) or [])


def _rule_input(kind_hint: str | None, *, new: bool) -> tuple[str | None, dict[str, Any]]:
    """(the new rule's code, the rule as :class:`admin.RuleIn` loaded it)."""
    allowed = {*RULE_FIELDS, *(f"params.{n}" for n in ANY_PARAMS), *(("code",) if new else ())}
    forms.refuse_unknown(allowed)
    data: dict[str, Any] = {}
    declared = admin.RuleIn().fields
    for name in RULE_FIELDS:
        text = forms.text(name)
        if text is not None:
            data[name] = forms.typed(declared[name], text)
    kind = data.get("kind") if data.get("kind") in rules.PARAMS else kind_hint
    takes = rules.PARAMS[kind].fields if kind in rules.PARAMS else {}
    params: dict[str, Any] = {}
    for name, field in ANY_PARAMS.items():
        key = f"params.{name}"
        if isinstance(field, fields.List):
            if key in request.form or name in takes:   # no box ticked: an empty list, refused as the API refuses []
                params[name] = [v.strip() for v in request.form.getlist(key)]
        else:
            text = forms.text(key)
            if text is not None:
                params[name] = forms.typed(field, text)
    if params:
        data["params"] = params
    code = forms.text("code") if new else None
    if new:
        if code is None:
            raise ValidationError({"code": ["wajib diisi / required"]})
        if any(r.code == code for r in rule_config.rules()):
            raise ValidationError({"code": ["kode ini sudah dipakai; ubah aturannya di halamannya / this code is "
                                            "taken; change that rule on its page"]})
    loaded: dict[str, Any] = admin.RuleIn().load(data)
    return code, loaded


def _text_of(value: Any) -> str:
    return "true" if value is True else "false" if value is False else "" if value is None else str(value)


def _rule_values(kind: str, current: rules.Rule | None, errors: dict) -> dict[str, Any]:
    """What the rule form shows: what was sent (after an error), else the rule's values (its
    kind's defaults for a new rule or another kind)."""
    if errors:
        values: dict[str, Any] = {k: request.form.get(k, "") for k in (*RULE_FIELDS, "code")}
        values.update({f"params.{n}": request.form.getlist(f"params.{n}") if isinstance(f, fields.List)
                       else request.form.get(f"params.{n}", "") for n, f in ANY_PARAMS.items()})
        return values
    params = rules.check_params(kind, current.params if current is not None and current.kind == kind else {})
    values = {"severity": current.severity if current else "warning",
              "enabled": _text_of(current.enabled if current else True), "code": ""}
    values.update({f"params.{n}": v if isinstance(v, list) else _text_of(v) for n, v in params.items()})
    return values


def _rule_context(kind: str) -> dict[str, Any]:
    return {"kinds": [(k, _label(KIND_LABELS[k])) for k in rules.KINDS],
            "severities": [(s, _label(SEVERITY_LABELS[s])) for s in SEVERITY_LABELS],
            "kind": kind, "kind_label": _label(KIND_LABELS[kind]), "params": _param_fields(kind),
            "kind_name": lambda k: _label(KIND_LABELS.get(k, (k, k))), "params_text": _params_text,
            "severity_name": lambda s: _label(SEVERITY_LABELS.get(s, (s, s)))}


def _params_text(params: dict | None) -> str:
    return "; ".join(f"{_label(PARAM_LABELS.get(k, (k, k)))}: {', '.join(map(str, v)) if isinstance(v, list) else v}"
                     for k, v in sorted((params or {}).items())) or "–"


def _chosen_kind(default: str) -> str:
    asked = request.form.get("kind") if request.method == "POST" else request.args.get("kind")
    return asked if asked in rules.PARAMS else default


@bp.route("/rules", methods=["GET", "POST"])
@login_required(ADMIN)
def rules_page():
    kind = _chosen_kind(rules.KINDS[0])
    errors: dict[str, str] = {}
    status = 200
    if request.method == "POST":
        try:
            code, data = _rule_input(kind, new=True)
            assert code is not None
            admin.save_rule(code, data, forms.by())
            return redirect(url_for("admin_pages.rule", code=code, saved=1))
        except (ValidationError, ApiError) as exc:
            errors, status = forms.messages(exc), 422
    stored = {r.code for r in rule_config.CoachingRule.heads()}
    return render_template("aggregator/admin/rules.html", rows=admin.rule_rows(), stored=stored, errors=errors,
                           values=_rule_values(kind, None, errors), **_rule_context(kind)), status


@bp.route("/rules/<code>", methods=["GET", "POST"])
@login_required(ADMIN)
def rule(code):
    current = next((r for r in rule_config.rules() if r.code == code), None)
    if current is None:
        return forms.error_page(ApiError(404, "Aturan tidak ditemukan", "Rule not found"))
    kind = _chosen_kind(current.kind)
    errors: dict[str, str] = {}
    status = 200
    if request.method == "POST":
        try:
            _, data = _rule_input(kind, new=False)
            admin.save_rule(code, data, forms.by())
            return redirect(url_for("admin_pages.rule", code=code, saved=1))
        except (ValidationError, ApiError) as exc:
            errors, status = forms.messages(exc), 422
    return render_template("aggregator/admin/rule.html", rule=current, params_now=rules.check_params(
                               current.kind, current.params), history=_history(rule_config.CoachingRule, code=code),
                           errors=errors, values=_rule_values(kind, current, errors), saved=request.args.get("saved"),
                           **_rule_context(kind)), status


# -- SKM weights ------------------------------------------------------------------------------

WEIGHT_FIELDS = tuple(f"weights.{u}" for u in skm.UNSUR_CODES)


def _weights_input(*, with_scope: bool) -> tuple[str | None, dict[str, Any]]:
    forms.refuse_unknown({*WEIGHT_FIELDS, "reason", *(("scope",) if with_scope else ())})
    data: dict[str, Any] = {"weights": {}}
    for unsur in skm.UNSUR_CODES:
        text = forms.text(f"weights.{unsur}")
        if text is not None:
            data["weights"][unsur] = text
    reason = forms.text("reason")
    if reason is not None:
        data["reason"] = reason
    scope = forms.text("scope") if with_scope else None
    if with_scope and scope is None:
        raise ValidationError({"scope": ["wajib diisi / required"]})
    loaded: dict[str, Any] = admin.WeightsIn().load(data)
    return scope, loaded


def _scope_name(scope: str) -> str:
    if scope == indicator_policy.GLOBAL:
        return t("semua unit tanpa bobot sendiri", "every unit without weights of its own")
    unit, _, service = scope.partition("~")
    record = Unit.head(unit)
    name = ((record.name_en or record.name) if current_lang() == "en" else record.name) if record else unit
    return f"{name} · {service}" if service else name


def _weights_text(weights: dict) -> dict[str, str]:
    return {u: skm.weight_text(weights[u]) for u in skm.UNSUR_CODES if u in weights}


def _unsur() -> list[tuple[str, str]]:
    lang = 2 if current_lang() == "en" else 1
    return [(str(u[0]), str(u[lang])) for u in skm.UNSUR]


@bp.route("/weights", methods=["GET", "POST"])
@login_required(ADMIN)
def weights_page():
    errors: dict[str, str] = {}
    status = 200
    if request.method == "POST":
        try:
            scope, data = _weights_input(with_scope=True)
            assert scope is not None
            record = admin.save_weights(scope, data, forms.by())
            return redirect(url_for("admin_pages.weights", scope=record.scope, saved=1))
        except (ValidationError, ApiError) as exc:
            errors, status = forms.messages(exc), 422
    rows = [{"record": r, "name": _scope_name(r.scope), "weights": _weights_text(r.weights),
             "equal": skm.is_equal(dict(r.weights))} for r in indicator_policy.SkmWeights.heads()]
    return render_template("aggregator/admin/weights.html", rows=rows, errors=errors, unsur=_unsur(),
                           form=request.form if errors else {}, units=Unit.heads()), status


@bp.route("/weights/<scope>", methods=["GET", "POST"])
@login_required(ADMIN)
def weights(scope):
    errors: dict[str, str] = {}
    status = 200
    if request.method == "POST":
        try:
            _, data = _weights_input(with_scope=False)
            admin.save_weights(scope, data, forms.by())
            return redirect(url_for("admin_pages.weights", scope=scope, saved=1))
        except (ValidationError, ApiError) as exc:
            errors, status = forms.messages(exc), 422
    current = indicator_policy.SkmWeights.head(scope)
    if current is None and not errors and not (scope == indicator_policy.GLOBAL or Unit.head(scope)):
        return forms.error_page(ApiError(404, "Unit tidak ditemukan", "Unit not found"))
    history = [{"record": r, "weights": _weights_text(r.weights)}
               for r in _history(indicator_policy.SkmWeights, scope=scope)]
    shown = _weights_text(current.weights) if current else dict.fromkeys(skm.UNSUR_CODES, "1/9")
    return render_template("aggregator/admin/weights_scope.html", scope=scope, name=_scope_name(scope),
                           current=current, shown=shown, history=history, errors=errors, unsur=_unsur(),
                           form=request.form if errors else {}, saved=request.args.get("saved")), status


# -- populations ------------------------------------------------------------------------------

POPULATION_FIELDS = ("scope", "period", "population")


@bp.route("/populations", methods=["GET", "POST"])
@login_required(ADMIN)
def populations():
    errors: dict[str, str] = {}
    status = 200
    saved = None
    if request.method == "POST":
        try:
            forms.refuse_unknown(set(POPULATION_FIELDS))
            scope = forms.text("scope")
            if scope is None:
                raise ValidationError({"scope": ["wajib diisi / required"]})
            declared = admin.PopulationIn().fields
            data = {name: forms.typed(declared[name], text) for name in ("period", "population")
                    if (text := forms.text(name)) is not None}
            record = admin.save_population(scope, admin.PopulationIn().load(data), forms.by())
            return redirect(url_for("admin_pages.populations", saved=record.ref) + "#list")
        except (ValidationError, ApiError) as exc:
            errors, status = forms.messages(exc), 422
    else:
        saved = request.args.get("saved")
    period = request.args.get("period", "").strip()
    query = {"period": period} if period else {}
    rows = [{"record": r, "name": _scope_name(r.scope), "target": skm.krejcie_morgan(r.population)}
            for r in sorted(indicator_policy.Population.heads(**query), key=lambda r: (r.period, r.scope),
                            reverse=True)]
    history = list(indicator_policy.Population.objects().order_by("-changed_at").limit(50))
    scopes = [(u.code, u.name) for u in Unit.heads()]
    scopes += sorted((f"{s.unit}~{s.code}", f"{_scope_name(s.unit)} · {s.name}") for s in Service.heads())
    return render_template("aggregator/admin/populations.html", rows=rows, history=history, scopes=sorted(scopes),
                           errors=errors, form=request.form if errors else {}, period=period, saved=saved), status


# -- peer policy ------------------------------------------------------------------------------

PEER_FIELDS = ("min_raters", "below", "above", "failing_value")


@bp.route("/peer-policy", methods=["GET", "POST"])
@login_required(ADMIN)
def peer_policy():
    errors: dict[str, str] = {}
    status = 200
    if request.method == "POST":
        try:
            forms.refuse_unknown(set(PEER_FIELDS))
            declared = admin.PeerIn().fields
            data = {name: forms.typed(declared[name], text) for name in PEER_FIELDS
                    if (text := forms.text(name)) is not None}
            admin.save_peer_policy(admin.PeerIn().load(data), forms.by())
            return redirect(url_for("admin_pages.peer_policy", saved=1))
        except (ValidationError, ApiError) as exc:
            errors, status = forms.messages(exc), 422
    return render_template("aggregator/admin/peer_policy.html", peer=indicator_policy.peer(),
                           history=_history(indicator_policy.PeerPolicy, scope=indicator_policy.GLOBAL),
                           failing=[(k, _label(v)) for k, v in FAILING_LABELS.items()],
                           failing_name=lambda k: _label(FAILING_LABELS.get(k, (k, k))),
                           floor=berakhlak.MIN_RATERS_FLOOR, errors=errors, form=request.form if errors else {},
                           saved=request.args.get("saved")), status


# -- appraisal import -------------------------------------------------------------------------

MAX_PACKED = 450_000      # the hidden field stays below Flask's form memory limit (500 kB)
MAX_UNPACKED = 8 * 1024 * 1024
MAX_COMPARED_PERIODS = 24


class _Packed(Schema):
    """What the preview hands to the import (every row is checked again before it is recorded)."""

    file = fields.String(load_default="", validate=validate.Length(max=300))
    skipped = fields.List(fields.Tuple((fields.String(), fields.String())), load_default=list,
                          validate=validate.Length(max=appraisal_import.MAX_ROWS))
    items = fields.List(fields.Tuple((fields.Integer(strict=True), fields.String(), fields.String(), fields.String(),
                                      fields.String(allow_none=True))),
                        required=True, validate=validate.Length(min=1, max=appraisal_import.MAX_ROWS))


def _pack(value: dict) -> str:
    return base64.urlsafe_b64encode(zlib.compress(json.dumps(value, separators=(",", ":")).encode(), 9)).decode()


def _unpack(text: str) -> dict[str, Any]:
    damaged = ValidationError({"rows": ["isian rusak; unggah berkasnya lagi / damaged field; upload the file again"]})
    try:
        inflate = zlib.decompressobj()
        raw = inflate.decompress(base64.urlsafe_b64decode(text.encode("ascii")), MAX_UNPACKED)
        if inflate.unconsumed_tail:
            raise damaged
        loaded: dict[str, Any] = _Packed().load(json.loads(raw))
    except (ValueError, binascii.Error, zlib.error, UnicodeEncodeError, ValidationError, TypeError):
        raise damaged from None
    return loaded


def _skipped(errors: dict[str, list[str]]) -> list[tuple[str, str]]:
    """[(line, 'field: message')] in line order; whole-file problems first."""
    out = []
    for key, messages in errors.items():
        line, _, field = key.partition(".")
        said = " ".join(forms.in_lang(m) for m in messages)
        out.append((line, f"{field}: {said}" if field else said))
    return sorted(out, key=lambda e: (int(e[0]) if re.fullmatch(r"[0-9]{1,9}", e[0]) else -1, e[1]))


def _rating(code: str | None) -> str:
    return _label(berakhlak.RATING_LABELS[code]) if code in berakhlak.RATING_LABELS else "–"


def _with_changes(items: list[dict]) -> list[dict]:
    """Each item with what it changes: ``new`` (nothing recorded for that employee and period),
    ``changed`` (with the ratings before) or ``same``; ``None`` when too many periods to compare."""
    periods: dict[str, set[str]] = {}
    for item in items:
        periods.setdefault(item["period"], set()).add(item["nip"])
    before: dict[tuple[str, str], dict] | None = None
    if len(periods) <= MAX_COMPARED_PERIODS:
        before = {(nip, period): doc for period, nips in periods.items()
                  for nip, doc in reports.appraisals(period, nips).items()}
    names = {e.nip: e.name for e in Employee.heads(nip__in=sorted({i["nip"] for i in items}))} if items else {}
    out = []
    for item in items:
        was = before.get((item["nip"], item["period"])) if before is not None else None
        change = None if before is None else "new" if was is None else \
            "same" if (was.get("hasil_kerja"), was.get("perilaku")) == (item["hasil_kerja"], item["perilaku"]) \
            else "changed"
        out.append({**item, "name": names.get(item["nip"], ""), "change": change,
                    "before": f"{_rating(was.get('hasil_kerja'))} / {_rating(was.get('perilaku'))}" if was else ""})
    return out


def _counts(items: list[dict]) -> dict[str, int]:
    return {c: sum(1 for i in items if i["change"] == c) for c in ("new", "changed", "same")}


@bp.route("/appraisals", methods=["GET", "POST"])
@login_required(ADMIN)
def appraisals_page():
    """GET: the upload form; POST: the dry run of the uploaded file (nothing recorded)."""
    errors: dict[str, str] = {}
    status = 200
    preview = None
    if request.method == "POST":
        try:
            forms.refuse_unknown(set(), frozenset({"file"}))
            upload = request.files.get("file")
            raw = upload.read() if upload else b""
            if not raw:
                raise ValidationError({"file": ["pilih berkas CSV atau XLSX / choose a CSV or XLSX file"]})
            rows, problems = appraisal_import.parse_file(raw)
            items = appraisals.known_items(rows, problems)
            if not items:
                raise ApiError(422, errors=problems or {"file": ["tidak ada baris / no rows"]})
            skipped = _skipped(problems)
            shown = _with_changes(items)
            packed = _pack({"file": (upload.filename or "")[:300] if upload else "", "skipped": skipped,
                            "items": [[i["line"], i["nip"], i["period"], i["hasil_kerja"], i["perilaku"]]
                                      for i in items]})
            preview = {"file": upload.filename if upload else "", "items": shown, "skipped": skipped,
                       "counts": _counts(shown), "packed": packed if len(packed) <= MAX_PACKED else None}
        except (ValidationError, ApiError) as exc:
            errors, preview = _refused(exc)
            status = 422
    return render_template("aggregator/admin/appraisals.html", errors=errors, preview=preview,
                           columns=appraisal_import.COLUMNS, rating=_rating), status


def _refused(exc: ValidationError | ApiError) -> tuple[dict[str, str], dict[str, Any] | None]:
    """The error summary and the list of bad rows of a file nothing of which can be recorded."""
    if isinstance(exc, ValidationError) or set(exc.errors) <= {"file", "kafka"}:
        return forms.messages(exc), None
    skipped = _skipped(exc.errors)
    summary = {"file": t(f"Tidak ada baris yang dapat dicatat: {len(skipped)} masalah, lihat daftar di bawah",
                         f"No row can be recorded: {len(skipped)} problems, see the list below")}
    return summary, {"skipped": skipped, "items": [], "counts": {}, "packed": None, "file": ""}


@bp.route("/appraisals/import", methods=["POST"])
@login_required(ADMIN)
def appraisals_import():
    """Record the valid rows of a previewed file: each is checked again (the API's checks) and
    nothing is recorded if one no longer passes."""
    try:
        forms.refuse_unknown({"rows"})
        packed = _unpack(request.form.get("rows", ""))
        numbered = [(line, {"nip": nip, "period": period, "hasil_kerja": rating, "perilaku": perilaku})
                    for line, nip, period, rating, perilaku in packed["items"]]
        rows, problems = appraisal_import.check_all(numbered)
        changes = {i["line"]: i for i in _with_changes([{"line": r.line, "nip": r.nip, "period": r.period,
                                                         "hasil_kerja": r.hasil_kerja, "perilaku": r.perilaku}
                                                        for r in rows])}
        result = appraisals.record(rows, problems, dry_run=False)
    except (ValidationError, ApiError) as exc:
        errors, preview = _refused(exc)
        return render_template("aggregator/admin/appraisals.html", errors=errors, columns=appraisal_import.COLUMNS,
                               rating=_rating, preview=preview), exc.status if isinstance(exc, ApiError) else 422
    items = [{**changes[i["line"]], **i} for i in result["items"]]
    return render_template("aggregator/admin/appraisals_done.html", result=result, items=items,
                           counts=_counts(items), skipped=[tuple(s) for s in packed["skipped"]],
                           file=packed["file"], rating=_rating)
