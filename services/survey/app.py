"""Survey service app factory."""
from __future__ import annotations

from flask import Flask

from shared.clock import Clock
from shared.config import Settings
from shared.web import create_service_app

from .views import directory, responses


def create_app(settings: Settings | None = None, clock: Clock | None = None) -> Flask:
    app = create_service_app(
        "survey", title="Tanggap Survey API",
        description="Survei Kepuasan Masyarakat (SKM), umpan balik rekan (BerAKHLAK 360) dan survei khusus.\n\n"
                    "Citizen satisfaction surveys (SKM), peer feedback (BerAKHLAK 360) and custom surveys.",
        settings=settings, clock=clock)
    api = app.extensions["tanggap"].api
    api.register_blueprint(responses.blp)
    api.register_blueprint(directory.blp)
    return app
