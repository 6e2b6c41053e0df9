"""Shared look of the web pages: base template, stylesheet, login and error pages.

Served by the project itself (no CDN), so pages work on an office network without internet.
"""
from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import cast
from zoneinfo import ZoneInfo

from flask import Blueprint, Flask
from flask.typing import ResponseReturnValue

from shared.platform import i18n

bp = Blueprint("ui", __name__, template_folder="templates", static_folder="static", static_url_path="/ui/static")


def init_app(app: Flask) -> None:
    from shared.platform.auth import public

    i18n.init_app(app)
    app.register_blueprint(bp)
    # The blueprint's static route is public by nature (stylesheets, scripts).
    static = cast(Callable[..., ResponseReturnValue], app.view_functions["ui.static"])  # Flask's sync static view

    def ui_static(filename: str) -> ResponseReturnValue:
        return static(filename)

    app.view_functions["ui.static"] = public(ui_static)

    def local_time(value: datetime | None) -> str:
        """A stored (UTC) time as people read it: in the configured zone (WIB by default)."""
        if value is None:
            return "–"
        from flask import current_app
        zone = ZoneInfo(current_app.extensions["tanggap"].settings.timezone)
        aware = value if value.tzinfo else value.replace(tzinfo=UTC)
        local = aware.astimezone(zone)
        return f"{local:%d-%m-%Y %H:%M} {local.tzname()}"

    app.jinja_env.globals.update(local_time=local_time)
