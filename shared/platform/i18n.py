"""Bahasa Indonesia first, English second: the language of a page and a two-word helper.

Templates write both texts side by side, ``{{ _("Kirim", "Submit") }}``, so a reader sees
the Indonesian original next to its English meaning in the source. The language comes from
``?lang=``, then the ``lang`` cookie; otherwise it is Indonesian, whatever the browser's
language (the product speaks Bahasa Indonesia first, and every page has the English switch).
"""
from __future__ import annotations

from flask import Flask, Response, g, request

LANGS = ("id", "en")


def current_lang() -> str:
    if "lang" not in g:
        chosen = request.args.get("lang") or request.cookies.get("lang")
        g.lang = chosen if chosen in LANGS else "id"
    lang: str = g.lang
    return lang


def t(text_id: str, text_en: str) -> str:
    return text_en if current_lang() == "en" else text_id


def init_app(app: Flask) -> None:
    app.jinja_env.globals.update(_=t, current_lang=current_lang)

    @app.after_request
    def remember_language(response: Response) -> Response:
        chosen = request.args.get("lang")
        if chosen in LANGS and request.cookies.get("lang") != chosen:
            response.set_cookie("lang", chosen, max_age=365 * 24 * 3600, samesite="Lax", httponly=True)
        return response
