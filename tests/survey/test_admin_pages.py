"""The survey service's admin console through the real database: only admins get in; a unit
tree is built and edited (each change a revision, shown in its history); a survey is put at a
counter and its poster printed (the PDF rendered to PNG under tests/artifacts/); a kiosk is
registered with its setup QR, seen in the fleet and disabled."""
from __future__ import annotations

import re
import uuid

import pytest

from shared.records.users import WebUser, hash_password

from tests.survey.conftest import nip

pytestmark = pytest.mark.integration
PASSWORD = "rahasia-admin-2026"


def csrf(text: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', text).group(1)


def log_in(client, username: str):
    return client.post("/login", data={"username": username, "password": PASSWORD,
                                       "csrf_token": csrf(client.get("/login").text)})


@pytest.fixture
def people(survey_app, clock):
    tag = uuid.uuid4().hex[:6]
    for username, roles in ((f"admin-{tag}", ["admin"]), (f"eval-{tag}", ["evaluator"])):
        WebUser.save_revision(username, {"password_hash": hash_password(PASSWORD), "roles": roles}, at=clock.now(),
                              by="test")
    admin = survey_app.test_client()
    assert log_in(admin, f"admin-{tag}").status_code == 302
    evaluator = survey_app.test_client()
    assert log_in(evaluator, f"eval-{tag}").status_code == 302
    return {"admin": admin, "evaluator": evaluator, "anon": survey_app.test_client(), "tag": tag.upper()}


PAGES = ["/admin", "/admin/units", "/admin/deployments", "/admin/kiosks", "/admin/posters.pdf"]


@pytest.mark.parametrize("path", PAGES)
def test_only_admins_open_the_console(people, path):
    assert people["anon"].get(path).status_code == 302 and "/login" in people["anon"].get(path).location
    assert people["evaluator"].get(path).status_code == 403
    assert people["evaluator"].post("/admin/units", data={"csrf_token": "x", "code": "X", "name": "X"}).status_code \
        in (400, 403)


def test_a_unit_tree_is_built_and_edited_with_its_history(people):
    admin, tag = people["admin"], people["tag"]
    page = admin.get("/admin/units").text
    bad = admin.post("/admin/units", data={"csrf_token": csrf(page), "code": f"OPD-{tag}", "name": "Dinas Uji",
                                           "head_nip": "123"})
    assert bad.status_code == 422 and 'data-error="head_nip"' in bad.text and 'value="Dinas Uji"' in bad.text
    ok = admin.post("/admin/units", data={"csrf_token": csrf(page), "code": f"OPD-{tag}", "name": "Dinas Uji",
                                          "name_en": "", "parent": "", "head_nip": nip(901)})
    assert ok.status_code == 302
    child = admin.post("/admin/units", data={"csrf_token": csrf(page), "code": f"UPT-{tag}", "name": "UPT Uji",
                                             "parent": f"OPD-{tag}"})
    assert child.status_code == 302
    unknown = admin.post("/admin/units", data={"csrf_token": csrf(page), "code": f"X-{tag}", "name": "X",
                                               "parent": "NO-SUCH"})
    assert unknown.status_code == 422 and 'data-error="parent"' in unknown.text
    tree = admin.get("/admin/units").text
    opd, upt = tree.index(f'data-unit="OPD-{tag}" data-depth="0"'), tree.index(f'data-unit="UPT-{tag}" data-depth="1"')
    assert opd < upt
    edit = admin.get(f"/admin/units/UPT-{tag}").text
    assert admin.post(f"/admin/units/UPT-{tag}", data={"csrf_token": csrf(edit), "name": "UPT Uji Kecamatan",
                                                       "parent": f"OPD-{tag}"}).status_code == 302
    after = admin.get(f"/admin/units/UPT-{tag}?saved=1").text
    assert 'id="saved"' in after and 'data-rev="2"' in after and 'data-rev="1"' in after
    assert "UPT Uji Kecamatan" in after and "WIB" in after   # times in the configured zone


def test_a_counter_gets_a_survey_and_its_poster_and_a_kiosk(people, org, artifacts):
    import io

    import pypdfium2 as pdfium

    from shared.records.responses import Response
    admin = people["admin"]
    page = admin.get("/admin/deployments").text
    wrong = admin.post("/admin/deployments", data={"csrf_token": csrf(page), "template": "skm", "unit": org.unit,
                                                   "service": "NOPE"})
    assert wrong.status_code == 422 and 'data-error="service"' in wrong.text
    made = admin.post("/admin/deployments", data={"csrf_token": csrf(page), "template": "skm", "unit": org.unit,
                                                  "service": "KTP", "officer": ""})
    assert made.status_code == 302
    code = made.location.split("created=")[1].split("#")[0]
    listed = admin.get("/admin/deployments").text
    assert f'id="dep-{code}"' in listed
    poster = admin.get(f"/admin/posters.pdf?code={code}&size=A5")
    assert poster.status_code == 200 and poster.mimetype == "application/pdf"
    pdf = pdfium.PdfDocument(io.BytesIO(poster.data))
    image = pdf[0].render(scale=2).to_pil()
    image.save(artifacts / "admin-poster-a5.png")
    text = pdf[0].get_textpage().get_text_range()
    assert "Bagaimana pelayanan kami?" in text and f"/s/{code}" in text and len(pdf) == 1
    assert admin.get("/admin/posters.pdf?size=B4").status_code == 422

    kiosks = admin.get("/admin/kiosks").text
    device = f"kios-{people['tag'].lower()}"
    registered = admin.post("/admin/kiosks", data={"csrf_token": csrf(kiosks), "device_id": device,
                                                   "name": "Loket 1", "deployment": code, "idle_seconds": "45"})
    assert registered.status_code == 201 and "<svg" in registered.text and "#token=" in registered.text
    assert f'data-device="{device}"' in registered.text
    token = registered.text.split("#token=")[1].split('"')[0]
    sent = admin.post("/api/v1/responses", json={"deployment": code, "answers": {"U1": 4}},
                      headers={"Authorization": f"Bearer {token}"})
    assert sent.status_code in (200, 201, 202) and Response.objects(device=device).count() == 1
    disabled = admin.post(f"/admin/kiosks/{device}/disable", data={"csrf_token": csrf(kiosks)})
    assert disabled.status_code == 302
    fleet = admin.get("/admin/kiosks").text
    row = fleet.split(f'data-device="{device}"')[1].split("</tr>")[0]
    assert "nonaktif" in row
    refused = admin.post("/api/v1/responses", json={"deployment": code, "answers": {"U1": 4}},
                         headers={"Authorization": f"Bearer {token}"})
    assert refused.status_code in (401, 403)

    paused = admin.post(f"/admin/deployments/{code}/pause", data={"csrf_token": csrf(listed)})
    assert paused.status_code == 302
    assert 'data-field="active">dijeda' in admin.get("/admin/deployments").text


def test_a_retired_deployment_is_closed_for_good_but_not_while_a_kiosk_shows_it(people, org, survey, tokens):
    admin = people["admin"]
    listed = admin.get("/admin/deployments").text
    made = admin.post("/admin/deployments", data={"csrf_token": csrf(listed), "template": "skm", "unit": org.unit})
    code = re.search(r"created=([A-Z0-9]{8})", made.location).group(1)
    kiosks = admin.get("/admin/kiosks").text
    device = f"kios-r-{people['tag'].lower()}"
    admin.post("/admin/kiosks", data={"csrf_token": csrf(kiosks), "device_id": device, "name": "Loket 9",
                                      "deployment": code})
    held = admin.post(f"/admin/deployments/{code}/retire", data={"csrf_token": csrf(listed)})
    assert held.status_code == 409 and device in held.text          # the tablet would lose its survey
    assert survey.post(f"/api/v1/deployments/{code}/retire", headers=tokens("admin")).status_code == 409
    admin.post(f"/admin/kiosks/{device}/disable", data={"csrf_token": csrf(kiosks)})
    retired = admin.post(f"/admin/deployments/{code}/retire", data={"csrf_token": csrf(listed)})
    assert retired.status_code == 302 and "retired=" in retired.location
    page = admin.get(retired.location).text
    assert 'id="retired"' in page and f'data-retired="{code}"' in page and f'id="dep-{code}"' not in page
    assert survey.get(f"/s/{code}").status_code == 404                # the poster's QR answers 'closed'
    assert survey.post("/api/v1/responses", json={"deployment": code, "answers": {"U1": 4}}).status_code in (404, 422)
    assert admin.post(f"/admin/deployments/{code}/resume", data={"csrf_token": csrf(listed)}).status_code == 404
    assert survey.post(f"/api/v1/deployments/{code}/retire", headers=tokens("admin")).status_code == 404
    assert survey.post(f"/api/v1/deployments/{code}/retire", headers=tokens("evaluator")).status_code == 403


@pytest.mark.parametrize("form,field", [
    ({"code": "HX", "name": "a\x00b"}, "name"), ({"code": "$gt", "name": "x"}, "code"),
    ({"code": "a.b", "name": "x"}, "code"), ({"code": "HX", "name": "x" * 300_000}, "name"),
    ({"code": "HX", "name": "x", "$where": "1"}, "_form"),
    ({"code": "HX", "name": "x", "head_nip": "١" * 18}, "head_nip"),
])
def test_hostile_unit_forms_are_refused_and_nothing_is_written(people, form, field):
    from shared.records.directory import Unit
    admin = people["admin"]
    before = Unit.objects.count()
    r = admin.post("/admin/units", data={"csrf_token": csrf(admin.get("/admin/units").text), **form})
    assert r.status_code in (400, 413, 422) and (r.status_code != 422 or f'"{field}"' in r.text)   # page or JSON
    assert Unit.objects.count() == before


def test_a_kiosk_form_with_unicode_digits_is_refused(people):
    admin = people["admin"]
    r = admin.post("/admin/kiosks", data={"csrf_token": csrf(admin.get("/admin/kiosks").text), "device_id": "k1",
                                          "name": "n", "deployment": "X", "idle_seconds": "²"})
    assert r.status_code == 422 and 'data-error="idle_seconds"' in r.text


def test_the_console_home_links_every_admin_page_with_counts(people, survey_app):
    page = people["admin"].get("/admin").text
    for path in ("/admin/units", "/admin/deployments", "/admin/kiosks", "/admin/employees", "/admin/import",
                 "/admin/users"):
        assert f'href="{path}"' in page, path
    base = survey_app.extensions["tanggap"].settings.aggregator_public_url.rstrip("/")
    assert f'id="aggregator-admin" href="{base}/admin"' in page


def test_a_unit_is_closed_only_once_nothing_takes_responses_and_then_takes_nobody_new(people, org, survey, tokens):
    admin, closing = people["admin"], org.other_unit
    listed = admin.get("/admin/deployments").text
    made = admin.post("/admin/deployments", data={"csrf_token": csrf(listed), "template": "skm", "unit": closing})
    code = re.search(r"created=([A-Z0-9]{8})", made.location).group(1)
    page = admin.get(f"/admin/units/{closing}").text
    refused = admin.post(f"/admin/units/{closing}/deactivate", data={"csrf_token": csrf(page)})
    assert refused.status_code == 409 and code in refused.text          # its counter still takes responses
    admin.post(f"/admin/deployments/{code}/pause", data={"csrf_token": csrf(listed)})
    closed = admin.post(f"/admin/units/{closing}/deactivate", data={"csrf_token": csrf(page)})
    assert closed.status_code == 302
    page = admin.get(f"/admin/units/{closing}").text
    assert 'data-field="active"' in page and 'data-rev="2"' in page
    edited = admin.post(f"/admin/units/{closing}", data={"csrf_token": csrf(page), "name": "Kecamatan (lama)"})
    assert edited.status_code == 302
    from shared.records.directory import Unit
    assert Unit.head(closing).active is False and Unit.head(closing).name == "Kecamatan (lama)"   # still closed
    again = admin.post("/admin/deployments", data={"csrf_token": csrf(listed), "template": "skm", "unit": closing})
    assert again.status_code == 422 and 'data-error="unit"' in again.text
    assert admin.post(f"/admin/deployments/{code}/resume", data={"csrf_token": csrf(listed)}).status_code == 422
    hired = survey.post("/api/v1/employees", headers=tokens("admin"),
                        json={"nip": "199512312020121001", "name": "Baru", "unit": closing})
    assert hired.status_code == 422 and "unit" in hired.json["errors"]
    csv = f"nip,name,unit\n199512312020121001,Baru,{closing}\n{org.outsider},Citra,{closing}\n"
    imported = survey.post("/api/v1/directory/import?kind=employees&dry_run=true", data=csv,
                           content_type="text/csv", headers=tokens("admin")).json
    assert [(e["line"], e["field"]) for e in imported["errors"]] == [(2, "unit")]   # the import refuses it too
    moved = survey.post("/api/v1/employees", headers=tokens("admin"), json={"nip": org.outsider, "name": "Citra",
                                                                           "unit": closing, "active": True})
    assert moved.status_code in (200, 201)                      # its own people can still be edited
    listed_units = {u["code"]: u for u in survey.get("/api/v1/units").json}
    assert listed_units[closing]["active"] is False
    # every other way in refuses a closed unit too
    assert survey.post("/api/v1/responses", json={"unit": closing, "answers": {"U1": 4}}).status_code == 422
    paused_new = survey.post("/api/v1/deployments", headers=tokens("admin"),
                             json={"template": "skm", "unit": closing, "active": False})
    assert paused_new.status_code == 422 and "unit" in paused_new.json["errors"]
    renamed = survey.post("/api/v1/units", headers=tokens("admin"), json={"code": closing, "name": "Nama baru"})
    assert renamed.status_code in (200, 201) and Unit.head(closing).active is False      # left out: as it is
    Unit.save_revision(f"{closing}-B", {"name": "Unit B", "active": False}, at=Unit.head(closing).changed_at, by="t")
    across = f"nip,name,unit\n{org.outsider},Citra,{closing}-B\n{org.a},Ani,{org.unit}\n"
    moved_across = survey.post("/api/v1/directory/import?kind=employees&dry_run=true", data=across,
                               content_type="text/csv", headers=tokens("admin")).json
    assert [(e["line"], e["field"]) for e in moved_across["errors"]] == [(2, "unit")]   # closed A to closed B
    opened = admin.post(f"/admin/units/{closing}/activate", data={"csrf_token": csrf(page)})
    assert opened.status_code == 302 and Unit.head(closing).active is True
