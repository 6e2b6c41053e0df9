"""The three Tanggap services and their workers, as `make up` runs them locally."""
from __future__ import annotations

import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from infra.proc import ROOT, stop
from infra.supervisor import Supervisor, Watched

VENV_BIN = Path(sys.executable).parent


@dataclass(frozen=True)
class Process:
    name: str
    argv: tuple[str, ...]
    port: int | None = None  # HTTP port, for the processes that serve one
    pages: tuple[tuple[str, str], ...] = ()  # (what, path) of the web pages it serves

    def page_urls(self) -> list[tuple[str, str]]:
        return [(what, f"{self.url}{path}") for what, path in self.pages] if self.url else []

    @property
    def url(self) -> str | None:
        return f"http://127.0.0.1:{self.port}" if self.port else None


def processes(env: dict[str, str]) -> list[Process]:
    gunicorn = str(VENV_BIN / "gunicorn")
    python = str(VENV_BIN / "python")
    conf = str(ROOT / "services" / "gunicorn_conf.py")

    def web(service: str, port_var: str, default: int, pages: tuple = ()) -> Process:
        port = int(env.get(port_var, default))
        return Process(f"{service}-api", (gunicorn, "-c", conf, "--bind", f"127.0.0.1:{port}",
                                           f"services.{service}.app:create_app()"), port, pages)

    return [
        web("survey", "SURVEY_PORT", 8001, (("front door (log in here)", "/beranda"), ("admin console", "/admin"),
                                             ("citizens' complaints form", "/pengaduan"))),
        Process("survey-relay", (python, "-m", "services.survey", "relay")),
        Process("survey-tracker", (python, "-m", "services.survey", "tracker")),
        web("aggregator", "AGGREGATOR_PORT", 8002, (("evaluation dashboard", "/dashboard"),
                                                     ("public results", "/results"))),
        Process("aggregator-worker", (python, "-m", "services.aggregator", "worker")),
        web("notifier", "NOTIFIER_PORT", 8003, (("supervisor inbox", "/inbox"), ("complaint tickets", "/pengaduan"))
            + ((("caught mail (development)", "/dev/surel"),) if env.get("TANGGAP_MAIL_CATCHER_PORT") else ())),
        Process("notifier-worker", (python, "-m", "services.notifier", "worker")),
    ] + ([Process("mail-catcher", (python, "-m", "infra.mailcatcher"))] if env.get("TANGGAP_MAIL_CATCHER_PORT")
         else [])


def supervisor(env: dict[str, str], clock=time.monotonic) -> Supervisor:
    """The processes of :func:`processes`, kept running (see :mod:`infra.supervisor`)."""
    return Supervisor([Watched(p.name, p.argv, p.port) for p in processes(env)], env, clock)


def stop_all(started: list[Process] | None = None, env: dict[str, str] | None = None) -> None:
    for proc in reversed(started if started is not None else processes(env or dict(os.environ))):
        if stop(proc.name):
            print(f"  {proc.name}: stopped", flush=True)
