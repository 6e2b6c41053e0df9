"""What the evaluation dashboard shows: the filters, and the rows behind each chart and table.

Rows come from the same report functions as the indicators API (:mod:`.reports`,
:func:`.cases.listing`), so every number on the page is the API's; the page only adds
names from the directory. Each chart's CSV download is exactly the rows it was drawn from.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction

from marshmallow import EXCLUDE, Schema, ValidationError

from shared.contracts.formats import code_field, period_field
from shared.domain import berakhlak, skm
from shared.domain.periods import kind_of, months_in, previous, quarter_of, semester_of
from shared.platform.errors import ApiError, flatten
from shared.records.directory import Employee, Service, Unit

from services.aggregator.coaching import cases
from services.aggregator.queries import reports
from services.aggregator.state import fold, sources, store

CHARTS = ("units", "services", "trend", "unsur", "peer", "coaching", "bursts")
TREND_LENGTH = {"month": 6, "quarter": 4, "semester": 4, "year": 3}
MAX_TREND_LINES = 8
UNSUR_NAMES = {code: (name, name_en) for code, name, name_en, _, _ in skm.UNSUR}
VALUE_NAMES = {code: (name, name_en) for code, name, name_en, _, _ in berakhlak.VALUES}


@dataclass(frozen=True)
class Filters:
    period: str
    unit: str | None = None
    service: str | None = None

    def query(self) -> dict:
        """The filters as query parameters (for links to charts, downloads and the API)."""
        return {k: v for k, v in (("period", self.period), ("unit", self.unit), ("service", self.service)) if v}


class FilterArgs(Schema):
    """The dashboard's filters as query parameters (other parameters, such as ``lang``, are
    the page's own)."""

    class Meta:
        unknown = EXCLUDE

    period = period_field(load_default=None)
    unit = code_field(error="unit tidak dikenal / unknown unit", load_default=None)
    service = code_field(error="layanan tidak dikenal / unknown service", load_default=None)


def parse_filters(args: Mapping[str, str], default_period: str) -> Filters:
    """Filters from query parameters; 422 naming each bad field (period format, unknown unit
    or service). Empty parameters mean "not filtered" (a form's empty choice)."""
    given = {k: v.strip() for k, v in args.items() if k in FilterArgs().fields and isinstance(v, str) and v.strip()}
    try:
        data = FilterArgs().load(given)
    except ValidationError as exc:
        raise ApiError(422, errors=flatten(exc.messages)) from None
    errors: dict[str, list[str]] = {}
    unit, service = data["unit"], data["service"]
    if unit and not unit_known(unit):
        errors["unit"] = ["unit tidak dikenal / unknown unit"]
    if service and not _service_known(unit, service):
        errors["service"] = ["layanan tidak dikenal / unknown service"]
    if errors:
        raise ApiError(422, errors=errors)
    return Filters(data["period"] or default_period, unit, service)


def unit_known(code: str) -> bool:
    return Unit.head(code) is not None or store.collection().find_one({"kind": fold.SKM, "scope": code}) is not None


def _service_known(unit: str | None, code: str) -> bool:
    if unit:
        return Service.head(Service.ref_of(unit, code)) is not None
    return Service.objects(code=code).first() is not None


def names(nips) -> dict[str, str]:
    nips = sorted({n for n in nips if n})
    return {e.nip: e.name for e in Employee.heads(nip__in=nips)} if nips else {}


def unit_names() -> dict[str, tuple[str, str]]:
    return {u.code: (u.name, u.name_en or u.name) for u in Unit.heads()}


# -- rows per chart (each also its CSV) --------------------------------------------------------

def unit_rows(f: Filters) -> list[dict]:
    """= GET /api/v1/indicators/units?period=&unit="""
    return reports.units(f.period, f.unit)


def service_rows(f: Filters) -> list[dict]:
    """= GET /api/v1/indicators/services?period=&unit=&service="""
    return reports.services(f.period, f.unit, f.service)


def trend_periods(period: str) -> list[str]:
    """The period and those before it of the same kind (6 months, 4 quarters, 3 years), oldest first."""
    out = [period]
    for _ in range(TREND_LENGTH[kind_of(period)] - 1):
        out.append(previous(out[-1]))
    return out[::-1]


def trend_rows(f: Filters) -> list[dict]:
    """IKM per unit and period, each period as the indicators API answers it for that period."""
    rows = []
    for period in trend_periods(f.period):
        for row in reports.units(period, f.unit):
            rows.append({"period": period, "unit": row["unit"], "respondents": row["respondents"], "ikm": row["ikm"],
                         "mutu": (row["grade"] or {}).get("mutu")})
    return rows


def trend_series(rows: list[dict], periods: list[str]) -> dict[str, list[tuple[str, float | None]]]:
    """unit -> [(period, ikm or None)] for the units in the latest period first, at most 8."""
    by_unit: dict[str, dict[str, float | None]] = {}
    for row in rows:
        by_unit.setdefault(row["unit"], {})[row["period"]] = row["ikm"] if row["respondents"] else None
    latest = periods[-1]
    ranked = sorted(by_unit, key=lambda u: (by_unit[u].get(latest) is None, u))[:MAX_TREND_LINES]
    return {u: [(p, by_unit[u].get(p)) for p in periods] for u in ranked}


