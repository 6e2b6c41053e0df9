"""One error shape for every API: ``{"code", "message", "message_en", "errors", "status"}``.

``code`` is a stable machine-readable string from :data:`CODES`, ``message`` is Bahasa
Indonesia, ``message_en`` English, and ``errors`` maps a field path (``answers.U1``) to
messages. :class:`ErrorOut` is that body as a schema: every operation of every service's
OpenAPI document answers errors with it.
"""
from __future__ import annotations

import logging
import uuid
from typing import Any

from flask import Flask, Response, jsonify
from marshmallow import Schema, fields, validate
from werkzeug.exceptions import HTTPException

log = logging.getLogger(__name__)

MESSAGES = {
    400: ("bad_request", "Permintaan tidak dapat dibaca", "The request could not be read"),
    401: ("unauthorized", "Perlu autentikasi", "Authentication required"),
    403: ("forbidden", "Anda tidak berhak mengakses ini", "You are not allowed to do this"),
    404: ("not_found", "Tidak ditemukan", "Not found"),
    405: ("method_not_allowed", "Metode tidak diizinkan", "Method not allowed"),
    409: ("conflict", "Konflik dengan keadaan saat ini", "Conflicts with the current state"),
    413: ("too_large", "Permintaan terlalu besar", "Request too large"),
    415: ("unsupported_media_type", "Jenis konten tidak didukung", "Unsupported content type"),
    422: ("validation_error", "Data tidak valid", "Invalid data"),
    429: ("rate_limited", "Terlalu banyak permintaan, coba lagi nanti", "Too many requests, try again later"),
    500: ("internal_error", "Terjadi kesalahan pada server", "Internal server error"),
    503: ("unavailable", "Layanan belum siap", "Service unavailable"),
}

# Every code an error body may carry: the generic one of each status above, and the specific
# ones views raise (a test checks that every code raised in the code is listed here).
CODES = tuple(code for code, _, _ in MESSAGES.values()) + (
    "error",                  # a status without a code of its own
    "malformed_json", "too_deep", "not_utf8", "invalid_characters",
    "idempotency_conflict", "duplicate_feedback", "not_in_circle", "not_an_employee",
    "kiosk_revoked", "kiosk_survey_inactive", "no_valid_rows",
    "address_refused",
    "period_not_released",    # peer results of a month: they are released per quarter only
    "already_acknowledged", "already_resolved", "not_acknowledged", "not_due", "no_dialogue", "escalated",
    # complaint tickets (shared.domain.complaints) and their intake
    "already_verified", "not_verified", "closed", "same_unit", "self_duplicate", "unknown_action", "busy",
)


class ErrorOut(Schema):
    """The body of every error answer."""

    code = fields.String(required=True, validate=validate.OneOf(CODES),
                         metadata={"description": "stable machine-readable code"})
    message = fields.String(required=True, metadata={"description": "what went wrong, in Bahasa Indonesia"})
    message_en = fields.String(required=True, metadata={"description": "what went wrong, in English"})
    errors = fields.Dict(keys=fields.String(), values=fields.List(fields.String()), required=True,
                         metadata={"description": "field path (e.g. answers.U1) -> messages; empty when no field"})
    status = fields.Integer(required=True, metadata={"description": "the HTTP status, repeated"})
    incident = fields.String(metadata={"description": "500 only: the id of the incident in the logs"})
    published = fields.Integer(metadata={"description": "appraisal import during a Kafka outage: rows published"})


class ApiError(Exception):
    """Raise from a view to answer with the error shape."""

    def __init__(self, status: int, message: str | None = None, message_en: str | None = None, *,
                 code: str | None = None, errors: dict[str, Any] | None = None, headers: dict[str, str] | None = None,
                 **extra: Any) -> None:
        default_code, default_id, default_en = MESSAGES.get(status, ("error", "Kesalahan", "Error"))
        if code is not None and code not in CODES:
            raise ValueError(f"error code {code!r} is not in errors.CODES (the documented list)")
        super().__init__(message_en or message or default_en)
        self.status = status
        self.code = code or default_code
        self.message = message or default_id
        self.message_en = message_en or (default_en if message is None else message)
        self.errors = errors or {}
        self.headers = headers or {}
        self.extra = extra

    def body(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, "message_en": self.message_en,
                "errors": self.errors, "status": self.status, **self.extra}


