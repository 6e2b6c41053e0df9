"""Keeping `make up`'s processes running: one that exits is started again, with a backoff.

What compose's ``restart: unless-stopped`` does in production, for the local stack. A process
that exits is started again after a wait that doubles with each quick exit (1, 2, 4 ... 30 s);
one that stayed up for ``STABLE_S`` starts over at the shortest wait. Every restart is printed
with the process's restart count. ``stop`` ends them all (Ctrl-C, ``make down``).

Time is read from an injected ``clock`` (a monotonic seconds function), so the backoff is
tested without waiting.
"""
from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field

from infra.proc import LOGS, ROOT, InfraError, running_pid, spawn, stop, wait_for_port

FIRST_WAIT_S = 1.0
MAX_WAIT_S = 30.0
STABLE_S = 60.0


@dataclass
class Watched:
    name: str
    argv: tuple[str, ...]
    port: int | None = None
    restarts: int = 0
    started_at: float = 0.0
    wait_s: float = FIRST_WAIT_S
    down_since: float | None = None     # when it was seen exited (a restart is due wait_s later)
    marker: str = ""

    def __post_init__(self) -> None:
        self.marker = self.marker or self.argv[-1]


@dataclass
class Supervisor:
    """Starts ``procs`` and, on every :meth:`check`, starts again those that exited."""

    procs: list[Watched]
    env: dict[str, str]
    clock: Callable[[], float]
    say: Callable[[str], None] = print
    ready_timeout_s: float = 60.0
    log: list[str] = field(default_factory=list)

    def start_all(self) -> None:
        try:
            for proc in self.procs:
                self._start(proc)
        except InfraError:
            self.stop_all()
            raise

    def _start(self, proc: Watched) -> None:
        popen = spawn(proc.name, list(proc.argv), env={**os.environ, **self.env, "PYTHONUNBUFFERED": "1"}, cwd=ROOT,
                      marker=proc.marker)
        if proc.port:
            wait_for_port(proc.name, "127.0.0.1", proc.port, self.ready_timeout_s, popen, LOGS / f"{proc.name}.log")
        proc.started_at = self.clock()
        proc.down_since = None

    def check(self) -> list[str]:
        """Start again what exited and whose wait is over; returns the names started."""
        now = self.clock()
        restarted = []
        for proc in self.procs:
            if running_pid(proc.name) is not None:
                if proc.wait_s > FIRST_WAIT_S and now - proc.started_at >= STABLE_S:
                    proc.wait_s = FIRST_WAIT_S   # it stayed up: a later exit is news, not a loop
                continue
            if proc.down_since is None:
                proc.down_since = now
                self._say(f"{proc.name} exited; starting it again in {proc.wait_s:g} s (see {LOGS / proc.name}.log)")
            if now - proc.down_since < proc.wait_s:
                continue
            quick = now - proc.started_at < STABLE_S
            try:
                self._start(proc)
            except InfraError as exc:
                self._say(f"{proc.name} could not be started again: {exc}")
                proc.down_since = self.clock()
                proc.wait_s = min(MAX_WAIT_S, proc.wait_s * 2)
                continue
            proc.restarts += 1
            restarted.append(proc.name)
            self._say(f"{proc.name} started again (restart {proc.restarts})")
            proc.wait_s = min(MAX_WAIT_S, proc.wait_s * 2) if quick else FIRST_WAIT_S
        return restarted

    def stop_all(self) -> None:
        for proc in reversed(self.procs):
            if stop(proc.name):
                self._say(f"  {proc.name}: stopped")

    def _say(self, text: str) -> None:
        self.log.append(text)
        self.say(text)
