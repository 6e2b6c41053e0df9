"""The supervisor `make up` runs: a process that exits is started again, with a backoff that
grows while it keeps exiting, and its restarts are counted. Dummy processes on free ports, pid
files in a folder of the test's own (so a running `make up` is never touched)."""
from __future__ import annotations

import os
import signal
import sys

import pytest

from infra import proc as infra_proc
from infra.supervisor import FIRST_WAIT_S, MAX_WAIT_S, STABLE_S, Supervisor, Watched
from tests.support.processes import free_port
from tests.support.waiting import eventually

pytestmark = pytest.mark.integration


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


@pytest.fixture
def private_run_dir(tmp_path, monkeypatch):
    monkeypatch.setattr(infra_proc, "RUN", tmp_path / "run")
    monkeypatch.setattr(infra_proc, "LOGS", tmp_path / "log")
    import infra.supervisor as sup
    monkeypatch.setattr(sup, "LOGS", tmp_path / "log")
    return tmp_path


def server(port: int) -> Watched:
    return Watched(f"dummy-{port}", (sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1"), port)


def test_a_process_that_is_killed_comes_back_and_its_restarts_are_counted(private_run_dir):
    clock = Clock()
    web, other = server(free_port()), server(free_port())
    sup = Supervisor([web, other], {}, clock, say=lambda _: None, ready_timeout_s=30)
    sup.start_all()
    try:
        first = infra_proc.running_pid(web.name)
        os.killpg(first, signal.SIGKILL)
        eventually(lambda: infra_proc.running_pid(web.name) is None, timeout=10, message="the kill did not land")
        assert sup.check() == []                       # seen exited; its wait starts now
        clock.now += FIRST_WAIT_S
        assert sup.check() == [web.name]              # started again after the wait
        assert infra_proc.port_open("127.0.0.1", web.port) and infra_proc.running_pid(web.name) != first
        assert web.restarts == 1 and other.restarts == 0
        assert any("restart 1" in line for line in sup.log)
    finally:
        sup.stop_all()
    assert infra_proc.running_pid(web.name) is None and infra_proc.running_pid(other.name) is None


def test_the_wait_doubles_while_a_process_keeps_exiting_and_resets_once_it_stays_up(private_run_dir):
    clock = Clock()
    crasher = Watched("crasher", (sys.executable, "-c", "import sys; sys.exit(3)"), marker="sys.exit(3)")
    sup = Supervisor([crasher], {}, clock, say=lambda _: None)
    sup.start_all()
    try:
        waits = []
        for _ in range(7):   # bounded: each round it has exited again
            eventually(lambda: infra_proc.running_pid(crasher.name) is None, timeout=10, message="still running")
            sup.check()
            waits.append(crasher.wait_s)
            clock.now += crasher.wait_s
            sup.check()
        assert crasher.restarts == 7
        assert waits[:5] == [FIRST_WAIT_S, 2 * FIRST_WAIT_S, 4 * FIRST_WAIT_S, 8 * FIRST_WAIT_S, 16 * FIRST_WAIT_S]
        assert max(waits) <= MAX_WAIT_S
    finally:
        sup.stop_all()

    steady = server(free_port())
    steady.wait_s = 8.0
    sup = Supervisor([steady], {}, clock, say=lambda _: None, ready_timeout_s=30)
    sup.start_all()
    try:
        clock.now += STABLE_S
        sup.check()
        assert steady.wait_s == FIRST_WAIT_S                 # it stayed up: the next exit is news
    finally:
        sup.stop_all()


def test_under_the_supervisor_killed_workers_come_back_and_the_next_response_counts(private_run_dir, fresh_settings):
    import requests

    from shared.platform.clock import SystemClock
    from shared.records.directory import Unit

    from infra import services
    from tests.support.env import settings_env

    Unit.save_revision("SUPERVISED", {"name": "Unit supervised"}, at=SystemClock().now(), by="test")
    ports = {"SURVEY_PORT": free_port(), "AGGREGATOR_PORT": free_port(), "NOTIFIER_PORT": free_port()}
    env = {**settings_env(fresh_settings), **{k: str(v) for k, v in ports.items()}}
    sup = services.supervisor(env)
    sup.say = lambda _: None
    sup.start_all()
    survey = f"http://127.0.0.1:{ports['SURVEY_PORT']}"
    aggregator = f"http://127.0.0.1:{ports['AGGREGATOR_PORT']}"
    answers = {f"U{i}": 3 for i in range(1, 10)}

    def counted(n: int, period: str) -> bool:
        body = requests.get(f"{aggregator}/api/v1/public/units/SUPERVISED", params={"period": period}, timeout=5).json()
        return body.get("respondents") == n

    try:
        first = requests.post(f"{survey}/api/v1/responses", json={"unit": "SUPERVISED", "answers": answers}, timeout=10)
        period = first.json()["period"]
        eventually(lambda: counted(1, period), timeout=60, message="the first response was not counted")
        killed = ("survey-relay", "aggregator-worker", "notifier-worker")
        for name in killed:
            os.killpg(infra_proc.running_pid(name), signal.SIGKILL)

        def all_back() -> bool:
            # restarted, not merely still there: right after SIGKILL the killed process can still
            # look alive for a moment (not yet reaped), and it must not count as back
            sup.check()
            restarted = {p.name for p in sup.procs if p.restarts >= 1}
            return all(name in restarted and infra_proc.running_pid(name) is not None for name in killed)

        eventually(all_back, timeout=60, interval=0.5, message="the killed processes were not started again")
        assert {p.name: p.restarts for p in sup.procs if p.name in killed} == dict.fromkeys(killed, 1)
        requests.post(f"{survey}/api/v1/responses", json={"unit": "SUPERVISED", "answers": answers}, timeout=10)
        eventually(lambda: counted(2, period), timeout=90, message="the response after the restarts was not counted")
    finally:
        sup.stop_all()
