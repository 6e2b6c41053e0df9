"""`make up` honours the documented configuration (SURVEY_PORT and the rest) besides the
stack's own variables: the processes it supervises bind the ports the environment names."""
from __future__ import annotations

import pytest

pytestmark = pytest.mark.unit


def test_the_ports_in_the_environment_are_the_ports_make_up_serves(monkeypatch):
    from infra import services
    from infra.__main__ import environment

    class Stack:
        def env(self):
            return {"KAFKA_BOOTSTRAP_SERVERS": "127.0.0.1:19092", "MONGODB_URI": "mongodb://127.0.0.1:37017/"}

    monkeypatch.setenv("SURVEY_PORT", "18001")
    monkeypatch.setenv("NOTIFIER_PORT", "18003")
    monkeypatch.delenv("AGGREGATOR_PORT", raising=False)
    env = environment(Stack())
    assert env["KAFKA_BOOTSTRAP_SERVERS"] == "127.0.0.1:19092" and env["SURVEY_PORT"] == "18001"
    ports = {p.name: p.port for p in services.processes(env) if p.port}
    assert ports == {"survey-api": 18001, "aggregator-api": 8002, "notifier-api": 18003}


def test_make_up_catches_mail_in_development_and_never_in_production(monkeypatch):
    from infra import services
    from infra.__main__ import up_environment

    class Stack:
        def env(self):
            return {}

    for name in ("TANGGAP_MAIL_CATCHER_PORT", "NOTIFIER_SMTP_HOST", "NOTIFIER_SMTP_PORT", "TANGGAP_ENV"):
        monkeypatch.delenv(name, raising=False)
    env = up_environment(Stack())
    assert (env["NOTIFIER_SMTP_HOST"], env["NOTIFIER_SMTP_PORT"]) == ("127.0.0.1", "2525")
    assert "mail-catcher" in {p.name for p in services.processes(env)}
    monkeypatch.setenv("NOTIFIER_SMTP_PORT", "587")                 # a real server given: it is kept
    assert up_environment(Stack())["NOTIFIER_SMTP_PORT"] == "587"
    monkeypatch.delenv("NOTIFIER_SMTP_PORT")
    monkeypatch.setenv("NOTIFIER_SMTP_HOST", "smtp.pemda.go.id")    # a host alone: its port stays the default
    env = up_environment(Stack())
    assert "NOTIFIER_SMTP_PORT" not in env and "mail-catcher" not in {p.name for p in services.processes(env)}
    monkeypatch.delenv("NOTIFIER_SMTP_HOST")
    monkeypatch.setenv("TANGGAP_ENV", "production")
    monkeypatch.delenv("NOTIFIER_SMTP_PORT", raising=False)
    env = up_environment(Stack())
    assert "TANGGAP_MAIL_CATCHER_PORT" not in env and "NOTIFIER_SMTP_PORT" not in env
    assert "mail-catcher" not in {p.name for p in services.processes(env)}


def test_the_supervisor_starts_processes_whatever_the_environment_already_holds(monkeypatch, tmp_path):
    """make up passes the whole environment on: a variable the supervisor also sets (here
    PYTHONUNBUFFERED) must not make starting a process fail."""
    import sys

    from infra import supervisor as sup_module
    monkeypatch.setenv("PYTHONUNBUFFERED", "1")
    started = {}

    def spawn(name, argv, env, cwd, **kwargs):
        started[name] = env
        raise RuntimeError("stop here")   # nothing is really started in a unit test

    monkeypatch.setattr(sup_module, "spawn", spawn)
    watched = sup_module.Watched("x", (sys.executable, "-c", "pass"))
    sup = sup_module.Supervisor([watched], {"PYTHONUNBUFFERED": "1", "SURVEY_PORT": "18001"}, clock=lambda: 0.0)
    try:
        sup._start(watched)
    except RuntimeError:
        pass
    assert started["x"]["PYTHONUNBUFFERED"] == "1" and started["x"]["SURVEY_PORT"] == "18001"
