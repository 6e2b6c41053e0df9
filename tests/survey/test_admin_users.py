"""Web logins from the admin console, through the real database: only admins get in; a login is
created with a temporary password shown once, its roles and NIP are checked as the directory
knows them, disabling it refuses its very next request, a password reset ends its sessions and
the old password, and the history never shows a password hash."""
from __future__ import annotations

import re
import uuid

import pytest

from shared.records.users import WebUser, hash_password

from tests.survey.test_admin_pages import PASSWORD, csrf, log_in

pytestmark = pytest.mark.integration


@pytest.fixture
def admin(survey_app, clock):
    name = f"adm-{uuid.uuid4().hex[:6]}"
    WebUser.save_revision(name, {"password_hash": hash_password(PASSWORD), "roles": ["admin"]}, at=clock.now(),
                          by="test")
    client = survey_app.test_client()
    assert log_in(client, name).status_code == 302
    client.username = name
    return client


def _create(admin, **form):
    page = admin.get("/admin/users").text
    return admin.post("/admin/users", data={"csrf_token": csrf(page), **form})


def test_only_admins_manage_logins(survey_app, clock, admin):
    name = f"ev-{uuid.uuid4().hex[:6]}"
    WebUser.save_revision(name, {"password_hash": hash_password(PASSWORD), "roles": ["evaluator"]}, at=clock.now(),
                          by="test")
    evaluator, anon = survey_app.test_client(), survey_app.test_client()
    log_in(evaluator, name)
    for path in ("/admin/users", f"/admin/users/{admin.username}"):
        assert anon.get(path).status_code == 302 and "/login" in anon.get(path).location
        assert evaluator.get(path).status_code == 403
    token = csrf(evaluator.get("/login").text)
    refused = evaluator.post(f"/admin/users/{admin.username}/disable", data={"csrf_token": token})
    assert refused.status_code in (400, 403) and WebUser.head(admin.username).active


def test_a_login_is_created_checked_disabled_and_reset(survey_app, admin, org):
    tag = uuid.uuid4().hex[:6]
    # bad input: no role, a NIP the directory does not have, an unknown unit, an unknown field
    bad = _create(admin, username=f"siti-{tag}", nip="199001012015032001", unit="NO-SUCH-UNIT")
    assert bad.status_code == 422 and 'data-error="roles"' in bad.text
    bad = _create(admin, username=f"siti-{tag}", roles=["supervisor"], nip="199001012015032001")
    assert bad.status_code == 422 and 'data-error="nip"' in bad.text and "direktori" in bad.text
    bad = _create(admin, username=f"siti-{tag}", roles=["evaluator"], unit="NO-SUCH-UNIT")
    assert bad.status_code == 422 and 'data-error="unit"' in bad.text
    bad = _create(admin, username=f"siti-{tag}", roles=["evaluator"], password_hash="x")
    assert bad.status_code == 422 and 'data-error="_form"' in bad.text
    bad = _create(admin, username="Siti Rahma!", roles=["evaluator"])
    assert bad.status_code == 422 and 'data-error="username"' in bad.text
    bad = _create(admin, username=f"siti-{tag}", roles=["kiosk"])
    assert bad.status_code == 422 and 'data-error="roles"' in bad.text
    assert WebUser.head(f"siti-{tag}") is None   # nothing written

    made = _create(admin, username=f"Siti-{tag}", roles=["supervisor"], nip=org.lead, unit=org.unit)
    assert made.status_code == 201 and made.headers["Cache-Control"] == "no-store"
    password = re.search(r'id="temp-password">([^<]+)<', made.text).group(1)
    assert len(password) == 19 and WebUser.head(f"siti-{tag}").roles == ["supervisor"]
    again = _create(admin, username=f"siti-{tag}", roles=["evaluator"])
    assert again.status_code == 409 and 'data-error="username"' in again.text

    siti = survey_app.test_client()
    assert siti.post("/login", data={"username": f"siti-{tag}", "password": password,
                                     "csrf_token": csrf(siti.get("/login").text)}).status_code == 302
    assert siti.get("/admin/users").location.startswith("/akun/sandi")    # a temporary password: own one first
    assert siti.post("/akun/sandi", data={"csrf_token": csrf(siti.get("/akun/sandi").text),
                                          "current_password": password, "new_password": "sandi siti sendiri",
                                          "repeat_password": "sandi siti sendiri"}).status_code == 302
    page = admin.get(f"/admin/users/siti-{tag}").text
    assert 'data-session=' in page and "aktif" in page

    # roles changed: read again at the next request (an evaluator may open the dashboard, not the admin)
    changed = admin.post(f"/admin/users/siti-{tag}", data={"csrf_token": csrf(page), "roles": ["supervisor", "admin"],
                                                          "nip": org.lead, "unit": org.unit})
    assert changed.status_code == 302
    assert siti.get("/admin/users").status_code == 200   # the new admin role counts at once

    disabled = admin.post(f"/admin/users/siti-{tag}/disable", data={"csrf_token": csrf(page)})
    assert disabled.status_code == 302 and not WebUser.head(f"siti-{tag}").active
    refused = siti.get("/admin/users")
    assert refused.status_code == 302 and "/login" in refused.location   # the very next request
    assert siti.post("/login", data={"username": f"siti-{tag}", "password": password,
                                     "csrf_token": csrf(siti.get("/login").text)}).status_code == 401

    admin.post(f"/admin/users/siti-{tag}/enable", data={"csrf_token": csrf(page)})
    reset = admin.post(f"/admin/users/siti-{tag}/reset-password", data={"csrf_token": csrf(page)})
    assert reset.status_code == 200 and reset.headers["Cache-Control"] == "no-store"
    fresh = re.search(r'id="temp-password">([^<]+)<', reset.text).group(1)
    assert fresh != password
    for secret, status in ((password, 401), (fresh, 302)):
        assert siti.post("/login", data={"username": f"siti-{tag}", "password": secret,
                                         "csrf_token": csrf(siti.get("/login").text)}).status_code == status

    history = admin.get(f"/admin/users/siti-{tag}").text
    assert history.count("data-rev=") == 6 and "argon2" not in history and "$argon" not in history
    assert f"<td>siti-{tag}</td>" in history          # her own password change is in the history, by her
    assert re.search(r"\d\d-\d\d-\d{4} \d\d:\d\d WIB", history) and "UTC" not in history


def test_an_admin_cannot_lock_themself_out(admin):
    page = admin.get(f"/admin/users/{admin.username}").text
    assert 'id="toggle-active"' not in page
    gone = admin.post(f"/admin/users/{admin.username}/disable", data={"csrf_token": csrf(page)})
    assert gone.status_code == 422 and WebUser.head(admin.username).active
    demoted = admin.post(f"/admin/users/{admin.username}", data={"csrf_token": csrf(page), "roles": ["evaluator"]})
    assert demoted.status_code == 422 and 'data-error="roles"' in demoted.text
    assert WebUser.head(admin.username).roles == ["admin"]


def test_the_list_is_searched_by_name_nip_and_role(admin, org):
    tag = uuid.uuid4().hex[:6]
    _create(admin, username=f"budi-{tag}", roles=["employee"], nip=org.a)
    _create(admin, username=f"ani-{tag}", roles=["evaluator"])
    found = admin.get(f"/admin/users?q={org.a}").text
    assert f'data-user="budi-{tag}"' in found and f'data-user="ani-{tag}"' not in found
    found = admin.get(f"/admin/users?q={tag}&role=evaluator").text
    assert f'data-user="ani-{tag}"' in found and f'data-user="budi-{tag}"' not in found
