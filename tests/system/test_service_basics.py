"""What every service offers: health, readiness, OpenAPI and interactive docs, error shape."""
from __future__ import annotations

from dataclasses import replace

import pytest

from tests.system.test_endpoint_security import app_factories

pytestmark = pytest.mark.integration

SERVICES = ["survey", "aggregator", "notifier"]


@pytest.mark.parametrize("service", SERVICES)
def test_health_and_readiness_against_the_real_servers(service, settings, clock):
    client = app_factories()[service](settings, clock).test_client()
    assert client.get("/healthz").json == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200, ready.json
    assert ready.json["checks"] == {"database": "ok", "kafka": "ok"}


@pytest.mark.parametrize("service", SERVICES)
def test_readiness_names_what_is_unreachable(service, settings, clock):
    from shared.messaging.clients import reachable
    broken = replace(settings, kafka_bootstrap_servers="127.0.0.1:1")
    assert not reachable(broken)
    client = app_factories()[service](broken, clock).test_client()
    ready = client.get("/readyz")
    assert ready.status_code == 503
    assert ready.json["checks"]["kafka"] == "unreachable"
    assert "kafka" in ready.json["errors"] and ready.json["code"] == "unavailable"
    assert client.get("/healthz").status_code == 200  # alive, just not ready


@pytest.mark.parametrize("service", SERVICES)
def test_openapi_document_and_docs_page(service, settings, clock):
    client = app_factories()[service](settings, clock).test_client()
    spec = client.get("/openapi.json")
    assert spec.status_code == 200 and spec.json["openapi"].startswith("3.")
    assert "/healthz" in spec.json["paths"]
    docs = client.get("/docs")
    assert docs.status_code == 200 and b"/docs/static/swagger-ui-bundle.js" in docs.data
    assert client.get("/docs/static/swagger-ui-bundle.js").status_code == 200  # served locally, no CDN


@pytest.mark.parametrize("service", SERVICES)
def test_unknown_path_and_method_use_the_error_shape(service, settings, clock):
    client = app_factories()[service](settings, clock).test_client()
    missing = client.get("/nope")
    assert missing.status_code == 404
    assert set(missing.json) >= {"code", "message", "message_en", "errors"}
    assert client.delete("/healthz").json["code"] == "method_not_allowed"
