"""What every benchmark step shares: isolated settings, child processes, timing, statistics.

A bench run gets a database and topic prefix of its own (like a test session), so it can
share a Kafka broker and database server with others; :func:`cleanup` drops both at the end.
"""
from __future__ import annotations

import math
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import uuid
from dataclasses import fields, replace
from pathlib import Path

from shared.platform.config import Settings

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
LOGS = RESULTS / "logs"
BIN = Path(sys.executable).parent
GUNICORN_CONF = ROOT / "services" / "gunicorn_conf.py"
_T0 = time.monotonic()


def say(message: str) -> None:
    """Progress, with the time since the run started."""
    print(f"[bench {time.monotonic() - _T0:6.0f}s] {message}", flush=True)


def bench_settings(base: Settings | None = None, **overrides) -> Settings:
    """The shipped settings with a database and topic prefix of this run's own."""
    base = base or Settings.from_env()
    tag = uuid.uuid4().hex[:8]
    values = dict(mongodb_db=f"tanggap_bench_{tag}", kafka_topic_prefix=f"bench-{tag}.",
                  secret_key=base.secret_key or secrets.token_urlsafe(40),
                  rate_limit_client=0, rate_limit_device=0)
    values.update(overrides)
    return replace(base, **values)


def settings_env(settings: Settings, **extra) -> dict[str, str]:
    """The environment that reproduces ``settings`` in a child process (plus ``extra``)."""
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    for f in fields(Settings):
        env[f.metadata["env"]] = str(getattr(settings, f.name))
    env.update({k: str(v) for k, v in extra.items()})
    return env


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Proc:
    """A child process in its own session, output to ``bench/results/logs/<name>.log``."""

    def __init__(self, name: str, argv: list[str], env: dict, port: int | None = None):
        LOGS.mkdir(parents=True, exist_ok=True)
        self.name, self.argv, self.port = name, argv, port
        self.log = LOGS / f"{name}.log"
        with open(self.log, "wb") as out:
            self.popen = subprocess.Popen(argv, env=env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT,
                                          stdin=subprocess.DEVNULL, start_new_session=True)

    @property
    def pid(self) -> int:
        return self.popen.pid

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def wait_port(self, timeout: float = 60) -> Proc:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.popen.poll() is not None:
                raise RuntimeError(f"{self.name} exited ({self.popen.returncode}); see {self.log}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return self
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(f"{self.name} did not listen on {self.port} within {timeout:.0f}s; see {self.log}")

    def alive(self) -> bool:
        return self.popen.poll() is None

    def stop(self, timeout: float = 20) -> None:
        """SIGTERM the process group, SIGKILL after ``timeout``."""
        if self.popen.poll() is not None:
            return
        for sig, wait in ((signal.SIGTERM, timeout), (signal.SIGKILL, 5)):
            try:
                os.killpg(self.popen.pid, sig)
            except ProcessLookupError:
                return
            try:
                self.popen.wait(timeout=wait)
                return
            except subprocess.TimeoutExpired:
                continue


def gunicorn(name: str, app: str, settings: Settings, **extra_env) -> Proc:
    """``app`` under the shipped gunicorn settings (services/gunicorn_conf.py)."""
    port = free_port()
    argv = [str(BIN / "gunicorn"), "-c", str(GUNICORN_CONF), "--bind", f"127.0.0.1:{port}", app]
    return Proc(name, argv, settings_env(settings, **extra_env), port).wait_port()


def python_module(name: str, args: list[str], settings: Settings, **extra_env) -> Proc:
    return Proc(name, [str(BIN / "python"), "-m", *args], settings_env(settings, **extra_env))


def admin_headers(settings: Settings) -> dict[str, str]:
    from shared.platform.auth import issue_token
    return {"Authorization": "Bearer " + issue_token(settings, sub="bench-admin", roles=["admin"], ttl_seconds=7200)}


# -- statistics ------------------------------------------------------------------------------

def percentile(values, q: float) -> float | None:
    """The ``q``-th percentile (0-100) by linear interpolation between closest ranks."""
    data = sorted(values)
    if not data:
        return None
    if len(data) == 1:
        return float(data[0])
    rank = (len(data) - 1) * q / 100
    lo, hi = math.floor(rank), math.ceil(rank)
    return float(data[lo] + (data[hi] - data[lo]) * (rank - lo))


def summary(values, qs=(50, 95, 99)) -> dict:
    values = list(values)
    out = {f"p{q:g}": percentile(values, q) for q in qs}
    out["n"] = len(values)
    out["max"] = max(values) if values else None
    return out


def ratio(measured: float | None, baseline: float | None) -> float | None:
    """``measured / baseline``, or None when either is missing or the baseline is zero."""
    if measured is None or not baseline:
        return None
    return measured / baseline


class Deadline:
    """A time box: ``left()`` seconds remain, ``over()`` once it has passed."""

    def __init__(self, seconds: float):
        self.end = time.monotonic() + seconds

    def left(self) -> float:
        return max(0.0, self.end - time.monotonic())

    def over(self) -> bool:
        return time.monotonic() >= self.end


# -- cleanup ---------------------------------------------------------------------------------

def cleanup(settings: Settings) -> None:
    """Drop the run's databases (its name and every name it begins) and delete every topic
    and consumer group carrying its tag."""
    import pymongo
    from kafka.admin import KafkaAdminClient

    tag = settings.kafka_topic_prefix.rstrip(".")
    try:
        with pymongo.MongoClient(settings.mongodb_uri, serverSelectionTimeoutMS=5000) as client:
            ours = [n for n in client.list_database_names() if n.startswith(settings.mongodb_db)]
            for name in ours:
                client.drop_database(name)
        say(f"dropped {len(ours)} databases {settings.mongodb_db}*")
    except Exception as exc:  # reported, never hides the results
        say(f"could not drop database {settings.mongodb_db}: {exc}")
    try:
        admin = KafkaAdminClient(bootstrap_servers=settings.kafka_bootstrap_servers.split(","),
                                 client_id="bench-cleanup", request_timeout_ms=30000)
        try:
            ours = [t for t in admin.list_topics() if tag in t]
            if ours:
                admin.delete_topics(ours, timeout_ms=30000)
            groups = [g["group_id"] for g in admin.list_groups() if tag in g["group_id"]]
            if groups:
                admin.delete_groups(groups)
            say(f"deleted {len(ours)} topics and {len(groups)} consumer groups with {tag!r}")
        finally:
            admin.close()
    except Exception as exc:
        say(f"could not delete the topics of {tag}: {exc}")