def unsur_rows(f: Filters, units: list[dict] | None = None) -> list[dict]:
    """The nine unsur of one unit (the filtered one, else the unit with the lowest IKM), or of
    one service when both are filtered; lowest NRR first, unanswered unsur last."""
    if f.unit and f.service:
        found = reports.services(f.period, f.unit, f.service)
        source = found[0] if found else None
    else:
        candidates = units if units is not None else unit_rows(f)
        answered = [r for r in candidates if r["ikm"] is not None]
        source = (min(answered, key=lambda r: (r["ikm"], r["unit"])) if answered
                  else (candidates[0] if candidates else None))
    if source is None:
        return []
    order = {code: i for i, code in enumerate(skm.UNSUR_CODES)}
    ranked = sorted(skm.UNSUR_CODES, key=lambda c: (source["nrr"].get(c) is None, source["nrr"].get(c) or 0, order[c]))
    return [{"unit": source["unit"], "service": source.get("service"), "period": f.period, "unsur": code,
             "name": UNSUR_NAMES[code][0], "name_en": UNSUR_NAMES[code][1], "nrr": source["nrr"].get(code)}
            for code in ranked]


def peer_period(period: str) -> str:
    """What the peer section shows for the dashboard's period: peer results are released per
    quarter only (:mod:`shared.domain.peer_release`), so a month shows its quarter; a quarter,
    a semester or a year is itself (a semester or a year: its released quarters)."""
    return quarter_of(period) if kind_of(period) == "month" else period


def peer_rows(f: Filters) -> list[dict]:
    """= GET /api/v1/indicators/peer?period=<peer_period>&unit= (withheld results stay
    withheld; one row per employee and quarter), with names."""
    rows = reports.peer(peer_period(f.period), unit=f.unit)
    who = names(r["nip"] for r in rows)
    return [{"nip": r["nip"], "name": who.get(r["nip"]), **{k: v for k, v in r.items() if k != "nip"}} for r in rows]


def peer_value_means(rows: list[dict]) -> list[tuple[str, float | None]]:
    """Per BerAKHLAK value: the mean of the released results' means as shown (withheld ones
    never count), exactly, rounded half-up once to the same decimals: a summary of figures on
    the page, so it reveals nothing they do not."""
    out = []
    for code in berakhlak.VALUE_CODES:
        means = [berakhlak.exact(r["values"][code]["mean"]) for r in rows
                 if r.get("released") and r["values"].get(code, {}).get("mean") is not None]
        mean = skm.half_up(sum(means, Fraction(0)) / len(means), berakhlak.MEAN_PLACES) if means else None
        out.append((code, float(mean) if mean is not None else None))
    return out


def recognition_rows(f: Filters) -> list[dict]:
    """Appreciations whose period overlaps the dashboard's (a month's officer-top, a quarter's
    berakhlak-above), as GET /api/v1/recognitions lists them."""
    from shared.domain.periods import months_in, quarter_of
    months = months_in(f.period)
    found = cases.listing(unit=f.unit, limit=500, recognitions=True,
                          periods=[f.period, *months, *(quarter_of(m) for m in months)])
    who = names(c["subject"] for c in found)
    return [{"case_id": c["_id"], "rule": c["rule"], "subject": c["subject"], "name": who.get(c["subject"]),
             "unit": c.get("unit"), "period": c["period"], "summary": c["summary"]} for c in found]


def coaching_rows(f: Filters) -> list[dict]:
    """= GET /api/v1/cases?status=open&unit= : who needs coaching now, with the evidence."""
    found = cases.listing(status="open", unit=f.unit, limit=500)
    who = names(c["subject"] for c in found if c["subject_type"] == "employee")
    return [{"case_id": c["_id"], "rule": c["rule"], "subject_type": c["subject_type"], "subject": c["subject"],
             "name": who.get(c["subject"]), "unit": c.get("unit"), "period": c["period"], "severity": c["severity"],
             "opened_at": c["opened_at"], "summary": c["summary"], "evidence": c["evidence"]}
            for c in found]


def burst_rows(f: Filters, timezone: str) -> list[dict]:
    """Days of the period on which one officer got many responses from few clients
    (:func:`.sources.bursts`): worth a look before trusting that officer's numbers."""
    months = months_in(f.period)
    docs = store.find_months({"kind": fold.SKM_OFFICERS}, months, {"scope": 1, "officers": 1},
                             scopes=[f.unit] if f.unit else None)
    found = sources.bursts(sources.sources(docs), timezone)
    who = names(b.officer for b in found)
    return [{"officer": b.officer, "name": who.get(b.officer), "day": b.day, "responses": b.responses,
             "clients": b.clients, "top_client_percent": b.top_client_percent} for b in found]


def rows_for(name: str, f: Filters, timezone: str) -> list[dict]:
    """The rows of one chart (its CSV download)."""
    if name == "units":
        return unit_rows(f)
    if name == "services":
        return service_rows(f)
    if name == "trend":
        return trend_rows(f)
    if name == "unsur":
        return unsur_rows(f)
    if name == "peer":
        return peer_rows(f)
    if name == "coaching":
        return coaching_rows(f)
    if name == "bursts":
        return burst_rows(f, timezone)
    raise ApiError(404, errors={"chart": [f"grafik tidak dikenal / unknown chart; one of {', '.join(CHARTS)}"]})


def period_choices(current: str, selected: str) -> list[str]:
    """Options for the period filter: 12 months, 4 quarters, 2 semesters and 3 years up to
    ``current`` (a month), and the selected period if it is none of those."""
    months = [current]
    for _ in range(11):
        months.append(previous(months[-1]))
    quarter = f"{current[:4]}-Q{(int(current[5:]) - 1) // 3 + 1}"
    quarters = [quarter]
    for _ in range(3):
        quarters.append(previous(quarters[-1]))
    semesters = [semester_of(current), previous(semester_of(current))]
    years = [current[:4], previous(current[:4]), previous(previous(current[:4]))]
    out = months + quarters + semesters + years
    return out if selected in out else [selected] + out
