"""One's own password through the real database: a login made by an admin (a temporary
password) opens nothing but the password page until the user sets their own; wrong or weak
new passwords are refused with the field named; the change ends the user's other sessions."""
from __future__ import annotations

import re
import uuid

import pytest

from shared.records.users import WebUser, authenticate

from services.survey.directory import accounts

pytestmark = pytest.mark.integration


def csrf(client, path: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', client.get(path).text).group(1)


def log_in(client, username: str, password: str):
    return client.post("/login?next=/dashboard", data={"username": username, "password": password,
                                                       "csrf_token": csrf(client, "/login")})


def test_a_temporary_password_leads_to_the_password_page_until_one_of_ones_own_is_set(settings, clock):
    from services.aggregator.app import create_app as aggregator
    from services.survey.app import create_app as survey
    username = f"baru-{uuid.uuid4().hex[:6]}"
    _user, temporary = accounts.create({"username": username, "roles": ["evaluator"]}, by="admin", now=clock.now())
    app = aggregator(settings, clock)
    laptop, phone = app.test_client(), survey(settings, clock).test_client()
    landed = log_in(laptop, username, temporary)
    assert landed.status_code == 302 and landed.location.startswith("/akun/sandi?next=/dashboard")
    assert log_in(phone, username, temporary).status_code == 302
    blocked = laptop.get("/dashboard")
    assert blocked.status_code == 302 and blocked.location.startswith("/akun/sandi")   # nothing else opens
    page = laptop.get("/akun/sandi")
    assert 'id="forced"' in page.text and page.headers["Cache-Control"] == "no-store"

    def change(current: str, new: str, repeated: str | None = None):
        return laptop.post("/akun/sandi?next=/dashboard", data={
            "csrf_token": csrf(laptop, "/akun/sandi"), "current_password": current, "new_password": new,
            "repeat_password": new if repeated is None else repeated})
    for current, new, repeated, field in ((temporary + "x", "sandi yang panjang sekali", None, "current_password"),
                                          (temporary, "pendek", None, "new_password"),
                                          (temporary, temporary, None, "new_password"),
                                          (temporary, f"{username} 2026 ok", None, "new_password"),
                                          (temporary, "sandi yang panjang sekali", "lain", "repeat_password")):
        refused = change(current, new, repeated)
        assert refused.status_code == 422 and f'data-error="{field}"' in refused.text, (new, field)
    assert authenticate(username, temporary) is not None and WebUser.head(username).must_change_password
    done = change(temporary, "kopi pagi di loket tiga")
    assert done.status_code == 302 and done.location == "/dashboard"
    assert laptop.get("/dashboard").status_code == 200
    assert authenticate(username, temporary) is None and authenticate(username, "kopi pagi di loket tiga")
    assert WebUser.head(username).must_change_password is False
    assert phone.get("/beranda").status_code == 200 and 'data-role="evaluator"' not in phone.get("/beranda").text
    # the phone's session ended: it is a visitor again there
    again = log_in(laptop.application.test_client(), username, "kopi pagi di loket tiga")
    assert again.location == "/dashboard"                                # no more forced change


def test_an_admins_reset_asks_for_a_new_password_again(settings, clock):
    from services.survey.app import create_app as survey
    username = f"reset-{uuid.uuid4().hex[:6]}"
    accounts.create({"username": username, "roles": ["evaluator"]}, by="admin", now=clock.now())
    WebUser.save_revision(username, {"must_change_password": False}, at=clock.now(), by="test")
    temporary = accounts.reset_password(username, by="admin", now=clock.now())
    client = survey(settings, clock).test_client()
    assert log_in(client, username, temporary).location.startswith("/akun/sandi")
