"""Kiosk heartbeats through the real database: a kiosk reports how many responses it still holds;
each heartbeat is a new document (insert only); only the kiosk's own token may send one; the
admin fleet page shows the newest per tablet in WIB, and a tablet that stopped reporting. The
kiosk page is an installable web app (its manifest)."""
from __future__ import annotations

import json
import uuid

import pytest

from shared.records.users import WebUser, hash_password

from services.survey.surveys.models import KioskHeartbeat
from tests.survey.conftest import nip
from tests.survey.test_admin_pages import PASSWORD, log_in

pytestmark = pytest.mark.integration


def register(survey, tokens, deployment) -> dict:
    r = survey.post("/api/v1/kiosks", json={"device_id": f"kios-{uuid.uuid4().hex[:6]}", "name": "Loket 1",
                                            "deployment": deployment["code"]}, headers=tokens("admin"))
    assert r.status_code == 201, r.json
    return r.json


def test_a_heartbeat_is_a_new_record_from_the_kiosk_token_only(survey, tokens, deployment, clock):
    kiosk = register(survey, tokens, deployment)
    auth = {"Authorization": f"Bearer {kiosk['token']}"}
    first = survey.post("/api/v1/kiosk/heartbeat", json={"queued": 3, "app_version": "2"}, headers=auth)
    assert first.status_code == 201, first.json
    assert first.json["device_id"] == kiosk["device_id"] and first.json["interval_seconds"] == 300
    clock.advance(minutes=5)
    assert survey.post("/api/v1/kiosk/heartbeat", json={"queued": 0}, headers=auth).status_code == 201
    docs = list(KioskHeartbeat.objects(device=kiosk["device_id"]).order_by("at"))
    assert [(d.queued, d.app_version) for d in docs] == [(3, "2"), (0, None)]

    for bad in ({"queued": -1}, {"queued": "3"}, {"queued": 1.5}, {}, {"queued": 1, "device": "kios-lain"},
                {"queued": 1, "app_version": "v 2; drop"}):
        r = survey.post("/api/v1/kiosk/heartbeat", json=bad, headers=auth)
        assert r.status_code == 422, (bad, r.json)
        assert r.json["errors"], r.json
    assert KioskHeartbeat.objects(device=kiosk["device_id"]).count() == 2   # nothing written by a refusal

    assert survey.post("/api/v1/kiosk/heartbeat", json={"queued": 1}).status_code == 401
    others = [tokens("admin"), tokens("evaluator"), tokens("supervisor", nip=nip(1)), tokens("employee", nip=nip(2))]
    for headers in others:
        assert survey.post("/api/v1/kiosk/heartbeat", json={"queued": 1}, headers=headers).status_code == 403
    survey.post(f"/api/v1/kiosks/{kiosk['device_id']}/disable", headers=tokens("admin"))
    assert survey.post("/api/v1/kiosk/heartbeat", json={"queued": 1}, headers=auth).status_code == 403
    assert KioskHeartbeat.objects(device=kiosk["device_id"]).count() == 2


def test_the_fleet_shows_the_newest_heartbeat_in_wib_and_who_stopped_reporting(survey, survey_app, tokens,
                                                                              deployment, clock):
    live, silent, never = (register(survey, tokens, deployment) for _ in range(3))
    for queued in (7, 2):   # the newest one counts: 2 still queued, at 10:10 WIB
        clock.advance(minutes=5)
        survey.post("/api/v1/kiosk/heartbeat", json={"queued": queued},
                    headers={"Authorization": f"Bearer {live['token']}"})
    clock.advance(hours=-3)   # silent's last one was at 07:10 WIB: more than three intervals ago
    survey.post("/api/v1/kiosk/heartbeat", json={"queued": 5}, headers={"Authorization": f"Bearer {silent['token']}"})
    clock.advance(hours=3)

    username = f"admin-{uuid.uuid4().hex[:6]}"
    WebUser.save_revision(username, {"password_hash": hash_password(PASSWORD), "roles": ["admin"]}, at=clock.now(),
                          by="test")
    admin = survey_app.test_client()
    assert log_in(admin, username).status_code == 302
    page = admin.get("/admin/kiosks").text

    def row(kiosk: dict) -> str:
        start = page.index(f'data-device="{kiosk["device_id"]}"')
        return page[start:page.index("</tr>", start)]

    assert "23-11-2026 10:10 WIB" in row(live) and 'data-field="queued">2<' in row(live)
    assert "tidak melapor" not in row(live)
    assert "23-11-2026 07:10 WIB" in row(silent) and "tidak melapor" in row(silent)
    assert 'data-field="queued">5<' in row(silent)
    assert "belum pernah" in row(never) and "tidak melapor" in row(never)
    anon = survey_app.test_client().get("/admin/kiosks")
    assert anon.status_code == 302 and "/login" in anon.location


def test_the_kiosk_page_is_an_installable_web_app(survey):
    page = survey.get("/kiosk").text
    assert 'rel="manifest" href="/kiosk/manifest.webmanifest"' in page
    r = survey.get("/kiosk/manifest.webmanifest")
    assert r.status_code == 200 and r.mimetype == "application/manifest+json"
    manifest = json.loads(r.text)
    assert manifest["start_url"] == "/kiosk" and manifest["display"] == "standalone"
    icon = survey.get(manifest["icons"][0]["src"])
    assert icon.status_code == 200 and icon.data.startswith(b"<svg")
    worker = survey.get("/kiosk/sw.js").text
    assert "/kiosk/manifest.webmanifest" in worker and "tanggap-kiosk-v2" in worker
