"""What every service's Flask app has: settings, clock, logs, errors, security headers,
OpenAPI + docs, health.

A service calls :func:`create_service_app` from its own ``create_app`` and registers its
blueprints on ``app.extensions["tanggap"].api``.
"""
from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, TypeVar, cast
from urllib.parse import parse_qsl

import flask_swagger_ui
from flask import Blueprint as FlaskBlueprint
from flask import Flask, Request, Response, jsonify, make_response, render_template, send_from_directory, url_for
from flask.json.provider import DefaultJSONProvider
from flask.typing import ResponseReturnValue
from flask_smorest import Api, Blueprint
from marshmallow import Schema, fields, validate
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.exceptions import BadRequest, HTTPException
from werkzeug.formparser import FormDataParser

from shared.platform import db, errors, headers, logs, openapi
from shared.platform.auth import public
from shared.platform.clock import Clock, SystemClock
from shared.platform.config import Settings
from shared.platform.text import MAX_DEPTH, clean_text, depth, unstorable_paths

log = logging.getLogger(__name__)
SWAGGER_DIST = Path(flask_swagger_ui.__file__).parent / "dist"
UI_STATIC = Path(__file__).parent / "ui" / "static"
F = TypeVar("F", bound=Callable[..., Any])


class TanggapApi(Api):
    """flask-smorest's Api, answering errors in the project's shape, and documenting them so."""

    ERROR_SCHEMA = errors.ErrorOut

    def _init_spec(self, *, extra_plugins: Any = None, **kwargs: Any) -> None:
        super()._init_spec(extra_plugins=[*(extra_plugins or ()), openapi.Conventions()], **kwargs)
        self.ma_plugin.converter.add_attribute_function(openapi.text_pattern)

    def handle_http_exception(self, error: HTTPException) -> Response:
        return errors.respond(errors.from_http_exception(error))

    def _openapi_swagger_ui(self) -> Response:
        """Swagger UI at ``/docs``: flask-smorest's page starts it with an inline script, ours
        with a file (``/docs/start.js``) reading its settings from a JSON data block, so the
        page runs under the pages' policy, with ``data:`` images for its icons (:mod:`.headers`)."""
        spec_url = url_for(f"{self._make_doc_blueprint_name()}.openapi_json")
        config = {"url": spec_url, "dom_id": "#swagger-ui-container",
                  **self.config.get("OPENAPI_SWAGGER_UI_CONFIG", {})}
        response = make_response(render_template("ui/docs.html", title=self.spec.title,
                                                 swagger_ui_url=self._swagger_ui_url, config=config))
        response.headers["Content-Security-Policy"] = headers.DOCS_POLICY
        return response


@dataclass
class Extension:
    """Per-app services: what views need besides the request."""

    settings: Settings
    clock: Clock
    api: TanggapApi
    service: str
    readiness: dict[str, Callable[[], None]] = field(default_factory=dict)
    state: dict[str, Any] = field(default_factory=dict)  # service-specific singletons (producer, limiter, ...)


def create_service_app(service: str, *, title: str, description: str, settings: Settings | None = None,
                       clock: Clock | None = None, connect_db: bool = True,
                       readiness: dict[str, Callable[[], None]] | None = None) -> Flask:
    """The app every service builds on. ``readiness`` adds the checks of what the service
    needs besides the database (Kafka: :func:`shared.messaging.clients.kafka_ready`), each a
    callable that raises when its dependency does not answer."""
    settings = settings or Settings.from_env()
    logs.setup(service, settings.log_level)
    app = Flask(service, static_folder=None)
    app.request_class = TanggapRequest
    app.config.update(
        API_TITLE=title,
        API_VERSION="1.0.0",
        OPENAPI_VERSION="3.0.3",
        OPENAPI_URL_PREFIX="/",
        OPENAPI_JSON_PATH="openapi.json",
        OPENAPI_SWAGGER_UI_PATH="docs",
        OPENAPI_SWAGGER_UI_URL="/docs/static/",
        API_SPEC_OPTIONS={
            "info": {"description": description},
            "components": {"securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer",
                                                              "bearerFormat": "JWT"}}},
        },
        MAX_CONTENT_LENGTH=1 * 1024 * 1024,
        JSON_SORT_KEYS=False,
    )
    if settings.trusted_proxies:
        from werkzeug.middleware.proxy_fix import ProxyFix
        # Flask's documented way to add WSGI middleware, but Flask's annotations declare wsgi_app a method
        # X-Forwarded-Prefix: the path prefix the proxy serves this service under (links and redirects keep it)
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=settings.trusted_proxies,  # type: ignore[method-assign]
                                x_proto=settings.trusted_proxies, x_prefix=settings.trusted_proxies)
    json_provider = cast(DefaultJSONProvider, app.json)  # Flask's default provider, typed as its base class
    json_provider.ensure_ascii = False
    json_provider.sort_keys = False
    api = TanggapApi(app)
    ext = Extension(settings=settings, clock=clock or SystemClock(), api=api, service=service)
    app.extensions["tanggap"] = ext
    errors.register(app)
    headers.init_app(app)

    if connect_db:
        db.connect(settings)
        ext.readiness["database"] = lambda: db.ping(1500)
    ext.readiness.update(readiness or {})

    app.before_request(_check_request)
    api.register_blueprint(_health_blueprint())

    app.register_blueprint(_docs_blueprint())
    return app


