"""Security headers on every response of every service (pages, API answers, errors, files).

- ``Content-Security-Policy``: a page runs only the service's own script files and
  stylesheets, and talks, loads images and posts forms only to its own origin. No inline
  script, no ``<style>`` element, no ``style=`` or ``on…=`` attribute (templates keep them in
  files; ``tests/shared/test_security_headers.py`` checks every template), no plugins, no
  ``<base>``, and no page may be framed. Links to the other services are plain navigation,
  which the policy does not restrict; no form, fetch or image goes to another service, so
  ``'self'`` is all a page needs.
- ``X-Content-Type-Options: nosniff`` (a JSON or CSV answer is never read as a script or a
  page), ``Referrer-Policy: same-origin`` (a survey code or a case id in the address never
  leaves in a ``Referer``), ``X-Frame-Options: DENY`` (``frame-ancestors`` for old browsers).

Two kinds of response carry their own policy: SVG images (:data:`SVG_POLICY`: the dashboard's
charts have a ``<style>`` element and style attributes; nothing in an SVG may load or run
anything), and the Swagger UI page at ``/docs`` (:data:`DOCS_POLICY`, set by its view: the
page policy plus ``data:`` images, the icons of Swagger UI's stylesheet; its start script is a
file too, and the bundle sets styles only through the DOM, which the policy allows). A
response that already has a policy keeps it.
"""
from __future__ import annotations

from flask import Flask, Response


def policy(**directives: str) -> str:
    """``policy(default_src="'self'")`` -> ``"default-src 'self'"``, directives in the given order."""
    return "; ".join(f"{name.replace('_', '-')} {value}" for name, value in directives.items())


PAGE_DIRECTIVES = dict(default_src="'self'", script_src="'self'", style_src="'self'", img_src="'self'",
                       connect_src="'self'", font_src="'self'", object_src="'none'", base_uri="'none'",
                       form_action="'self'", frame_ancestors="'none'")
PAGE_POLICY = policy(**PAGE_DIRECTIVES)
DOCS_POLICY = policy(**{**PAGE_DIRECTIVES, "img_src": "'self' data:"})
SVG_POLICY = policy(default_src="'none'", style_src="'unsafe-inline'", base_uri="'none'", form_action="'none'",
                    frame_ancestors="'none'")
HEADERS = {"X-Content-Type-Options": "nosniff", "Referrer-Policy": "same-origin", "X-Frame-Options": "DENY"}


def init_app(app: Flask) -> None:
    app.after_request(add_security_headers)


def add_security_headers(response: Response) -> Response:
    """The headers of the module doc, on any response (errors too); those already set stay."""
    if "Content-Security-Policy" not in response.headers:
        response.headers["Content-Security-Policy"] = (SVG_POLICY if response.mimetype == "image/svg+xml"
                                                       else PAGE_POLICY)
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    return response
