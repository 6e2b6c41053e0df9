"""What every service's Flask app has: settings, clock, logs, errors, OpenAPI + docs, health.

A service calls :func:`create_service_app` from its own ``create_app`` and registers its
blueprints on ``app.extensions["tanggap"].api``.
"""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import flask_swagger_ui
from flask import Flask, jsonify, send_from_directory
from flask_smorest import Api, Blueprint

from . import db, errors, logs, messaging
from .text import storable
from .auth import public
from .clock import Clock, SystemClock
from .config import Settings

log = logging.getLogger(__name__)
SWAGGER_DIST = Path(flask_swagger_ui.__file__).parent / "dist"


class TanggapApi(Api):
    """flask-smorest's Api, answering errors in the project's shape."""

    def handle_http_exception(self, error):
        return errors.respond(errors.from_http_exception(error))


@dataclass
class Extension:
    """Per-app services: what views need besides the request."""

    settings: Settings
    clock: Clock
    api: TanggapApi
    service: str
    readiness: dict[str, Callable[[], None]] = field(default_factory=dict)
    state: dict = field(default_factory=dict)  # service-specific singletons (producer, limiter, ...)


def create_service_app(service: str, *, title: str, description: str, settings: Settings | None = None,
                       clock: Clock | None = None, connect_db: bool = True, check_kafka: bool = True) -> Flask:
    settings = settings or Settings.from_env()
    logs.setup(service, settings.log_level)
    app = Flask(service, static_folder=None)
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
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=settings.trusted_proxies, x_proto=settings.trusted_proxies)
    app.json.ensure_ascii = False
    app.json.sort_keys = False
    api = TanggapApi(app)
    ext = Extension(settings=settings, clock=clock or SystemClock(), api=api, service=service)
    app.extensions["tanggap"] = ext
    errors.register(app)

    if connect_db:
        db.connect(settings)
        ext.readiness["database"] = lambda: db.ping(1500)
    if check_kafka:
        def kafka_ready():
            if not messaging.reachable(settings):
                raise ConnectionError("no bootstrap server answers")
        ext.readiness["kafka"] = kafka_ready

    app.before_request(_reject_unstorable_text)
    api.register_blueprint(_health_blueprint())

    @app.get("/docs/static/<path:filename>")
    @public
    def swagger_static(filename):
        return send_from_directory(SWAGGER_DIST, filename, max_age=3600)

    return app


def _reject_unstorable_text():
    """Text no database can store (NUL characters, unpaired surrogates) is refused up front
    with a 422, instead of failing deep inside a write."""
    from flask import request

    places = {"path": request.view_args or {}, "query": request.args.to_dict(flat=False),
              "form": request.form.to_dict(flat=False) if request.mimetype == "application/x-www-form-urlencoded" else {}}
    if request.is_json:
        places["json"] = request.get_json(silent=True)
    bad = [name for name, value in places.items() if not storable(value)]
    if bad:
        raise errors.ApiError(422, "Teks berisi karakter yang tidak diizinkan",
                              "Text contains characters that are not allowed", code="invalid_characters",
                              errors={f"_{name}": ["NUL or unpaired surrogate characters are not allowed"]
                                      for name in bad})


def enable_pages(app: Flask) -> None:
    """Server-rendered pages: shared templates and stylesheet, languages, login, CSRF."""
    from . import ui, webauth

    ui.init_app(app)
    webauth.init_app(app)


def extension(app: Flask) -> Extension:
    return app.extensions["tanggap"]


def _health_blueprint() -> Blueprint:
    blp = Blueprint("health", __name__, description="Liveness and readiness (anyone may call these)")

    @blp.route("/healthz")
    @public
    @blp.doc(summary="Liveness: the process answers", responses={200: {"description": "alive"}})
    def healthz():
        return jsonify(status="ok")

    @blp.route("/readyz")
    @blp.doc(summary="Readiness: every dependency answers; 503 names those that do not",
             responses={200: {"description": "ready"}, 503: {"description": "not ready"}})
    @public
    def readyz():
        from flask import current_app
        ext = extension(current_app)
        failing = {}
        started = time.monotonic()
        for name, check in ext.readiness.items():
            try:
                check()
            except Exception as exc:  # any failure means "not ready"; the reason is reported
                failing[name] = type(exc).__name__
        body = {"status": "ready" if not failing else "unavailable", "service": ext.service,
                "checks": {name: ("ok" if name not in failing else "unreachable") for name in ext.readiness},
                "elapsed_ms": round((time.monotonic() - started) * 1000, 1)}
        if failing:
            body.update(code="unavailable", message="Belum siap: " + ", ".join(sorted(failing)),
                        message_en="Not ready, unreachable: " + ", ".join(sorted(failing)),
                        errors={name: [f"unreachable ({kind})"] for name, kind in failing.items()})
            return jsonify(body), 503
        return jsonify(body)

    return blp
