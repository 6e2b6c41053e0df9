"""Importing hasil kerja ratings from the SKP appraisal (CSV upload or JSON).

Every row is checked first (errors per row, with its line number) and nothing is published
unless all rows are valid. Valid rows become ``appraisal.recorded`` events keyed by NIP on
the responses topic (Kafka is their durable log); the worker keeps the latest per (NIP,
period). Importing the same file again is harmless: the same values are recorded again.
"""
from __future__ import annotations

import uuid

from flask import current_app, request
from flask_smorest import Blueprint
from kafka.errors import KafkaError
from marshmallow import Schema, fields, validate

from shared.contracts import payloads
from shared.contracts.events import new_event
from shared.contracts.formats import StrictBoolean
from shared.domain import berakhlak
from shared.messaging.clients import make_producer, reachable, send_event
from shared.messaging.topics import Topics
from shared.platform.auth import ADMIN, EVALUATOR, require
from shared.platform.errors import ApiError
from shared.platform.openapi import refuses
from shared.records.directory import Employee

from services.aggregator import appraisal_import

blp = Blueprint("appraisals", __name__, url_prefix="/api/v1/appraisals",
                description="Hasil kerja ratings from the SKP appraisal (admins, evaluators)")
PRODUCER = "aggregator"


class RowIn(Schema):
    nip = fields.String(required=True)
    period = fields.String(required=True)
    hasil_kerja = fields.String(required=True, metadata={"description": "di_atas, sesuai, di_bawah or their labels"})
    perilaku = fields.String(allow_none=True, metadata={"description": "optional: the rater's perilaku kerja rating "
                                                                       "(takes precedence over peer feedback)"})


class ImportIn(Schema):
    items = fields.List(fields.Nested(RowIn), required=True,
                        validate=validate.Length(min=1, max=appraisal_import.MAX_ROWS))
    dry_run = StrictBoolean(load_default=False)


class DryRunQuery(Schema):
    dry_run = fields.Boolean(load_default=False, metadata={"description": "check only, publish nothing"})


class RecordedOut(Schema):
    line = fields.Integer(metadata={"description": "the row's line (CSV: the header is line 1) or item number"})
    nip = fields.String()
    period = fields.String()
    hasil_kerja = fields.String(validate=validate.OneOf(berakhlak.RATINGS))
    perilaku = fields.String(allow_none=True, validate=validate.OneOf(berakhlak.RATINGS))
    unit = fields.String(allow_none=True)


class ImportOut(Schema):
    dry_run = fields.Boolean()
    rows = fields.Integer()
    published = fields.Integer()
    items = fields.List(fields.Nested(RecordedOut))


@blp.route("", methods=["POST"])
@require(ADMIN, EVALUATOR)
@blp.arguments(ImportIn)
@blp.response(200, ImportOut)
@refuses(blp, 422, "a row naming an unknown employee, an invalid NIP, period or rating: errors keyed "
                   "'<item number>.<field>'; nothing is recorded")
@refuses(blp, 503, "Kafka unavailable: nothing or not everything was recorded; send again", beyond_schema=False)
def import_json(data):
    """Record hasil kerja ratings given as JSON items (``?dry_run`` / ``dry_run``: check only)."""
    rows, errors = appraisal_import.check_all((i + 1, item) for i, item in enumerate(data["items"]))
    return record(rows, errors, data["dry_run"])


XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@blp.route("/import", methods=["POST"])
@require(ADMIN, EVALUATOR)
@blp.arguments(DryRunQuery, location="query")
@blp.response(200, ImportOut)
@refuses(blp, 422, "a file that is neither UTF-8 CSV nor XLSX with the columns nip, period, hasil_kerja, or a "
                   "row that is invalid: errors keyed '<line>.<field>' (the header is line 1); nothing is recorded")
