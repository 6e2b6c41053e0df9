"""Survey service app factory."""
from __future__ import annotations

from flask import Flask

from shared.messaging.clients import kafka_ready
from shared.platform.clock import Clock
from shared.platform.config import Settings
from shared.platform.web import create_service_app, enable_pages, public_static

from services.survey.views import (
    admin,
    admin_directory,
    admin_operations,
    admin_pages,
    admin_templates,
    admin_trainings,
    admin_users,
    complaints,
    directory,
    kiosks,
    me,
    pages,
    peer,
    responses,
    surveys,
    trainings,
)


def create_app(settings: Settings | None = None, clock: Clock | None = None) -> Flask:
    settings = settings or Settings.from_env()
    app = create_service_app(
        "survey", title="Tanggap Survey API",
        description="Survei Kepuasan Masyarakat (SKM), umpan balik rekan (BerAKHLAK 360) dan survei khusus.\n\n"
                    "Citizen satisfaction surveys (SKM), peer feedback (BerAKHLAK 360) and custom surveys.",
        settings=settings, clock=clock, readiness={"kafka": kafka_ready(settings)})
    enable_pages(app)
    api = app.extensions["tanggap"].api
    for blueprint in (responses.blp, complaints.blp, trainings.blp, peer.blp,
                      directory.blp, surveys.blp, kiosks.blp, admin.blp):
        api.register_blueprint(blueprint)
    app.register_blueprint(pages.bp)
    app.register_blueprint(complaints.bp)
    app.register_blueprint(trainings.bp)
    app.register_blueprint(admin_pages.bp)
    app.register_blueprint(admin_users.bp)
    app.register_blueprint(admin_directory.bp)
    app.register_blueprint(admin_templates.bp)
    app.register_blueprint(admin_trainings.bp)
    app.register_blueprint(admin_operations.bp)
    app.register_blueprint(me.bp)
    public_static(app, "pages")
    return app
