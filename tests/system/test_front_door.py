"""One front door through the real database: a login on any service serves the others (the
services are ports of one host locally, and share one cookie); after logging in the landing page
shows what the role may do; every page carries the same navigation; behind a path-prefix proxy
the links and the login's way back keep the prefix."""
from __future__ import annotations

import re
import uuid
from dataclasses import replace

import pytest

from shared.records.users import WebUser, hash_password

pytestmark = pytest.mark.integration
PASSWORD = "pintu-depan-2026"


def apps(settings, clock):
    from services.aggregator.app import create_app as aggregator
    from services.notifier.app import create_app as notifier
    from services.survey.app import create_app as survey
    return {"survey": survey(settings, clock), "aggregator": aggregator(settings, clock),
            "notifier": notifier(settings, clock)}


def user(clock, *roles: str) -> str:
    name = f"{'-'.join(roles)}-{uuid.uuid4().hex[:6]}"
    WebUser.save_revision(name, {"password_hash": hash_password(PASSWORD), "roles": list(roles),
                                 "nip": "199001012015011001"}, at=clock.now(), by="test")
    return name


def csrf(client, path="/login") -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', client.get(path).text).group(1)


def log_in(client, name: str):
    return client.post("/login", data={"username": name, "password": PASSWORD, "csrf_token": csrf(client)})


def places(html: str) -> list[str]:
    nav = html[html.index('class="front-door"'):html.index("</nav>", html.index('class="front-door"'))]
    return re.findall(r'data-place="([a-z]+)"', nav)


def test_one_login_serves_every_service_and_lands_on_what_the_role_may_do(settings, clock):
    services = apps(settings, clock)
    name = user(clock, "admin")
    survey = services["survey"].test_client()
    landed = log_in(survey, name)
    assert landed.status_code == 302 and landed.location == "/beranda"
    home = survey.get("/beranda").text
    assert places(home) == ["admin", "config", "dashboard", "inbox", "complaints", "results", "complain"]
    assert 'data-role="admin"' in home and "Konsol admin" in home and "Satu login" in home
    cookie = survey.get_cookie("tanggap_session")
    for service, path in (("aggregator", "/admin"), ("aggregator", "/dashboard"), ("notifier", "/inbox")):
        other = services[service].test_client()
        assert other.get(path).status_code == 302                     # not logged in there by itself
        other.set_cookie("tanggap_session", cookie.value)
        page = other.get(path)
        assert page.status_code == 200, (service, path, page.status_code)
        assert places(page.text) == ["admin", "config", "dashboard", "inbox", "complaints", "results", "complain"]
        assert re.search(r'data-place="(\w+)" aria-current="page"', page.text).group(1) == \
            {"/admin": "config", "/dashboard": "dashboard", "/inbox": "inbox"}[path]
    # logging out on one service ends the session on all of them
    survey.post("/logout", data={"csrf_token": csrf(survey, "/beranda")})
    after = services["aggregator"].test_client()
    after.set_cookie("tanggap_session", cookie.value)
    assert after.get("/dashboard").status_code == 302


def test_each_role_lands_on_its_own_places_and_anonymous_visitors_on_the_public_ones(settings, clock):
    survey = apps(settings, clock)["survey"]
    anonymous = survey.test_client()
    assert anonymous.get("/").location.endswith("/beranda")
    assert places(anonymous.get("/beranda").text) == ["results", "complain", "login"]
    for roles, expected in ((("evaluator",), ["dashboard", "results", "complain"]),
                            (("supervisor",), ["inbox", "complaints", "results", "complain"]),
                            (("employee",), ["complaints", "me", "results", "complain"]),
                            (("kiosk",), ["results", "complain"])):
        client = survey.test_client()
        log_in(client, user(clock, *roles))
        page = client.get("/beranda").text
        assert places(page) == expected, roles
        assert ('id="nothing-more"' in page) == (expected == ["results", "complain"])
    evaluator = survey.test_client()
    log_in(evaluator, user(clock, "evaluator"))
    assert evaluator.get("/admin").status_code == 403                 # the link is not shown, the page refuses


def test_behind_a_path_prefix_proxy_links_and_the_way_back_keep_the_prefix(settings, clock):
    proxied = replace(settings, trusted_proxies=1, aggregator_public_url="https://pemda.example/agregator",
                      public_survey_url="https://pemda.example", notifier_public_url="https://pemda.example/notifikasi")
    aggregator = apps(proxied, clock)["aggregator"].test_client()
    headers = {"X-Forwarded-Prefix": "/agregator", "X-Forwarded-Proto": "https", "X-Forwarded-For": "10.0.0.9"}
    refused = aggregator.get("/dashboard", headers=headers)
    assert refused.status_code == 302
    assert refused.location.startswith("/agregator/login?next=/agregator/dashboard")
    page = aggregator.get("/results", headers=headers).text
    assert 'href="/agregator/ui/static/tanggap.css' in page
    assert 'href="https://pemda.example/agregator/results"' in page and 'href="https://pemda.example/beranda"' in page
    token = re.search(r'name="csrf_token" value="([^"]+)"', aggregator.get("/login", headers=headers).text).group(1)
    name = user(clock, "evaluator")
    back = aggregator.post("/login?next=/agregator/dashboard", headers=headers,
                           data={"username": name, "password": PASSWORD, "csrf_token": token})
    assert back.location == "/agregator/dashboard"
    token = re.search(r'name="csrf_token" value="([^"]+)"', aggregator.get("/login", headers=headers).text).group(1)
    evil = aggregator.post("/login?next=//evil.example/x", headers=headers,
                           data={"username": name, "password": PASSWORD, "csrf_token": token})
    assert evil.location == "/agregator/beranda"
