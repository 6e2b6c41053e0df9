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
    wrong = client.delete("/healthz")
    assert wrong.status_code == 405 and wrong.json["code"] == "method_not_allowed"
    assert set(wrong.headers["Allow"].replace(" ", "").split(",")) >= {"GET", "HEAD"}   # RFC 9110


@pytest.mark.parametrize("service", SERVICES)
def test_every_operation_documents_its_errors_with_the_one_error_schema(service, settings, clock):
    spec = app_factories()[service](settings, clock).test_client().get("/openapi.json").json
    error = spec["components"]["schemas"]["ErrorOut"]
    assert error["properties"]["code"]["type"] == "string" and "validation_error" in error["properties"]["code"]["enum"]
    assert set(error["required"]) == {"code", "message", "message_en", "errors", "status"}
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            if method == "parameters":
                continue
            responses = operation["responses"]
            assert "default" in responses, (method, path)
            for status, response in responses.items():
                if status.isdigit() and int(status) >= 400 and "$ref" not in response and path != "/readyz":
                    schema = response["content"]["application/json"]["schema"]
                    assert schema == {"$ref": "#/components/schemas/ErrorOut"}, (method, path, status)
            if operation.get("security"):
                assert {"401", "403"} <= set(responses), (method, path)