def body_limit(max_bytes: int) -> Callable[[F], F]:
    """Let a view take bodies up to ``max_bytes`` (imports) instead of ``MAX_CONTENT_LENGTH``.
    The limit is set before anything reads the body, so it holds for forms and uploads too."""
    def mark(view: F) -> F:
        marked: Any = view
        marked.tanggap_body_limit = max_bytes
        return view
    return mark


def checks_own_form_text(view: F) -> F:
    """Mark a page view that checks its form's text itself, to show each error beside its
    field (the citizen form); the request check then leaves that form's fields to it."""
    marked: Any = view
    marked.tanggap_own_form_text = True
    return view


def _unreadable(message: str, message_en: str, code: str, field: str, status: int = 400) -> errors.ApiError:
    return errors.ApiError(status, message, message_en, code=code, errors={field: [message_en]})


def _check_request() -> None:
    """Every way in, before any view: the body within its limit, JSON nested at most
    ``MAX_DEPTH`` levels (a 400, never a RecursionError), forms in UTF-8, and no text that
    no database stores (a 422 naming each field)."""
    from flask import current_app, request

    view = current_app.view_functions.get(request.endpoint or "")
    limit = getattr(view, "tanggap_body_limit", None)
    if limit:
        request.max_content_length = limit
    bad: list[str] = []
    bad += unstorable_paths(request.view_args or {})
    bad += _unclean_fields(request.args)
    if request.mimetype in FORM_TYPES and not getattr(view, "tanggap_own_form_text", False):
        bad += _unclean_fields(request.form)
        bad += [name for name, upload in request.files.items(multi=True)
                if not clean_text(name) or not clean_text(upload.filename or "")]
    if request.is_json:
        try:
            data = request.get_json(silent=True)
        except RecursionError:
            data, too_deep = None, True
        else:
            too_deep = depth(data) > MAX_DEPTH
        if too_deep:
            raise _unreadable(f"JSON bersarang lebih dari {MAX_DEPTH} tingkat",
                              f"JSON is nested more than {MAX_DEPTH} levels deep", "too_deep", "_body")
        bad += unstorable_paths(data)
    if bad:
        raise errors.ApiError(422, "Teks berisi karakter yang tidak diizinkan",
                              "Text contains characters that are not allowed", code="invalid_characters",
                              errors={path: ["NUL, control characters or unpaired surrogates are not allowed"]
                                      for path in dict.fromkeys(bad)})


FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def _unclean_fields(fields: MultiDict[str, str]) -> list[str]:
    """Names of the fields of a form or query string (a MultiDict) with text that is not allowed."""
    return [name if clean_text(name) else "_name" for name, values in fields.lists()
            if not clean_text(name) or not all(clean_text(v) for v in values)]


class NotUtf8(BadRequest):
    description = "Form fields must be UTF-8 text"
    code_name = "not_utf8"


_ParseResult = tuple[IO[bytes], MultiDict[str, str], MultiDict[str, FileStorage]]


class StrictFormDataParser(FormDataParser):
    """Form parsing that says when a form cannot be read, instead of handing views an empty
    or silently altered form: bytes that are not UTF-8 are a 400, not replacement
    characters (urlencoded: decoded strictly; multipart: Werkzeug replaces what it cannot
    decode by U+FFFD, so a field holding it is refused), and a malformed body is a 400."""

    def _parse_urlencoded(self, stream: IO[bytes], mimetype: str, content_length: int | None,
                          options: dict[str, str]) -> _ParseResult:
        try:
            items = parse_qsl(stream.read().decode("utf-8"), keep_blank_values=True, errors="strict")
        except UnicodeDecodeError:
            raise NotUtf8() from None
        return stream, self.cls(items), self.cls()

    def _parse_multipart(self, stream: IO[bytes], mimetype: str, content_length: int | None,
                         options: dict[str, str]) -> _ParseResult:
        try:
            stream, form, files = super()._parse_multipart(stream, mimetype, content_length, options)
        except ValueError:
            raise BadRequest("The multipart body could not be read") from None
        if any("\ufffd" in value for value in form.values()):
            raise NotUtf8()
        return stream, form, files