@refuses(blp, 503, "Kafka unavailable: nothing or not everything was recorded; send again", beyond_schema=False)
@blp.doc(requestBody={"required": True, "content": {"text/csv": {"schema": {"type": "string"}},
                                  XLSX_TYPE: {"schema": {"type": "string", "format": "binary"}},
                                  "multipart/form-data": {"schema": {"type": "object", "required": ["file"],
                                                                     "properties": {"file": {"type": "string",
                                                                                             "format": "binary"}}}}}})
def import_csv(query):
    """Import a CSV or an XLSX workbook (columns nip, period, hasil_kerja, optional perilaku)
    sent as the body or as the form file ``file``; a NIP the workbook holds as a number is
    refused (a spreadsheet keeps 15 digits)."""
    upload = request.files.get("file")
    raw = upload.read() if upload else request.get_data()
    rows, errors = appraisal_import.parse_file(raw)
    return record(rows, errors, query["dry_run"])



def known_items(rows: list[appraisal_import.Row], errors: dict) -> list[dict]:
    """The rows naming an employee of the directory, as recorded items (with the employee's
    unit); each other row gets an 'unknown employee' error in ``errors``."""
    known = {e.nip: e for e in Employee.heads(nip__in=sorted({r.nip for r in rows}))} if rows else {}
    for row in rows:
        if row.nip not in known:
            errors.setdefault(f"{row.line}.nip", []).append("pegawai tidak dikenal / unknown employee")
    return [{"line": r.line, "nip": r.nip, "period": r.period, "hasil_kerja": r.hasil_kerja,
             "perilaku": r.perilaku, "unit": known[r.nip].unit} for r in rows if r.nip in known]


def record(rows: list[appraisal_import.Row], errors: dict, dry_run: bool) -> dict:
    """Check that every row names a known employee, then publish them all (``dry_run``: none);
    ApiError 422 with every row's error if any row is invalid (nothing published), 503 when
    Kafka is down."""
    items = known_items(rows, errors)
    if errors or not rows:
        raise ApiError(422, "Ada baris yang tidak valid; tidak ada yang dicatat",
                       "Some rows are invalid; nothing was recorded",
                       errors=errors or {"file": ["tidak ada baris / no rows"]})
    if dry_run:
        return {"dry_run": True, "rows": len(rows), "published": 0, "items": items}
    return {"dry_run": False, "rows": len(rows), "published": _publish(items), "items": items}


def _producer():
    ext = current_app.extensions["tanggap"]
    if "producer" not in ext.state:
        ext.state["producer"] = make_producer(ext.settings, client_id="aggregator-api", max_block_ms=5000,
                                              request_timeout_ms=5000, delivery_timeout_ms=10000)
    return ext.state["producer"]


def _unavailable(published: int) -> ApiError:
    return ApiError(503, "Kafka tidak tersedia; kirim ulang berkas yang sama",
                    "Kafka is unavailable; send the same file again",
                    errors={"kafka": ["unavailable"]}, published=published)


def _publish(items: list[dict]) -> int:
    ext = current_app.extensions["tanggap"]
    if not reachable(ext.settings):
        raise _unavailable(0)
    topic = Topics.from_settings(ext.settings).responses
    now = ext.clock.now()
    published = 0
    try:
        producer = _producer()
        futures = []
        for item in items:
            payload = {"appraisal_id": str(uuid.uuid4()), "nip": item["nip"], "unit": item["unit"],
                       "period": item["period"], "hasil_kerja": item["hasil_kerja"], "recorded_at": now.isoformat()}
            if item["perilaku"]:
                payload["perilaku"] = item["perilaku"]
            event = new_event(payloads.APPRAISAL, item["nip"], payload, producer=PRODUCER, clock=ext.clock)
            futures.append(send_event(producer, topic, event))
        producer.flush(timeout=15)
        for future in futures:
            future.get(timeout=1)
            published += 1
    except (KafkaError, TimeoutError, OSError):
        producer = ext.state.pop("producer", None)
        if producer is not None:
            try:
                producer.close(timeout=1)
            except Exception:  # a producer whose broker is gone may fail to close; it is dropped anyway
                pass
        raise _unavailable(published) from None
    return published
