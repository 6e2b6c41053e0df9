"""A client generated from each service's OpenAPI document (openapi-python-client, as an
integrator would make one) calls the real service and parses both a success and an error:
the documents are contracts a generated client can rely on."""
from __future__ import annotations

import importlib
import os
import subprocess
import sys
from pathlib import Path

import pytest
import requests

pytestmark = pytest.mark.integration
BIN = Path(sys.executable).parent


def generated(url: str, name: str, where: Path):
    """Generate a client package ``name`` for the service at ``url`` and import it."""
    spec = where / f"{name}.json"
    spec.write_text(requests.get(f"{url}/openapi.json", timeout=10).text)
    result = subprocess.run([str(BIN / "openapi-python-client"), "generate", "--path", str(spec),
                             "--output-path", str(where / name), "--meta", "none"],
                            env=dict(os.environ, PATH=f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"),
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    if str(where) not in sys.path:
        sys.path.insert(0, str(where))
    return importlib.import_module(name)


def test_generated_clients_parse_successes_and_errors(fresh_settings, processes, tmp_path):
    from services.demo import load
    load(fresh_settings, echo=lambda *_: None)
    services = processes(fresh_settings)
    urls = {name: services.web(name, workers=1, threads=2).url for name in ("survey", "aggregator", "notifier")}

    survey = generated(urls["survey"], "survey_client", tmp_path)
    from survey_client.api.directory import get_api_v1_units
    from survey_client.api.responses import post_api_v1_responses
    from survey_client.models import ErrorOut, ErrorOutCode, ResponseIn, UnitOut
    client = survey.Client(base_url=urls["survey"])
    units = get_api_v1_units.sync_detailed(client=client)
    assert units.status_code == 200 and units.parsed and all(isinstance(u, UnitOut) for u in units.parsed)
    assert "DISDUKCAPIL" in {u.code for u in units.parsed}
    refused = post_api_v1_responses.sync_detailed(
        client=client, body=ResponseIn.from_dict({"unit": "NO-SUCH-UNIT", "answers": {"U1": 4}}))
    assert refused.status_code == 422 and isinstance(refused.parsed, ErrorOut)
    assert refused.parsed.code == ErrorOutCode.VALIDATION_ERROR and "unit" in refused.parsed.errors.to_dict()

    aggregator = generated(urls["aggregator"], "aggregator_client", tmp_path)
    from aggregator_client.api.public import get_api_v1_public_units_code
    from aggregator_client.models import ErrorOut as AggregatorError
    from aggregator_client.models import UnitSkmOut
    client = aggregator.Client(base_url=urls["aggregator"])
    found = get_api_v1_public_units_code.sync_detailed(code="DISDUKCAPIL", client=client)
    assert found.status_code == 200 and isinstance(found.parsed, UnitSkmOut) and found.parsed.unit == "DISDUKCAPIL"
    missing = get_api_v1_public_units_code.sync_detailed(code="NO-SUCH-UNIT", client=client)
    assert missing.status_code == 404 and isinstance(missing.parsed, AggregatorError)
    assert missing.parsed.code.value == "not_found" and missing.parsed.status == 404

    notifier = generated(urls["notifier"], "notifier_client", tmp_path)
    from notifier_client.api.health import get_healthz
    from notifier_client.api.inbox import get_api_v1_inbox_cases
    from notifier_client.models import ErrorOut as NotifierError
    from notifier_client.models import HealthOut
    client = notifier.Client(base_url=urls["notifier"])
    alive = get_healthz.sync_detailed(client=client)
    assert alive.status_code == 200 and isinstance(alive.parsed, HealthOut)
    anonymous = get_api_v1_inbox_cases.sync_detailed(client=client)
    assert anonymous.status_code == 401 and isinstance(anonymous.parsed, NotifierError)
    assert anonymous.parsed.code.value == "unauthorized" and anonymous.parsed.message_en
