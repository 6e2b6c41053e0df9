"""FerretDB 1.24 (MongoDB wire protocol) embedded in a small Go program, built once."""
from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path

from infra.proc import CACHE, LOGS, InfraError, ensure_port_free, run, running_pid, spawn, stop, wait_for_port

SRC = Path(__file__).resolve().parent / "ferretdb"
BIN = CACHE / "bin" / "tanggap-ferretdb"
# Must stay below PostgreSQL's max_connections (postgres.py); measured: the default pool
# wedges under ~128 concurrent operations or one bulk write of 50 updates.
POOL_MAX_CONNS = 300


def _fingerprint() -> str:
    digest = hashlib.sha256()
    for name in ("go.mod", "go.sum", "main.go"):
        digest.update((SRC / name).read_bytes())
    return digest.hexdigest()[:16]


def install() -> None:
    marker = BIN.with_suffix(".fingerprint")
    if BIN.exists() and marker.exists() and marker.read_text() == _fingerprint():
        return
    if shutil.which("go") is None:
        raise InfraError("go not found: install Go 1.22+ (https://go.dev/dl or apt-get install golang); "
                         "it is needed to build the local FerretDB")
    print("  ferretdb: building the MongoDB-protocol server with Go (first run only, ~1-2 min) ...", flush=True)
    BIN.parent.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ, CGO_ENABLED="0", GOFLAGS="-mod=mod")
    run(["go", "build", "-trimpath", "-o", str(BIN) + ".tmp", "."], "building FerretDB (go build)", cwd=SRC, env=env)
    os.replace(str(BIN) + ".tmp", BIN)
    marker.write_text(_fingerprint())


class FerretDB:
    name = "ferretdb"

    def __init__(self, port: int, postgres_url: str):
        self.port = port
        self.postgres_url = postgres_url

    @property
    def uri(self) -> str:
        return f"mongodb://127.0.0.1:{self.port}/"

    def is_running(self) -> bool:
        return running_pid(self.name) is not None

    def start(self) -> bool:
        if self.is_running():
            return False
        ensure_port_free("FerretDB (MongoDB protocol)", self.port, "MONGODB_PORT")
        install()
        url = f"{self.postgres_url}?pool_max_conns={POOL_MAX_CONNS}"
        proc = spawn(self.name, [str(BIN), "-listen", f"127.0.0.1:{self.port}", "-handler", "postgresql",
                                 "-postgresql", url], marker=str(BIN))
        wait_for_port("FerretDB", "127.0.0.1", self.port, 60, proc, LOGS / "ferretdb.log")
        return True

    def stop(self) -> bool:
        return stop(self.name)
