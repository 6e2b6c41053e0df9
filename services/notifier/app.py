"""Notifier service app factory."""
from __future__ import annotations

from flask import Flask

from shared.clock import Clock
from shared.config import Settings
from shared.web import create_service_app


def create_app(settings: Settings | None = None, clock: Clock | None = None) -> Flask:
    app = create_service_app(
        "notifier", title="Tanggap Notifier API",
        description="Pemberitahuan pembinaan kepada atasan langsung dan catatan dialog kinerja.\n\n"
                    "Coaching notifications to direct supervisors and the coaching record.",
        settings=settings, clock=clock)
    return app
