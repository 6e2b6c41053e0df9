"""The development mail catcher of `make up` against the real database: a mail sent to it over
SMTP is kept (delivered nowhere) and listed on the notifier's development page, all mails to an
admin, a supervisor only the mail to their own address; production has neither."""
from __future__ import annotations

import os
import re
import smtplib
import subprocess
import sys
from dataclasses import replace
from email.message import EmailMessage

import pytest

from shared.records.dev_mail import CaughtMail
from shared.records.directory import Employee, Unit
from shared.records.users import WebUser, hash_password

from tests.support.env import settings_env
from tests.support.processes import free_port
from tests.support.waiting import eventually

pytestmark = pytest.mark.integration
SUPERVISOR = "198403152009012002"


def _send(port: int, to: str, subject: str) -> None:
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = "tanggap@localhost", to, subject
    message.set_content(f"Kasus baru untuk {to}")
    with smtplib.SMTP("127.0.0.1", port, timeout=10) as smtp:
        smtp.send_message(message)


def _client(app, username: str, roles: list[str], nip: str | None, clock):
    WebUser.save_revision(username, {"password_hash": hash_password("rahasia-sekali"), "roles": roles, "nip": nip},
                          at=clock.now(), by="test")
    client = app.test_client()
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text).group(1)
    client.post("/login", data={"username": username, "password": "rahasia-sekali", "csrf_token": token})
    return client


def test_caught_mail_is_listed_for_whom_it_was_sent(fresh_settings, clock):
    from services.notifier.app import create_app
    port = free_port()
    env = dict(os.environ, **settings_env(fresh_settings), TANGGAP_MAIL_CATCHER_PORT=str(port))
    catcher = subprocess.Popen([sys.executable, "-m", "infra.mailcatcher"], env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True)
    try:
        assert "smtp://127.0.0.1" in (catcher.stdout.readline() if catcher.stdout else "")
        _send(port, "Siti.Rahmawati@Pemda.Example", "Kasus pembinaan: Agus")   # any case: an address is one
        _send(port, "orang.lain@pemda.example", "Kasus lain")
        eventually(lambda: CaughtMail.objects.count() == 2, timeout=20, message="the mails were not caught")
    finally:
        catcher.terminate()
        catcher.wait(timeout=20)
    Unit.save_revision("DISDUKCAPIL", {"name": "Dinas"}, at=clock.now(), by="t")
    Employee.save_revision(SUPERVISOR, {"name": "Siti Rahmawati", "unit": "DISDUKCAPIL",
                                        "email": "siti.rahmawati@PEMDA.example"}, at=clock.now(), by="t")
    app = create_app(fresh_settings, clock)
    admin = _client(app, "admin.surel", ["admin"], None, clock).get("/dev/surel").text
    assert "Kasus pembinaan: Agus" in admin and "Kasus lain" in admin and "WIB" in admin
    siti = _client(app, "siti.surel", ["supervisor"], SUPERVISOR, clock).get("/dev/surel").text
    assert "Kasus pembinaan: Agus" in siti and "Kasus lain" not in siti
    production = create_app(replace(fresh_settings, env="production", secret_key="x" * 40), clock)
    assert production.test_client().get("/dev/surel").status_code == 404


def test_the_catcher_refuses_to_start_in_production(fresh_settings):
    env = {**os.environ, **settings_env(fresh_settings), "TANGGAP_ENV": "production", "TANGGAP_SECRET_KEY": "x" * 40,
           "TANGGAP_CONTACT_KEY": "A" * 43 + "=", "TANGGAP_MAIL_CATCHER_PORT": str(free_port())}
    done = subprocess.run([sys.executable, "-m", "infra.mailcatcher"], env=env, capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 2 and "production" in done.stderr
