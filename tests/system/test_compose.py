"""docker-compose.yml stays consistent with the code even though it cannot run here."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from shared.platform.config import VARIABLES

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
OWN = {"init", "survey", "survey-relay", "survey-tracker", "aggregator", "aggregator-worker", "notifier",
       "notifier-worker"}


def test_compose_parses_and_has_the_three_services_their_workers_and_the_servers():
    assert set(COMPOSE["services"]) == OWN | {"kafka", "mongo", "proxy"}
    assert COMPOSE["services"]["mongo"]["image"].startswith("mongo:7")
    assert COMPOSE["services"]["kafka"]["image"].startswith("apache/kafka:")
    assert "KRaft" in (ROOT / "docker-compose.yml").read_text() or \
        COMPOSE["services"]["kafka"]["environment"]["KAFKA_PROCESS_ROLES"] == "broker,controller"


def test_every_service_has_a_healthcheck():
    missing = [name for name, svc in COMPOSE["services"].items() if not svc.get("healthcheck", {}).get("test")]
    assert missing == []


def test_every_variable_set_for_our_services_is_read_by_the_configuration():
    for name in OWN:
        env = COMPOSE["services"][name]["environment"]
        unknown = sorted(set(env) - set(VARIABLES))
        assert unknown == [], f"{name} sets variables the code never reads: {unknown}"


def test_service_ports_match_the_configured_defaults():
    ports = {"survey": VARIABLES["SURVEY_PORT"][0], "aggregator": VARIABLES["AGGREGATOR_PORT"][0],
             "notifier": VARIABLES["NOTIFIER_PORT"][0]}
    for name, port in ports.items():
        svc = COMPOSE["services"][name]
        assert f"0.0.0.0:{port}" in svc["command"]
        assert svc["expose"] == [str(port)] and "ports" not in svc     # only the proxy is published
        assert f"127.0.0.1:{port}/readyz" in " ".join(svc["healthcheck"]["test"])


CADDYFILE = (ROOT / "deploy" / "Caddyfile").read_text()
PREFIXES = {"aggregator": "/agregator", "notifier": "/notifikasi"}


def test_one_front_door_puts_the_services_under_one_origin_by_path_prefix():
    proxy = COMPOSE["services"]["proxy"]
    assert proxy["image"].split(":")[0] == "caddy"                     # the official image
    assert "./deploy/Caddyfile:/etc/caddy/Caddyfile:ro" in proxy["volumes"]
    assert {"80:80", "443:443"} <= set(proxy["ports"])                 # TLS when a domain is configured
    assert "{$TANGGAP_SITE_ADDRESS" in CADDYFILE
    encode = [line.strip() for line in CADDYFILE.splitlines() if line.strip().startswith("encode")]
    assert encode == ["encode @static zstd gzip"]        # pages with the CSRF token are never compressed (BREACH)
    for name, port in (("aggregator", VARIABLES["AGGREGATOR_PORT"][0]), ("notifier", VARIABLES["NOTIFIER_PORT"][0])):
        block = CADDYFILE[CADDYFILE.index(f"handle_path {PREFIXES[name]}/*"):]
        block = block[:block.index("\n\t}")]
        assert f"reverse_proxy {name}:{port}" in block and f"X-Forwarded-Prefix {PREFIXES[name]}" in block
    assert f"reverse_proxy survey:{VARIABLES['SURVEY_PORT'][0]}" in CADDYFILE
    for name in ("survey", "aggregator", "notifier", "notifier-worker"):
        env = COMPOSE["services"][name]["environment"]
        assert env["TANGGAP_TRUSTED_PROXIES"] == "1"
        assert env["AGGREGATOR_PUBLIC_URL"].endswith("/agregator}") or env["AGGREGATOR_PUBLIC_URL"].endswith(
            "/agregator")
        assert "/notifikasi" in env["NOTIFIER_PUBLIC_URL"] and ":800" not in env["PUBLIC_SURVEY_URL"]


def test_commands_name_modules_that_exist():
    for name in OWN:
        command = " ".join(COMPOSE["services"][name]["command"])
        for module in re.findall(r"services\.[a-z_.]+", command):
            module = module.split(".app")[0] if ".app" in module else module
            assert (ROOT / Path(*module.split("."))).exists(), f"{name}: {module} does not exist"


def test_no_secret_is_written_in_the_file():
    env = COMPOSE["services"]["survey"]["environment"]
    assert env["TANGGAP_SECRET_KEY"].startswith("${TANGGAP_SECRET_KEY")
