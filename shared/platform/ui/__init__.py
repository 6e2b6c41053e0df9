"""Shared look of the web pages: base template, stylesheet, login and error pages.

Served by the project itself (no CDN), so pages work on an office network without internet.
"""
from __future__ import annotations

from flask import Blueprint, Flask

from shared.platform import i18n

bp = Blueprint("ui", __name__, template_folder="templates", static_folder="static", static_url_path="/ui/static")


def init_app(app: Flask) -> None:
    from shared.platform.auth import public

    i18n.init_app(app)
    app.register_blueprint(bp)
    # The blueprint's static route is public by nature (stylesheets, scripts).
    static = app.view_functions["ui.static"]

    def ui_static(filename):
        return static(filename)

    app.view_functions["ui.static"] = public(ui_static)
