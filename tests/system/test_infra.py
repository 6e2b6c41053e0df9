"""The local provisioning tool: clear one-line errors, and it stops only what it started."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[2]


def run_infra(*args, env=None, timeout=120):
    return subprocess.run([sys.executable, "-m", "infra", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=timeout, env=dict(os.environ, **(env or {})))


def test_port_taken_by_another_program_is_one_clear_line(tmp_path):
    with socket.socket() as blocker:
        blocker.bind(("127.0.0.1", 0))
        blocker.listen()
        port = blocker.getsockname()[1]
        env = {"TANGGAP_CACHE_DIR": str(tmp_path), "KAFKA_PORT": str(port), "KAFKA_BOOTSTRAP_SERVERS": "",
               "MONGODB_URI": "mongodb://127.0.0.1:1/"}
        result = run_infra("start", env=env)
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert f"port {port}" in lines[0] and "already in use" in lines[0] and "KAFKA_PORT" in lines[0]


def test_run_leaves_running_servers_alone(base_settings):
    """`make test` twice in a row, or with `make up` running: nothing already running is stopped."""
    import pytest

    from shared.messaging.clients import reachable
    if base_settings.kafka_bootstrap_servers != "127.0.0.1:9092":
        pytest.skip("the suite runs against servers given by the environment, not the local stack")
    # Blank the variables so the tool manages the local stack, which `make test` started.
    result = run_infra("run", "--", sys.executable, "-c", "print('inner command ran')",
                       env={"KAFKA_BOOTSTRAP_SERVERS": "", "MONGODB_URI": ""})
    assert result.returncode == 0, result.stderr
    assert "inner command ran" in result.stdout
    assert "already running" in result.stdout and "stopped" not in result.stdout
    assert reachable(base_settings)
