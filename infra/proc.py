"""Process bookkeeping: pid files, port checks and waiting, one-line errors."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CACHE = Path(os.environ.get("TANGGAP_CACHE_DIR") or ROOT / ".cache").resolve()
RUN = CACHE / "run"
LOGS = CACHE / "log"


class InfraError(Exception):
    """A problem the user can fix; printed as one line, exit status 1."""


def port_open(host: str, port: int, timeout: float = 0.3) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def wait_for_port(name: str, host: str, port: int, timeout: float, proc: subprocess.Popen | None = None,
                  log: Path | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if port_open(host, port):
            return
        if proc is not None and proc.poll() is not None:
            raise InfraError(f"{name} exited with status {proc.returncode} while starting; see {log}")
        time.sleep(0.1)
    raise InfraError(f"{name} did not answer on {host}:{port} within {timeout:.0f}s; see {log}")


def ensure_port_free(name: str, port: int, env_hint: str) -> None:
    if port_open("127.0.0.1", port):
        raise InfraError(f"port {port} needed by {name} is already in use by another program; "
                         f"stop it or choose another port with {env_hint}")


def pidfile(name: str) -> Path:
    return RUN / f"{name}.pid"


def running_pid(name: str) -> int | None:
    """The pid recorded for ``name`` if that process is still alive and is ours."""
    path = pidfile(name)
    try:
        fields = path.read_text().split(maxsplit=1)
        pid = int(fields[0])
    except (OSError, ValueError, IndexError):
        return None
    marker = fields[1].strip() if len(fields) > 1 else ""
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        path.unlink(missing_ok=True)
        return None
    if not _alive(pid) or (marker and cmdline and marker not in cmdline):
        # Gone, or the pid was reused by an unrelated process: never signal it. (A process that
        # is still starting shows an empty command line for a moment: that is not a mismatch.)
        path.unlink(missing_ok=True)
        return None
    return pid


def spawn(name: str, argv: list[str], *, env: dict | None = None, marker: str, cwd: Path | None = None,
          user: str | None = None) -> subprocess.Popen:
    """Start ``argv`` in its own session, output to ``.cache/log/<name>.log``, pid recorded.

    ``marker`` is a string that must appear in the process's command line; ``stop`` checks
    it so that a recycled pid is never signalled.
    """
    RUN.mkdir(parents=True, exist_ok=True)
    LOGS.mkdir(parents=True, exist_ok=True)
    log = LOGS / f"{name}.log"
    if user:
        argv = ["runuser", "-u", user, "--", *argv]
    out = open(log, "ab")
    try:
        proc = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                env=env, cwd=cwd, start_new_session=True)
    except FileNotFoundError as exc:
        raise InfraError(f"cannot start {name}: {exc.filename} not found") from None
    finally:
        out.close()
    pidfile(name).write_text(f"{proc.pid} {marker}\n")
    return proc


def stop(name: str, timeout: float = 20.0) -> bool:
    """SIGTERM the process we recorded as ``name`` (its whole session), then SIGKILL."""
    pid = running_pid(name)
    if pid is None:
        pidfile(name).unlink(missing_ok=True)
        return False
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(pid, sig)
        except ProcessLookupError:
            break
        except PermissionError:
            os.kill(pid, sig)
        deadline = time.monotonic() + (timeout if sig == signal.SIGTERM else 5)
        while time.monotonic() < deadline and _alive(pid):
            time.sleep(0.1)
        if not _alive(pid):
            break
    pidfile(name).unlink(missing_ok=True)
    return True


def _alive(pid: int) -> bool:
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        pass
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.split(") ", 1)[1][:1] != "Z"


def run(argv: list[str], what: str, *, cwd: Path | None = None, env: dict | None = None,
        user: str | None = None, log: Path | None = None) -> None:
    """Run a build/install step to completion; on failure one line naming the step and log."""
    LOGS.mkdir(parents=True, exist_ok=True)
    log = log or LOGS / "install.log"
    if user:
        argv = ["runuser", "-u", user, "--", *argv]
    with open(log, "ab") as out:
        out.write(f"\n$ {' '.join(argv)}\n".encode())
        out.flush()
        try:
            code = subprocess.call(argv, stdout=out, stderr=subprocess.STDOUT, cwd=cwd, env=env)
        except FileNotFoundError as exc:
            raise InfraError(f"{what} failed: {exc.filename} not found") from None
    if code != 0:
        tail = log.read_text(errors="replace").strip().splitlines()[-1:] or [""]
        raise InfraError(f"{what} failed (exit {code}): {tail[0][:200]} (full log: {log})")
