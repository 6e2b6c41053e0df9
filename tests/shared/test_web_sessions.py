"""Server-side web sessions: logout, `tanggap user disable` and an admin end them at once;
roles are read from the user's record on every request."""
from __future__ import annotations

import re
import uuid

import pytest
from click.testing import CliRunner

from shared.records.users import WebUser, hash_password

from services.cli import main as cli
from tests.support.env import settings_env

pytestmark = pytest.mark.integration


def login(client, username):
    page = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    done = client.post("/login", data={"username": username, "password": "rahasia-sekali", "csrf_token": token})
    assert done.status_code == 302
    return client


def csrf(client, path):
    return re.search(r'name="csrf_token" value="([^"]+)"', client.get(path).text).group(1)


@pytest.fixture
def evaluator(clock):
    name = f"ses-{uuid.uuid4().hex[:6]}"
    WebUser.save_revision(name, {"password_hash": hash_password("rahasia-sekali"), "roles": ["evaluator"]},
                          at=clock.now(), by="test")
    return name


def test_the_cookie_holds_only_a_key_the_database_only_its_hash(aggregator_app, evaluator):
    from shared.records.web_sessions import WebSession
    client = login(aggregator_app.test_client(), evaluator)
    assert client.get("/dashboard").status_code == 200
    stored = WebSession.objects(username=evaluator).first()
    with client.session_transaction() as session:
        assert set(session) == {"key", "csrf", "_permanent"} and session["key"] not in stored.key_hash


def test_logout_ends_the_session_even_for_a_copied_cookie(aggregator_app, evaluator):
    client = login(aggregator_app.test_client(), evaluator)
    with client.session_transaction() as session:
        copied = dict(session)
    client.post("/logout", data={"csrf_token": csrf(client, "/dashboard")})
    thief = aggregator_app.test_client()
    with thief.session_transaction() as session:
        session.update(copied)
    assert thief.get("/dashboard").status_code == 302


def test_disabling_a_user_ends_their_sessions_at_once(aggregator_app, notifier_app, settings, evaluator):
    pages, inbox = login(aggregator_app.test_client(), evaluator), login(notifier_app.test_client(), evaluator)
    assert pages.get("/dashboard").status_code == 200
    result = CliRunner().invoke(cli, ["user", "disable", "--username", evaluator], env=settings_env(settings))
    assert result.exit_code == 0 and "2 session(s) ended" in result.output, result.output
    assert pages.get("/dashboard").status_code == 302 and inbox.get("/inbox").status_code == 302
    listing = CliRunner().invoke(cli, ["user", "sessions", "--username", evaluator], env=settings_env(settings))
    assert listing.output.count("ended") == 2 and "user disabled" in listing.output


def test_roles_are_read_again_on_every_request(aggregator_app, evaluator, clock):
    client = login(aggregator_app.test_client(), evaluator)
    assert client.get("/dashboard").status_code == 200
    WebUser.save_revision(evaluator, {"roles": ["admin"], "nip": None}, at=clock.now(), by="test")
    assert client.get("/dashboard").status_code == 200            # admins see the dashboard too
    WebUser.save_revision(evaluator, {"roles": ["supervisor"], "nip": "198001012005011001"}, at=clock.now(), by="test")
    assert client.get("/dashboard").status_code == 403


def test_an_admin_lists_and_ends_a_users_sessions(aggregator_app, survey, tokens, evaluator, clock):
    first, second = login(aggregator_app.test_client(), evaluator), login(aggregator_app.test_client(), evaluator)
    rows = survey.get(f"/api/v1/admin/users/{evaluator}/sessions", headers=tokens("admin")).json
    assert [r["state"] for r in rows] == ["active", "active"] and all(r["service"] == "aggregator" for r in rows)
    assert "key" not in rows[0] and "key_hash" not in rows[0]
    one = survey.post(f"/api/v1/admin/users/{evaluator}/sessions/{rows[0]['id']}/end", headers=tokens("admin"))
    assert one.status_code == 200 and one.json == {"ended": 1}
    alive = [c.get("/dashboard").status_code for c in (first, second)]
    assert sorted(alive) == [200, 302]
    rest = survey.post(f"/api/v1/admin/users/{evaluator}/sessions/end", headers=tokens("admin"))
    assert rest.json == {"ended": 1}
    assert [c.get("/dashboard").status_code for c in (first, second)] == [302, 302]
    again = survey.post(f"/api/v1/admin/users/{evaluator}/sessions/{rows[0]['id']}/end", headers=tokens("admin"))
    assert again.json == {"ended": 0}
    assert survey.get("/api/v1/admin/users/nobody-here/sessions", headers=tokens("admin")).status_code == 404
    assert survey.get(f"/api/v1/admin/users/{evaluator}/sessions", headers=tokens("evaluator")).status_code == 403
    assert survey.post(f"/api/v1/admin/users/{evaluator}/sessions/end").status_code == 401


def test_an_expired_session_needs_a_new_login(aggregator_app, evaluator, clock, settings):
    client = login(aggregator_app.test_client(), evaluator)
    clock.advance(hours=settings.session_hours, seconds=1)
    assert client.get("/dashboard").status_code == 302


def test_the_cli_makes_a_temporary_password_that_must_be_replaced(settings):
    from shared.records.users import authenticate
    name = f"cli-{uuid.uuid4().hex[:6]}"
    result = CliRunner().invoke(cli, ["user", "create", "--username", name, "--role", "evaluator", "--temporary"],
                                env=settings_env(settings))
    assert result.exit_code == 0, result.output
    password = re.search(r"shown once; to be replaced at the first login\): (\S+)", result.output).group(1)
    assert authenticate(name, password) is not None and WebUser.head(name).must_change_password is True
    given = CliRunner().invoke(cli, ["user", "create", "--username", name, "--role", "evaluator",
                                     "--password", "sandi-pilihan-admin"], env=settings_env(settings))
    assert given.exit_code == 0 and WebUser.head(name).must_change_password is False
    both = CliRunner().invoke(cli, ["user", "create", "--username", name, "--role", "evaluator", "--temporary",
                                    "--password", "sandi-pilihan-admin"], env=settings_env(settings))
    assert both.exit_code != 0
