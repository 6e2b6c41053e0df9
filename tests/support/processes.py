"""Real service processes (gunicorn, relay, workers) for integration tests."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests

from shared.platform.config import Settings

from tests.support.env import settings_env

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Proc:
    def __init__(self, name: str, argv: list[str], env: dict, log_dir: Path, port: int | None = None):
        self.name, self.argv, self.port = name, argv, port
        self.log = log_dir / f"{name}.log"
        with open(self.log, "ab") as out:  # the child keeps its own copy of the descriptor
            self.popen = subprocess.Popen(argv, env=env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT,
                                          start_new_session=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.popen.poll() is not None:
                raise RuntimeError(f"{self.name} exited ({self.popen.returncode}):\n{self.tail()}")
            if self.port is None:
                return
            try:
                if requests.get(self.url + "/healthz", timeout=1).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"{self.name} not ready after {timeout}s:\n{self.tail()}")

    def tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def kill(self, sig: int = signal.SIGKILL) -> None:
        if self.popen.poll() is None:
            try:
                os.killpg(self.popen.pid, sig)
            except ProcessLookupError:
                pass
        self.popen.wait(timeout=30)

    def stop(self) -> None:
        if self.popen.poll() is None:
            try:
                os.killpg(self.popen.pid, signal.SIGTERM)
                self.popen.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()
            except ProcessLookupError:
                pass


class Services:
    """Starts processes with the environment of ``settings``; stops them all at the end."""

    def __init__(self, settings: Settings, log_dir: Path, extra_env: dict | None = None):
        self.settings = settings
        self.log_dir = log_dir
        log_dir.mkdir(parents=True, exist_ok=True)
        self.env = dict(os.environ, **settings_env(settings), PYTHONUNBUFFERED="1", **(extra_env or {}))
        self.procs: list[Proc] = []

    def web(self, service: str, workers: int = 2, threads: int = 4, port: int | None = None) -> Proc:
        port = port or free_port()
        env = dict(self.env, WEB_CONCURRENCY=str(workers), WEB_THREADS=str(threads))
        proc = Proc(f"{service}-api-{port}", [str(BIN / "gunicorn"), "-c", str(ROOT / "services" / "gunicorn_conf.py"),
                                              "--bind", f"127.0.0.1:{port}", f"services.{service}.app:create_app()"],
                    env, self.log_dir, port)
        self.procs.append(proc)
        proc.wait_ready()
        return proc

    def run(self, name: str, *args: str) -> Proc:
        proc = Proc(f"{name}-{len(self.procs)}", [str(BIN / "python"), "-m", *args], self.env, self.log_dir)
        self.procs.append(proc)
        proc.wait_ready()
        return proc

    def relay(self) -> Proc:
        return self.run("relay", "services.survey", "relay")

    def tracker(self) -> Proc:
        return self.run("tracker", "services.survey", "tracker")

    def aggregator_worker(self) -> Proc:
        return self.run("aggregator-worker", "services.aggregator", "worker")

    def notifier_worker(self) -> Proc:
        return self.run("notifier-worker", "services.notifier", "worker")

    def stop_all(self) -> None:
        for proc in reversed(self.procs):
            proc.stop()
