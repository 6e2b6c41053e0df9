"""Operations pages through the real database: the relay's backlog with held events that an
admin releases or discards (the decision the relay applies, as the API records it), and API
token revocation (the revoked token is then refused by the API)."""
from __future__ import annotations

import uuid

import pytest

from shared.platform.auth import issue_token
from shared.records.responses import OutboxDecision, Response

from tests.support.aggregator import response_doc, skm_event
from tests.survey import test_admin_pages
from tests.survey.test_admin_pages import csrf

pytestmark = pytest.mark.integration

people = test_admin_pages.people   # the logged-in clients fixture, one per role


def _held(settings, clock) -> str:
    """A stored response the relay held (as the relay marks one Kafka refused for good)."""
    doc = response_doc(settings, skm_event("DISDUK", 3))
    doc.save(force_insert=True, validate=False)
    Response._get_collection().update_one({"_id": doc.id}, {"$set": {
        "held": True, "held_reason": "MessageSizeTooLargeError", "held_at": clock.now()}})
    return doc.id


def test_an_admin_sees_the_backlog_and_releases_or_discards_a_held_event(people, settings, clock):
    admin = people["admin"]
    first, second = _held(settings, clock), _held(settings, clock)
    page = admin.get("/admin/outbox").text
    assert f'data-held="{first}"' in page and "MessageSizeTooLargeError" in page and "WIB" in page
    released = admin.post(f"/admin/outbox/{first}/release", data={"csrf_token": csrf(page)})
    assert released.status_code == 302 and "decided=" in released.location
    assert admin.post(f"/admin/outbox/{second}/discard", data={"csrf_token": csrf(page)}).status_code == 302
    decisions = {d.response_id: d.action for d in OutboxDecision.objects(response_id__in=[first, second])}
    assert decisions == {first: "release", second: "discard"}
    assert admin.post(f"/admin/outbox/{uuid.uuid4()}/release", data={"csrf_token": csrf(page)}).status_code == 404
    assert admin.post(f"/admin/outbox/{first}/explode", data={"csrf_token": csrf(page)}).status_code == 404
    assert admin.post(f"/admin/outbox/{first}/release", data={"csrf_token": csrf(page), "x": "1"}).status_code == 422
    assert people["evaluator"].get("/admin/outbox").status_code == 403


def test_an_admin_revokes_a_token_and_the_api_refuses_it(people, settings, survey):
    admin, jti = people["admin"], f"tok-{uuid.uuid4().hex[:12]}"
    token = issue_token(settings, sub="integrasi-simpeg", roles=["admin"], token_id=jti)
    assert survey.get("/api/v1/deployments", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    page = admin.get("/admin/tokens").text
    bad = admin.post("/admin/tokens", data={"csrf_token": csrf(page), "id": "bukan id!", "reason": "x"})
    assert bad.status_code == 422 and 'data-error="id"' in bad.text
    done = admin.post("/admin/tokens", data={"csrf_token": csrf(page), "id": jti, "reason": "laptop hilang"})
    assert done.status_code == 201 and 'id="revoked"' in done.text and f'data-token="{jti}"' in done.text
    assert admin.post("/admin/tokens", data={"csrf_token": csrf(page), "id": jti}).status_code == 200   # already
    assert survey.get("/api/v1/deployments", headers={"Authorization": f"Bearer {token}"}).status_code == 401
