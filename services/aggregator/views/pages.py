"""Web pages of the aggregator: the evaluation dashboard with its charts and CSV downloads,
the SKM report (PDF, XLSX) for evaluators and admins (login), and the public results page.

Every number comes from the functions the API answers with (:mod:`..dashboard`,
:mod:`..publication`, :mod:`..skmreport`). Bad filters give the HTML pages a friendly error
page; chart, CSV and report downloads answer with the API's JSON error (field and message).
"""
from __future__ import annotations

from flask import Blueprint, Response, current_app, redirect, render_template, request, url_for

from shared.contracts.formats import CODE_RE, PERIOD_MESSAGE, PERIOD_RE
from shared.domain import berakhlak, skm
from shared.domain.complaints import KIND_LABELS
from shared.platform.auth import ADMIN, EVALUATOR, SUPERVISOR, public
from shared.platform.errors import ApiError
from shared.platform.i18n import current_lang, t
from shared.platform.web import this_month
from shared.platform.webauth import login_required
from shared.records.directory import Service, Unit

from services.aggregator.presentation import charts, dashboard, exports, skm_report_data, skm_report_layout
from services.aggregator.queries import publication
from services.aggregator.views.reports import download, local_now

bp = Blueprint("pages", __name__, template_folder="../templates", static_folder="../static",
               static_url_path="/aggregator-static")
EVALUATION = (EVALUATOR, ADMIN)
GRADE_ORDER = ("A", "B", "C", "D")


def _error_page(err: ApiError):
    details = [f"{field}: {' '.join(msgs)}" for field, msgs in sorted(err.errors.items())]
    return render_template("ui/error.html", status=err.status, message=t(err.message, err.message_en),
                           details=details), err.status


def _fmt(value, places: int = 2) -> str:
    return charts.number(value, places, current_lang())


def _helpers() -> dict:
    lang = current_lang()
    return {"fmt": _fmt, "unsur_name": lambda c: dashboard.UNSUR_NAMES[c][1 if lang == "en" else 0],
            "value_name": lambda c: dashboard.VALUE_NAMES[c][1 if lang == "en" else 0],
            "kinerja": lambda g: (g or {}).get("kinerja_en" if lang == "en" else "kinerja") or "–",
            "period_label": lambda p: skm_report_layout.period_label(p, lang),
            "rating": lambda r: berakhlak.RATING_LABELS[r][1 if lang == "en" else 0] if r else "–"}


@bp.route("/")
@public
def home():
    return redirect(url_for("pages.results"))


# -- evaluation dashboard -----------------------------------------------------------------------

def _timezone() -> str:
    zone: str = _settings().timezone
    return zone


@bp.route("/dashboard")
@login_required(*EVALUATION)
def dashboard_page():
    try:
        f = dashboard.parse_filters(request.args, this_month())
    except ApiError as err:
        return _error_page(err)
    lang = current_lang()
    units = dashboard.unit_rows(f)
    names = dashboard.unit_names()
    trend = dashboard.trend_rows(f)
    periods = dashboard.trend_periods(f.period)
    peer = dashboard.peer_rows(f)
    services_all = sorted({s.code for s in (Service.heads(unit=f.unit) if f.unit else Service.heads())})
    return render_template(
        "aggregator/dashboard.html", f=f, query=f.query(), units=units, unit_names=names,
        services=dashboard.service_rows(f), trend=trend, trend_periods=periods,
        trend_series=dashboard.trend_series(trend, periods), unsur=dashboard.unsur_rows(f, units), peer=peer,
        peer_period=dashboard.peer_period(f.period),
        peer_values=dashboard.peer_value_means(peer), value_codes=berakhlak.VALUE_CODES,
        coaching=dashboard.coaching_rows(f), effect=_effect(f), recognitions=dashboard.recognition_rows(f),
        trainings=_trainings(),
        rollup=publication.rollup(f.period),
        unit_link=_unit_link(f.period),
        plans=_plans(f), status_label=_status_label,
        bursts=dashboard.burst_rows(f, _timezone()), all_units=Unit.heads(), complaints=_complaint_rows(f, units),
        all_services=services_all,
        periods=dashboard.period_choices(this_month(), f.period), lang=lang, **_helpers())


def _trainings() -> list[dict]:
    from services.aggregator.presentation import training_report
    return training_report.ranking(_settings(), current_app.extensions["tanggap"].clock.now())


