"""Web login: hashed passwords, HttpOnly session cookie, CSRF on forms, roles on pages."""
from __future__ import annotations

import re
import uuid

import pytest
from flask import render_template_string

from shared.platform.web import create_service_app, enable_pages
from shared.platform.webauth import login_required
from shared.records.users import WebUser, hash_password

pytestmark = pytest.mark.integration


@pytest.fixture
def app(settings, clock):
    app = create_service_app("pages-test", title="t", description="t", settings=settings, clock=clock)
    enable_pages(app)

    @app.route("/evaluation")
    @login_required("evaluator")
    def evaluation():
        return render_template_string("{% extends 'ui/base.html' %}{% block main %}secret numbers{% endblock %}")

    @app.route("/change", methods=["POST"])
    @login_required("evaluator")
    def change():
        return "changed"

    return app


@pytest.fixture
def user(settings, clock):
    name = f"eval-{uuid.uuid4().hex[:6]}"
    WebUser.save_revision(name, {"password_hash": hash_password("rahasia-sekali"), "roles": ["evaluator"]},
                          at=clock.now(), by="test")
    return name


def login(client, username, password="rahasia-sekali"):
    page = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    return client.post("/login?next=/evaluation", data={"username": username, "password": password,
                                                        "csrf_token": token})


def test_password_is_stored_hashed(user):
    stored = WebUser.head(user).password_hash
    assert stored.startswith("$argon2id$") and "rahasia" not in stored


def test_pages_need_login_and_redirect_back(app, user):
    client = app.test_client()
    first = client.get("/evaluation")
    assert first.status_code == 302 and "/login" in first.headers["Location"]
    done = login(client, user)
    assert done.status_code == 302 and done.headers["Location"] == "/evaluation"
    cookie = done.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "secret numbers" in client.get("/evaluation").text


def test_wrong_password_is_refused(app, user):
    client = app.test_client()
    assert login(client, user, "salah-sekali-ini").status_code == 401
    assert client.get("/evaluation").status_code == 302


def test_forms_without_the_csrf_token_are_refused(app, user):
    client = app.test_client()
    login(client, user)
    assert client.post("/change", data={}).status_code == 400
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/evaluation").text).group(1)
    assert client.post("/change", data={"csrf_token": token}).text == "changed"


def test_wrong_role_gets_403(app, settings, clock):
    name = f"sup-{uuid.uuid4().hex[:6]}"
    WebUser.save_revision(name, {"password_hash": hash_password("rahasia-sekali"), "roles": ["supervisor"],
                                 "nip": "198001012005011001"}, at=clock.now(), by="test")
    client = app.test_client()
    login(client, name)
    assert client.get("/evaluation").status_code == 403


def test_secure_flag_in_production(settings, clock):
    from dataclasses import replace
    prod = replace(settings, env="production", cookie_secure="auto")
    assert prod.secure_cookies
    app = create_service_app("pages-test", title="t", description="t", settings=prod, clock=clock)
    enable_pages(app)
    assert app.config["SESSION_COOKIE_SECURE"] is True


def test_language_switch_is_remembered(app):
    client = app.test_client()
    assert "Nama pengguna" in client.get("/login").text
    english = client.get("/login?lang=en")
    assert "User name" in english.text and "lang=en" in english.headers["Set-Cookie"]
    assert "User name" in client.get("/login").text
