"""Notifier service app factory: the inbox API, the delivery log and the inbox web page."""
from __future__ import annotations

from flask import Flask

from shared.messaging.clients import kafka_ready
from shared.platform.clock import Clock
from shared.platform.config import Settings
from shared.platform.web import create_service_app, enable_pages, public_static

from services.notifier.channels import addresses
from services.notifier.views import deliveries, inbox, pages, tickets


def create_app(settings: Settings | None = None, clock: Clock | None = None,
               resolver: addresses.Resolver | None = None) -> Flask:
    """``resolver`` answers host names when supervisors' webhook URLs are checked (tests pass a table)."""
    settings = settings or Settings.from_env()
    app = create_service_app(
        "notifier", title="Tanggap Notifier API",
        description="Pemberitahuan pembinaan kepada atasan langsung dan catatan dialog kinerja.\n\n"
                    "Coaching notifications to direct supervisors and the coaching record.",
        settings=settings, clock=clock, readiness={"kafka": kafka_ready(settings)})
    app.extensions["notifier_resolver"] = resolver or addresses.system_resolver
    api = app.extensions["tanggap"].api
    api.register_blueprint(inbox.blp)
    api.register_blueprint(deliveries.blp)
    api.register_blueprint(tickets.blp)
    enable_pages(app)
    app.register_blueprint(pages.bp)
    app.register_blueprint(tickets.bp)
    settings = app.extensions["tanggap"].settings
    if settings.env != "production":
        from services.notifier.views import dev_pages
        app.register_blueprint(dev_pages.bp)     # the development mail catcher's page (make up)
    public_static(app, "pages")
    return app