def _effect(f: dashboard.Filters) -> dict:
    from services.aggregator.coaching import effect_records as coaching_effect
    return coaching_effect.of_period(f.period, _timezone())


def _complaint_rows(f: dashboard.Filters, units: list[dict]) -> list[dict]:
    """Complaint handling per unit beside the unit's U8 (the SKM element about it)."""
    from services.aggregator.queries import complaints
    found = complaints.by_unit(_settings(), f.period, current_app.extensions["tanggap"].clock.now())
    u8 = {r["unit"]: (r.get("nrr") or {}).get("U8") for r in units}
    return [{"unit": code, "u8": u8.get(code), **complaints.plain(fig)} for code, fig in found.items()
            if not f.unit or code == f.unit]


def _plans(f: dashboard.Filters) -> list[dict]:
    from services.aggregator import action_plans as plans
    return plans.of(f.unit, f.period)


def _chart(name: str, f: dashboard.Filters) -> bytes:
    lang = current_lang()
    empty = t("Belum ada data untuk pilihan ini", "No data for this selection yet")
    if name == "units":
        rows = dashboard.unit_rows(f)
        return charts.ikm_bars([(r["unit"], r["ikm"], (r["grade"] or {}).get("mutu")) for r in rows],
                               title=t(f"IKM per unit · {f.period}", f"IKM per unit · {f.period}"), empty=empty,
                               lang=lang)
    if name == "services":
        rows = dashboard.service_rows(f)
        return charts.ikm_bars([(f"{r['unit']} · {r['service']}", r["ikm"], (r["grade"] or {}).get("mutu"))
                                for r in rows],
                               title=t(f"IKM per jenis layanan · {f.period}", f"IKM per service · {f.period}"),
                               empty=empty, lang=lang)
    if name == "trend":
        periods = dashboard.trend_periods(f.period)
        return charts.trend_lines(dashboard.trend_series(dashboard.trend_rows(f), periods),
                                  title=t("Tren IKM", "IKM trend"), empty=empty, lang=lang)
    if name == "unsur":
        rows = dashboard.unsur_rows(f)
        scope = (rows[0]["unit"] + (f" · {rows[0]['service']}" if rows[0]["service"] else "")) if rows else ""
        items = [(f"{r['unsur']} {r['name_en'] if lang == 'en' else r['name']}", r["nrr"]) for r in rows]
        return charts.score_bars(items, title=t(f"NRR per unsur, terendah dulu · {scope}",
                                                f"NRR per element, lowest first · {scope}"),
                                 empty=empty, low=1, high=4, axis_label="NRR (1–4)", lang=lang)
    if name == "peer":
        from services.aggregator import indicator_policy
        rules = indicator_policy.peer()
        means = dashboard.peer_value_means(dashboard.peer_rows(f))
        items = [(f"{code} {dashboard.VALUE_NAMES[code][1 if lang == 'en' else 0]}", mean) for code, mean in means]
        shown = dashboard.peer_period(f.period)
        return charts.score_bars(items, title=t(f"BerAKHLAK 360: rata-rata hasil yang dirilis · {shown}",
                                                f"BerAKHLAK 360: mean of released results · {shown}"),
                                 empty=t("Belum ada hasil yang dirilis (minimal 3 penilai)",
                                         "No released result yet (at least 3 raters)"),
                                 low=1, high=5, axis_label=t("rata-rata (1–5)", "mean (1–5)"),
                                 marks=(rules.below, rules.above), lang=lang, places=berakhlak.MEAN_PLACES)
    raise ApiError(404, errors={"chart": ["grafik tidak dikenal / unknown chart; one of units, services, trend, "
                                          "unsur, peer"]})


@bp.route("/dashboard/charts/<name>.svg")
@login_required(*EVALUATION)
def chart(name):
    f = dashboard.parse_filters(request.args, this_month())
    response = Response(_chart(name, f), mimetype="image/svg+xml")
    response.headers["Cache-Control"] = "private, max-age=60"
    return response


