"""PostgreSQL from Debian's packages, as FerretDB's backend, on a private loopback port."""
from __future__ import annotations

import glob
import hashlib
import os
import shutil
import subprocess
from pathlib import Path

from infra.proc import CACHE, LOGS, RUN, InfraError, ensure_port_free, pidfile, run, running_pid, stop
from infra.system import apt_install, is_root

# FerretDB opens up to pool_max_conns connections (see ferretdb.py); PostgreSQL must allow
# more than that or a burst of clients wedges FerretDB (../docs/storage.md).
MAX_CONNECTIONS = 400
USER = "postgres"


def bindir() -> Path:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
    if not found:
        apt_install(["postgresql"], "PostgreSQL (FerretDB's storage)")
        found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
        if not found:
            raise InfraError("PostgreSQL was installed but pg_ctl is missing under /usr/lib/postgresql")
    return Path(found[-1]).parent


def _runs_as() -> str | None:
    """PostgreSQL refuses to run as root: as root we run it as the 'postgres' user."""
    return USER if is_root() else None


def _home() -> Path:
    """Where the cluster lives: the cache folder, unless the postgres user cannot reach it
    (a clone inside a private temporary directory), then a folder of its own in /var/tmp."""
    preferred = CACHE / "postgres"
    user = _runs_as()
    if user is None:
        return preferred
    probe = subprocess.run(["runuser", "-u", user, "--", "test", "-x", str(CACHE)],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    if probe.returncode == 0:
        return preferred
    tag = hashlib.sha256(str(CACHE).encode()).hexdigest()[:10]
    return Path(f"/var/tmp/tanggap-postgres-{tag}")


class Postgres:
    name = "postgres"

    def __init__(self, port: int):
        self.port = port
        self.home = _home()
        self.data = self.home / "data"

    @property
    def url(self) -> str:
        return f"postgres://{USER}@127.0.0.1:{self.port}/ferretdb"

    def is_running(self) -> bool:
        return running_pid(self.name) is not None

    def _prepare(self, bins: Path) -> None:
        user = _runs_as()
        if (self.data / "PG_VERSION").exists():
            return
        print("  postgres: creating the database cluster (first run only) ...", flush=True)
        self.home.mkdir(parents=True, exist_ok=True)
        if user:
            shutil.chown(self.home, user)
            os.chmod(self.home, 0o700)
        run([str(bins / "initdb"), "-D", str(self.data), "-U", USER, "-A", "trust", "-E", "UTF8",
             "--no-locale"], "initialising PostgreSQL", user=user)
        conf = "\n".join([
            "", "# tanggap local development settings",
            f"port = {self.port}",
            "listen_addresses = '127.0.0.1'",
            f"unix_socket_directories = '{self.data}'",
            f"max_connections = {MAX_CONNECTIONS}",
            "shared_buffers = 256MB",
            # Local development only: a crash of the machine may lose the last moments of
            # commits, never corrupt the cluster. Production runs MongoDB, not this.
            "synchronous_commit = off",
            "",
        ])
        with open(self.data / "postgresql.conf", "a") as fh:
            fh.write(conf)

    def start(self) -> bool:
        if self.is_running():
            return False
        ensure_port_free("PostgreSQL", self.port, "TANGGAP_PG_PORT")
        bins = bindir()
        self._prepare(bins)
        user = _runs_as()
        # Keep the configured port in step with TANGGAP_PG_PORT on every start.
        run([str(bins / "pg_ctl"), "-D", str(self.data), "-l", str(self.data / "server.log"), "-w", "-t", "60",
             "-o", f"-p {self.port}", "start"], "starting PostgreSQL", user=user)
        pid = (self.data / "postmaster.pid").read_text().split()[0]
        RUN.mkdir(parents=True, exist_ok=True)
        pidfile(self.name).write_text(f"{pid} postgres\n")
        exists = subprocess.run([str(bins / "psql"), "-h", "127.0.0.1", "-p", str(self.port), "-U", USER, "-tAc",
                                 "SELECT 1 FROM pg_database WHERE datname='ferretdb'"],
                                capture_output=True, text=True)
        if exists.returncode != 0:
            raise InfraError(f"PostgreSQL started but does not answer: {exists.stderr.strip()[:200]}")
        if exists.stdout.strip() != "1":
            run([str(bins / "createdb"), "-h", "127.0.0.1", "-p", str(self.port), "-U", USER, "ferretdb"],
                "creating the ferretdb database")
        return True

    def stop(self) -> bool:
        if not self.is_running():
            return False
        bins = bindir()
        try:
            run([str(bins / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop"], "stopping PostgreSQL",
                user=_runs_as(), log=LOGS / "postgres-ctl.log")
        except InfraError:
            return stop(self.name)
        pidfile(self.name).unlink(missing_ok=True)
        return True
