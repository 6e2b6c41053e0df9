"""Aggregator service app factory: the indicators API, the evaluation dashboard, the SKM
report and the public results page."""
from __future__ import annotations

from flask import Flask

from shared.messaging.clients import kafka_ready
from shared.platform.clock import Clock
from shared.platform.config import Settings
from shared.platform.web import create_service_app, enable_pages, public_static

from services.aggregator.views import (
    action_plans,
    admin,
    admin_pages,
    appraisals,
    cases,
    indicators,
    pages,
    person_pages,
    public,
    reports,
)


def create_app(settings: Settings | None = None, clock: Clock | None = None) -> Flask:
    settings = settings or Settings.from_env()
    app = create_service_app(
        "aggregator", title="Tanggap Aggregator API",
        description="Indikator kinerja ASN: IKM, kepuasan per petugas, perilaku BerAKHLAK, predikat kinerja.\n\n"
                    "ASN performance indicators: IKM, officer satisfaction, BerAKHLAK behaviour, predikat kinerja.",
        settings=settings, clock=clock, readiness={"kafka": kafka_ready(settings)})
    api = app.extensions["tanggap"].api
    api.register_blueprint(public.blp)
    api.register_blueprint(indicators.blp)
    api.register_blueprint(cases.blp)
    api.register_blueprint(cases.recognitions_blp)
    api.register_blueprint(cases.trainings_blp)
    api.register_blueprint(appraisals.blp)
    api.register_blueprint(admin.blp)
    api.register_blueprint(reports.blp)
    api.register_blueprint(action_plans.blp)
    enable_pages(app)
    app.register_blueprint(pages.bp)
    app.register_blueprint(admin_pages.bp)
    app.register_blueprint(person_pages.bp)
    public_static(app, "pages")
    return app