class TanggapRequest(Request):
    form_data_parser_class = StrictFormDataParser


def this_month() -> str:
    """The current month (YYYY-MM) in the configured zone, by the app's clock: the period a
    response submitted now belongs to, and what every page and query shows by default."""
    from flask import current_app

    from shared.domain.periods import month_of

    ext = extension(current_app)
    return month_of(ext.clock.now(), ext.settings.timezone)


def enable_pages(app: Flask) -> None:
    """Server-rendered pages: shared templates and stylesheet, languages, login, CSRF."""
    from shared.platform import frontdoor, ui, webauth

    ui.init_app(app)
    webauth.init_app(app)
    frontdoor.init_app(app)


def public_static(app: Flask, blueprint: str) -> None:
    """Let anyone fetch the static files (stylesheets, scripts) of a registered blueprint:
    every view says who may call it, and Flask's static view says nothing."""
    static = cast(Callable[..., ResponseReturnValue], app.view_functions[f"{blueprint}.static"])  # Flask's sync view

    @public
    def static_file(filename: str) -> ResponseReturnValue:
        return static(filename)

    app.view_functions[f"{blueprint}.static"] = static_file


def extension(app: Flask) -> Extension:
    ext: Extension = app.extensions["tanggap"]
    return ext


class HealthOut(Schema):
    status = fields.String(required=True, validate=validate.OneOf(["ok"]))


class ReadyOut(Schema):
    """Readiness; when not ready (503) also ``code``, ``message``, ``message_en`` and
    ``errors`` as in every error body."""

    status = fields.String(required=True, validate=validate.OneOf(["ready", "unavailable"]))
    service = fields.String(required=True)
    checks = fields.Dict(keys=fields.String(), values=fields.String(validate=validate.OneOf(["ok", "unreachable"])),
                         required=True)
    elapsed_ms = fields.Float(required=True)
    code = fields.String(validate=validate.OneOf(["unavailable"]))
    message = fields.String()
    message_en = fields.String()
    errors = fields.Dict(keys=fields.String(), values=fields.List(fields.String()))


def _docs_blueprint() -> FlaskBlueprint:
    """The files of the ``/docs`` page: Swagger UI's own, served locally (no CDN), and the
    page's template and start script, which live with the shared pages (``ui/``)."""
    bp = FlaskBlueprint("docs", __name__, template_folder="ui/templates")

    @bp.get("/docs/static/<path:filename>")
    @public
    def swagger_static(filename: str) -> Response:
        return send_from_directory(SWAGGER_DIST, filename, max_age=3600)

    @bp.get("/docs/start.js")
    @public
    def start_script() -> Response:
        return send_from_directory(UI_STATIC, "docs.js", max_age=3600)

    return bp


def _health_blueprint() -> Blueprint:
    blp = Blueprint("health", __name__, description="Liveness and readiness (anyone may call these)")

    # flask-smorest has no type information: its decorators are untyped
    @blp.route("/healthz")  # type: ignore[untyped-decorator]
    @public
    @blp.doc(summary="Liveness: the process answers")  # type: ignore[untyped-decorator]
    @blp.response(200, HealthOut, description="alive")  # type: ignore[untyped-decorator]
    def healthz() -> Response:
        return jsonify(status="ok")

    @blp.route("/readyz")  # type: ignore[untyped-decorator]
    @blp.doc(summary="Readiness: every dependency answers; 503 names those that do not")  # type: ignore[untyped-decorator]
    @blp.response(200, ReadyOut, description="ready")  # type: ignore[untyped-decorator]
    @blp.alt_response(503, schema=ReadyOut, description="not ready: the checks that fail")  # type: ignore[untyped-decorator]
    @public
    def readyz() -> ResponseReturnValue:
        from flask import current_app
        ext = extension(current_app)
        failing: dict[str, str] = {}
        started = time.monotonic()
        for name, check in ext.readiness.items():
            try:
                check()
            except Exception as exc:  # any failure means "not ready"; the reason is reported
                failing[name] = type(exc).__name__
        body: dict[str, Any] = {"status": "ready" if not failing else "unavailable", "service": ext.service,
                                "checks": {name: ("ok" if name not in failing else "unreachable")
                                           for name in ext.readiness},
                                "elapsed_ms": round((time.monotonic() - started) * 1000, 1)}
        if failing:
            body.update(code="unavailable", message="Belum siap: " + ", ".join(sorted(failing)),
                        message_en="Not ready, unreachable: " + ", ".join(sorted(failing)),
                        errors={name: [f"unreachable ({kind})"] for name, kind in failing.items()})
            return jsonify(body), 503
        return jsonify(body)

    return blp