def field_error(field: str, message: str, status: int = 422, **kw: Any) -> ApiError:
    return ApiError(status, errors={field: [message]}, **kw)


def flatten(messages: object, prefix: str = "") -> dict[str, list[str]]:
    """Nested marshmallow/webargs messages -> {"a.b": ["..."]}."""
    if isinstance(messages, dict):
        out: dict[str, list[str]] = {}
        for key, value in messages.items():
            # marshmallow reports a Dict field's entries as {"U1": {"value": [...]}}: the
            # "key"/"value" level is not part of the field path a client sent.
            path = prefix if key in ("key", "value") and prefix else (f"{prefix}.{key}" if prefix else str(key))
            for field, msgs in flatten(value, path).items():
                out.setdefault(field, []).extend(msgs)
        return out
    if isinstance(messages, (list, tuple)) and all(isinstance(m, str) for m in messages):
        return {prefix or "_schema": list(messages)}
    if isinstance(messages, (list, tuple)):
        out = {}
        for index, value in enumerate(messages):
            out.update(flatten(value, f"{prefix}.{index}" if prefix else str(index)))
        return out
    return {prefix or "_schema": [str(messages)]}


def from_http_exception(exc: HTTPException) -> ApiError:
    status = exc.code or 500
    data = getattr(exc, "data", None) or {}
    errors: dict[str, list[str]] = {}
    messages = data.get("messages")
    if messages:
        # webargs: {"json": {...}} / {"query": {...}}: the location is not part of the field path
        for _location, fields in messages.items():
            errors.update(flatten(fields))
    if status == 400 and errors.get("_schema") == ["Invalid JSON body."]:
        return ApiError(400, "Badan permintaan bukan JSON yang valid", "The request body is not valid JSON",
                        code="malformed_json", errors={"_body": ["Invalid JSON body."]})
    headers = dict(data.get("headers") or {})
    allow = dict(exc.get_headers()).get("Allow")
    if allow:   # 405: the methods the resource has (RFC 9110)
        headers["Allow"] = allow
    specific = getattr(exc, "code_name", None)   # our own HTTPExceptions (a form that is not UTF-8)
    if specific:
        return ApiError(status, code=specific, errors={"_body": [str(exc.description)]}, headers=headers)
    return ApiError(status, errors=errors, headers=headers)


def respond(err: ApiError) -> Response:
    response = jsonify(err.body())
    response.status_code = err.status
    for key, value in err.headers.items():
        response.headers[key] = value
    return response


RETRY_AFTER_S = 5   # what an outage answer asks a client to wait


def outage(dependency: str) -> ApiError:
    """The answer while a dependency is down: 503 with ``Retry-After``, never a 500."""
    names = {"database": ("basis data", "the database"), "kafka": ("Kafka", "Kafka")}[dependency]
    return ApiError(503, f"Layanan sementara tidak tersedia: {names[0]} tidak terjangkau",
                    f"Temporarily unavailable: {names[1]} cannot be reached", code="unavailable",
                    errors={dependency: ["unreachable"]}, headers={"Retry-After": str(RETRY_AFTER_S)})


def register(app: Flask) -> None:
    from kafka import errors as kafka_errors
    from pymongo import errors as mongo_errors

    app.register_error_handler(ApiError, respond)
    app.register_error_handler(HTTPException, lambda exc: respond(from_http_exception(exc)))

    def database_down(exc: Exception) -> Response:
        log.warning("the database cannot be reached", extra={"error": type(exc).__name__})
        return respond(outage("database"))

    def kafka_down(exc: Exception) -> Response:
        log.warning("Kafka cannot be reached", extra={"error": type(exc).__name__})
        return respond(outage("kafka"))

    for cls in (mongo_errors.ConnectionFailure, mongo_errors.ExecutionTimeout):
        app.register_error_handler(cls, database_down)
    for cls in (kafka_errors.KafkaTimeoutError, kafka_errors.KafkaConnectionError, kafka_errors.NodeNotReadyError):
        app.register_error_handler(cls, kafka_down)

    @app.errorhandler(Exception)
    def unexpected(exc: Exception) -> Response:
        incident = uuid.uuid4().hex[:12]
        log.exception("unhandled error", extra={"incident": incident})
        return respond(ApiError(500, incident=incident))
