"""Every response of the three services carries the security headers: pages, API answers,
404s and error bodies get the strict policy (no inline script or style, nothing from elsewhere,
no framing), /docs its own with data: images only, SVG images one under which nothing runs."""
from __future__ import annotations

import re
import uuid

import pytest

from shared.platform.headers import DOCS_POLICY, PAGE_POLICY, SVG_POLICY
from shared.records.directory import Unit
from shared.records.users import WebUser, hash_password

pytestmark = pytest.mark.integration

EXTRA = {"X-Content-Type-Options": "nosniff", "Referrer-Policy": "same-origin", "X-Frame-Options": "DENY"}


def directives(policy: str) -> dict[str, str]:
    return dict(part.strip().split(" ", 1) for part in policy.split(";"))


def secured(response, policy: str = PAGE_POLICY) -> None:
    assert response.headers.get("Content-Security-Policy") == policy, response.request.path
    for name, value in EXTRA.items():
        assert response.headers.get(name) == value, (response.request.path, name)


@pytest.fixture
def unit(clock) -> str:
    code = f"SEC-{uuid.uuid4().hex[:6].upper()}"
    Unit.save_revision(code, {"name": f"Dinas {code}"}, at=clock.now(), by="test")
    return code


@pytest.fixture
def deployment(survey, tokens, unit) -> str:
    created = survey.post("/api/v1/deployments", json={"template": "skm", "unit": unit}, headers=tokens("admin"))
    assert created.status_code == 201, created.json
    secured(created)
    return created.json["code"]


def test_the_page_policy_allows_nothing_inline_and_nothing_from_elsewhere():
    page = directives(PAGE_POLICY)
    assert "'unsafe-inline'" not in PAGE_POLICY and "'unsafe-eval'" not in PAGE_POLICY
    assert all(page[name] == "'self'" for name in ("default-src", "script-src", "style-src", "img-src",
                                                   "connect-src", "font-src", "form-action"))
    assert page["object-src"] == page["base-uri"] == page["frame-ancestors"] == "'none'"
    docs = directives(DOCS_POLICY)
    assert docs == {**page, "img-src": "'self' data:"}                   # Swagger UI's icons, nothing more
    svg = directives(SVG_POLICY)
    assert svg["default-src"] == "'none'" and "script-src" not in svg    # no script in an image, ever


def test_survey_form_kiosk_and_their_errors(survey, deployment):
    form = survey.get(f"/s/{deployment}")
    assert form.status_code == 200 and b"<form" in form.data
    secured(form)
    refused = survey.post(f"/s/{deployment}", data={"a.U1": "9"})          # a 4xx page with the errors
    assert refused.status_code == 422
    secured(refused)
    unknown = survey.get("/s/NO-SUCH-SURVEY")                               # the HTML 404 page
    assert unknown.status_code == 404 and b"<html" in unknown.data
    secured(unknown)
    for path in ("/kiosk", "/kiosk/setup", "/kiosk/sw.js", "/survey-static/kiosk.js"):
        response = survey.get(path)
        assert response.status_code == 200, path
        secured(response)


def test_api_answers_and_error_bodies(survey, aggregator, notifier, deployment, tokens, unit):
    shown = survey.get(f"/api/v1/deployments/{deployment}", headers=tokens("admin"))
    assert shown.status_code == 200 and shown.json["code"] == deployment
    secured(shown)
    bad = survey.post("/api/v1/responses", json={"deployment": deployment, "answers": "none"})
    assert bad.status_code in (400, 422) and set(bad.json) >= {"code", "message", "errors"}
    secured(bad)
    published = aggregator.get(f"/api/v1/public/units/{unit}")
    assert published.status_code == 200, published.json
    secured(published)
    anonymous = notifier.get("/api/v1/inbox/cases")
    assert anonymous.status_code == 401 and anonymous.json["code"] == "unauthorized"
    secured(anonymous)
    cases = notifier.get("/api/v1/inbox/cases", headers=tokens("supervisor", nip="199001012015011001"))
    assert cases.status_code == 200, cases.json
    secured(cases)
    for client in (survey, aggregator, notifier):
        missing = client.get("/api/v1/no-such-thing")
        assert missing.status_code == 404 and missing.json["code"] == "not_found"
        secured(missing)
        wrong = client.delete("/healthz")
        assert wrong.status_code == 405
        secured(wrong)


def test_every_service_has_them_on_login_docs_and_a_page(survey, aggregator, notifier):
    for client, page in ((survey, "/kiosk"), (aggregator, "/results"), (notifier, "/inbox")):
        login = client.get("/login")
        assert login.status_code == 200 and b'name="csrf_token"' in login.data
        secured(login)
        wrong = client.post("/login", data={"username": "nobody", "password": "x",
                                            "csrf_token": csrf(login.text)})
        assert wrong.status_code == 401
        secured(wrong)
        shown = client.get(page)                                    # the inbox redirects to the login
        assert shown.status_code in (200, 302)
        secured(shown)
        assert client.get("/healthz").headers["X-Content-Type-Options"] == "nosniff"
        docs = client.get("/docs")
        assert docs.status_code == 200 and b'type="application/json" id="swagger-ui-config"' in docs.data
        secured(docs, DOCS_POLICY)
        assert b"<script>" not in docs.data
        start = client.get("/docs/start.js")
        assert start.status_code == 200 and b"SwaggerUIBundle" in start.data
        secured(start)
        secured(client.get("/openapi.json"))
        secured(client.get("/ui/static/tanggap.css"))


def test_public_results_pages_and_their_stylesheet(aggregator, unit):
    results = aggregator.get("/results")
    assert results.status_code == 200 and b"/aggregator-static/results.css" in results.data
    secured(results)
    one = aggregator.get(f"/results/{unit}")
    assert one.status_code == 200
    secured(one)
    css = aggregator.get("/aggregator-static/results.css")
    assert css.status_code == 200 and css.mimetype == "text/css"


def test_svg_images_get_the_image_policy(survey, aggregator, deployment, clock):
    qr = survey.get(f"/api/v1/deployments/{deployment}/qr.svg")
    assert qr.status_code == 200 and qr.mimetype == "image/svg+xml"
    secured(qr, SVG_POLICY)
    name = f"sec-{uuid.uuid4().hex[:6]}"
    WebUser.save_revision(name, {"password_hash": hash_password("rahasia-sekali"), "roles": ["evaluator"]},
                          at=clock.now(), by="test")
    login = aggregator.post("/login", data={"username": name, "password": "rahasia-sekali",
                                            "csrf_token": csrf(aggregator.get("/login").text)})
    assert login.status_code == 302
    secured(login)
    chart = aggregator.get("/dashboard/charts/units.svg")                   # matplotlib: <style> inside
    assert chart.status_code == 200 and b"<style" in chart.data
    secured(chart, SVG_POLICY)
    dashboard = aggregator.get("/dashboard")
    assert dashboard.status_code == 200 and b"/aggregator-static/dashboard.css" in dashboard.data
    secured(dashboard)


def test_notifier_stylesheet_is_served(notifier):
    css = notifier.get("/notifier-static/inbox.css")
    assert css.status_code == 200 and b"table.cases" in css.data
    secured(css)


def csrf(text: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', text).group(1)
