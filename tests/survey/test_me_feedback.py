"""The employee portal's feedback pages through the real database: an employee sees the
colleagues they may rate this month, gives one the BerAKHLAK feedback in the browser's form
(checked as the API checks it), cannot rate the same colleague twice in a month nor anyone
outside their circle, and nothing about them as a rater is stored in the clear."""
from __future__ import annotations

import re
import uuid

import pytest

from shared.domain import berakhlak
from shared.records.responses import Response
from shared.records.users import WebUser, hash_password

from tests.survey.test_admin_pages import csrf

pytestmark = pytest.mark.integration
PASSWORD = "rahasia-pegawai-2026"


def employee(survey_app, clock, nip: str | None):
    name = f"pegawai-{uuid.uuid4().hex[:6]}"
    WebUser.save_revision(name, {"password_hash": hash_password(PASSWORD), "roles": ["employee"], "nip": nip},
                          at=clock.now(), by="test")
    client = survey_app.test_client()
    client.post("/login", data={"username": name, "password": PASSWORD, "csrf_token": csrf(client.get("/login").text)})
    return client


def answers(score: int = 4) -> dict[str, str]:
    return {f"a.{code}": str(score) for code, *_ in berakhlak.VALUES}


def test_an_employee_rates_a_colleague_once_a_month_in_the_browser_form(survey_app, org, clock):
    ani = employee(survey_app, clock, org.a)
    home = ani.get("/me")
    assert home.status_code == 200 and "Anonim" in home.text
    listed = re.findall(r'data-colleague="(\d+)" data-done="(\w+)"', home.text)
    assert {nip for nip, _ in listed} == {org.head, org.lead, org.b} and all(done == "no" for _, done in listed)
    assert ani.get(f"/me/rekan/{org.outsider}").status_code == 403            # outside her circle
    form = ani.get(f"/me/rekan/{org.b}").text
    assert "Berorientasi Pelayanan" in form and 'name="a.BO"' in form
    rid = re.search(r'name="id" value="([^"]+)"', form).group(1)
    half = ani.post(f"/me/rekan/{org.b}", data={"csrf_token": csrf(form), "id": rid, "template_version": "1",
                                                "a.BO": "5", "a.BO_comment": "Selalu sigap di loket"})
    assert half.status_code == 422 and "error-summary" in half.text and "Selalu sigap di loket" in half.text
    assert Response.objects(id=rid).first() is None                           # nothing half-written
    odd = ani.post(f"/me/rekan/{org.b}", data={"csrf_token": csrf(form), "id": rid, "template_version": "1",
                                               **answers(), "a.BO": "²"})
    assert odd.status_code == 422
    extra = ani.post(f"/me/rekan/{org.b}", data={"csrf_token": csrf(form), "id": rid, "template_version": "1",
                                                 **answers(), "rater": org.head})
    assert extra.status_code == 422
    sent = ani.post(f"/me/rekan/{org.b}", data={"csrf_token": csrf(form), "id": rid, "template_version": "1",
                                                **answers(), "a.KO_comment": "Kompeten"})
    assert sent.status_code == 302 and "given=" in sent.location
    stored = Response.objects(id=rid).first()
    assert stored is not None and stored.answers["BO"] == 4 and stored.answers["KO_comment"] == "Kompeten"
    assert org.a not in str(stored.to_mongo().to_dict())                     # the rater only as a keyed hash
    home = ani.get("/me").text
    assert re.search(rf'data-colleague="{org.b}" data-done="yes"', home)
    assert ani.get(f"/me/rekan/{org.b}").status_code == 302                   # done this month: back to the list
    again = ani.post(f"/me/rekan/{org.b}", data={"csrf_token": csrf(form), "id": str(uuid.uuid4()),
                                                 "template_version": "1", **answers(2)})
    assert again.status_code == 409 and Response.objects(ratee=org.b).count() == 1
    assert "sudah memberi umpan balik" in again.text                        # said, not "reload the page"


def test_a_login_without_an_employee_behind_it_is_told_so(survey_app, clock):
    nobody = employee(survey_app, clock, None)
    assert nobody.get("/me").status_code == 403