@bp.route("/dashboard/data/<name>.csv")
@login_required(*EVALUATION)
def chart_data(name):
    f = dashboard.parse_filters(request.args, this_month())
    rows = dashboard.rows_for(name, f, _timezone())
    filename = "-".join([name, f.period] + [v for v in (f.unit, f.service) if v])
    return Response(exports.to_csv(rows), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{filename}.csv"'})


# -- SKM report ---------------------------------------------------------------------------------

@bp.route("/reports/skm/<unit>.<fmt>")
@login_required(*EVALUATION)
def report(unit, fmt):
    if fmt not in skm_report_layout.FILE_TYPES:
        raise ApiError(404, errors={"format": ["pdf atau xlsx / pdf or xlsx"]})
    f = dashboard.parse_filters({"period": request.args.get("period", "")}, this_month())
    report = skm_report_data.load(unit, f.period, local_now(), _settings())
    return download(report, fmt, current_lang())


@bp.route("/reports/skm-pemda.<fmt>")
@login_required(*EVALUATION)
def report_pemda(fmt):
    if fmt not in skm_report_layout.FILE_TYPES:
        raise ApiError(404, errors={"format": ["pdf atau xlsx / pdf or xlsx"]})
    f = dashboard.parse_filters({"period": request.args.get("period", "")}, this_month())
    return download(skm_report_data.build_pemda(f.period, local_now()), fmt, current_lang())


# -- rencana tindak lanjut (RTL) ----------------------------------------------------------------

RTL_READERS = (EVALUATOR, ADMIN, SUPERVISOR)


def _rtl_context(unit: str, period: str) -> dict:
    from shared.domain import followup
    from shared.domain.periods import previous

    from services.aggregator import action_plans as plans
    from services.aggregator.queries import reports

    row = reports.units(period, unit)[0]
    before_period = previous(period)
    earlier = plans.of(unit, before_period)
    before = reports.units(before_period, unit)[0]["nrr"] if earlier else {}
    record = Unit.head(unit)
    return {"unit": unit, "period": period, "row": row, "plans": plans.of(unit, period),
            "name": (record.name, record.name_en or record.name) if record else (unit, unit),
            "earlier": earlier, "earlier_period": before_period,
            "comparison": followup.compare(earlier, before, row["nrr"]) if earlier else [],
            "statuses": followup.STATUSES, "unsur_codes": skm.UNSUR_CODES}


@bp.route("/rtl/<unit>", methods=["GET", "POST"])
@login_required(*RTL_READERS)
def action_plan_page(unit):
    """A unit's follow-up plan for a period: everyone who may read it sees it; the unit's head
    (or the head of a unit above it) and admins add and change actions, each a new revision."""
    from marshmallow import ValidationError

    from shared.platform.webauth import web_principal

    from services.aggregator.views import action_plans as api

    period = (request.values.get("period") or "").strip() or this_month()
    if not PERIOD_RE.match(period):
        return _error_page(ApiError(422, "Periode tidak valid", "Invalid period", errors={"period": [PERIOD_MESSAGE]}))
    if not CODE_RE.match(unit) or Unit.head(unit) is None:
        return _error_page(ApiError(404, "Unit tidak ditemukan", "Unit not found"))
    who = web_principal()
    assert who is not None
    errors: dict = {}
    status = 200
    form = request.form
    if request.method == "POST":
        fields = {k: form.get(k, "") for k in ("kegiatan", "waktu", "penanggung_jawab", "status", "evidence_note",
                                              "evidence_url")}
        fields = {k: (v.strip() or None) if k.startswith("evidence") else v.strip() for k, v in fields.items()}
        fields["unsur"] = form.getlist("unsur")
        item = form.get("item", "")
        try:
            if item:
                data = api.ActionPlanUpdate().load({**fields, "rev": form.get("rev", "")})
                api.update(item, data, who)
            else:
                data = api.ActionPlanIn().load({**fields, "unit": unit, "period": period})
                api.create(data, who)
            return redirect(url_for("pages.action_plan_page", unit=unit, period=period) + "#rencana")
        except ValidationError as exc:
            errors, status = dict(exc.messages), 422
        except ApiError as err:
            if err.status == 404:
                return _error_page(err)
            errors, status = dict(err.errors), err.status
    return render_template("aggregator/action_plan.html", **_rtl_context(unit, period), errors=errors,
                           form=form if errors else {}, may_edit=api.may_edit(who, unit),
                           status_label=lambda code: _status_label(code),
                           periods=dashboard.period_choices(this_month(), period), **_helpers()), status


def _status_label(code: str) -> str:
    from shared.domain import followup
    return followup.status_label(code, current_lang())


# -- training programmes: one programme's report --------------------------------------------------

@bp.route("/pelatihan/<code>")
@login_required(*EVALUATION)
def training_page(code):
    from services.aggregator.presentation import training_report
    now = current_app.extensions["tanggap"].clock.now()
    report = training_report.build(code, _settings(), now) if CODE_RE.match(code) else None
    if report is None:
        return _error_page(ApiError(404, "Program tidak ditemukan", "Programme not found"))
    from shared.domain import training
    en = current_lang() == "en"
    application = {a[0]: (a[4] if en else a[3]) for a in training.APPLICATION}
    return render_template("aggregator/training.html", report=report, questions=_reaction_questions(),
                           application=application, **_helpers())


@bp.route("/pelatihan/<code>.<fmt>")
@login_required(*EVALUATION)
def training_download(code, fmt):
    from flask import Response

    from services.aggregator.presentation import training_report
    now = current_app.extensions["tanggap"].clock.now()
    report = training_report.build(code, _settings(), now) if CODE_RE.match(code) and fmt in ("pdf", "xlsx") \
        else None
    if report is None:
        return _error_page(ApiError(404, "Program tidak ditemukan", "Programme not found"))
    lang = current_lang()
    body = training_report.to_pdf(report, lang) if fmt == "pdf" else training_report.to_xlsx(report, lang)
    mimetype = "application/pdf" if fmt == "pdf" else training_report.XLSX_TYPE
    return Response(body, mimetype=mimetype,
                    headers={"Content-Disposition": f'attachment; filename="pelatihan-{code}.{fmt}"'})


def _reaction_questions() -> dict[str, str]:
    from shared.domain import training
    en = current_lang() == "en"
    return {c: (text_en if en else text_id) for c, text_id, text_en in training.REACTION}


# -- public results -----------------------------------------------------------------------------

@bp.route("/results")
@public
def results():
    period = (request.args.get("period") or "").strip() or this_month()
    if not PERIOD_RE.match(period):
        return _error_page(ApiError(422, "Periode tidak valid", "Invalid period",
                                    errors={"period": [PERIOD_MESSAGE]}))
    rows = publication.units(period)
    grades = {g: sum(1 for r in rows if (r.get("grade") or {}).get("mutu") == g) for g in GRADE_ORDER}
    return render_template("aggregator/results.html", rows=rows, period=period, grades=grades,
                           periods=dashboard.period_choices(this_month(), period), **_helpers())


@bp.route("/results/pemda")
@public
def results_pemda():
    """IKM gabungan of the Pemda, the OPD ranking and the OPD tree (the rollup API's rows)."""
    period = (request.args.get("period") or "").strip() or this_month()
    if not PERIOD_RE.match(period):
        return _error_page(ApiError(422, "Periode tidak valid", "Invalid period",
                                    errors={"period": [PERIOD_MESSAGE]}))
    return render_template("aggregator/results_pemda.html", rollup=publication.rollup(period), period=period,
                           pemda_name=_settings().pemda_name, unit_link=_unit_link(period),
                           periods=dashboard.period_choices(this_month(), period), **_helpers())


def _unit_link(period: str):
    return lambda code: url_for("pages.result_unit", unit=code, period=period)


def _settings():
    return current_app.extensions["tanggap"].settings


@bp.route("/results/<unit>")
@public
def result_unit(unit):
    period = (request.args.get("period") or "").strip() or this_month()
    if not PERIOD_RE.match(period):
        return _error_page(ApiError(422, "Periode tidak valid", "Invalid period",
                                    errors={"period": [PERIOD_MESSAGE]}))
    record = Unit.head(unit) if CODE_RE.match(unit) else None
    row = publication.unit(unit, period) if CODE_RE.match(unit) else None
    if record is None and (row is None or not row["respondents"]):
        return _error_page(ApiError(404, "Unit tidak ditemukan", "Unit not found"))
    name = (record.name, record.name_en or record.name) if record else (unit, unit)
    from services.aggregator import action_plans as plans
    from services.aggregator.queries import complaints
    handling = complaints.unit(_settings(), unit, period, current_app.extensions["tanggap"].clock.now())
    return render_template("aggregator/result_unit.html", row=row, period=period, unit=unit, name=name,
                           plans=plans.of(unit, period), status_label=_status_label, complaints=handling,
                           kind_label=lambda k: t(*KIND_LABELS.get(k, (k, k))),
                           survey_url=_settings().public_survey_url.rstrip("/"),
                           unsur_codes=skm.UNSUR_CODES, periods=dashboard.period_choices(this_month(), period),
                           **_helpers())
