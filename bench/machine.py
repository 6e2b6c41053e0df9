"""The machine a run was measured on, and the versions of what it measured."""
from __future__ import annotations

import os
import platform
import re
from datetime import UTC, datetime

from bench.common import ROOT


def _first(path: str, pattern: str) -> str | None:
    try:
        found = re.search(pattern, open(path).read(), re.M)
    except OSError:
        return None
    return found.group(1).strip() if found else None


def kafka_broker_version(bootstrap: str) -> str | None:
    """The broker's version is not on the wire; the one infra/ provisions is in its pom."""
    return _first(str(ROOT / "infra" / "kafka" / "pom.xml"), r"<kafka.version>([^<]+)</kafka.version>")


def database(uri: str) -> str:
    import pymongo
    try:
        with pymongo.MongoClient(uri, serverSelectionTimeoutMS=3000) as client:
            info = client.admin.command("buildInfo")
    except Exception as exc:
        return f"unknown ({type(exc).__name__})"
    if "ferretdbVersion" in info:
        built = _first(str(ROOT / "infra" / "ferretdb" / "go.mod"), r"FerretDB/FerretDB (v[\d.]+)")
        return f"FerretDB {built or info['ferretdbVersion']} (MongoDB wire {info.get('version')}) on PostgreSQL"
    return f"MongoDB {info.get('version')}"


def describe(settings) -> dict:
    mem_kb = _first("/proc/meminfo", r"^MemTotal:\s+(\d+)")
    import kafka
    return {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "cpu": _first("/proc/cpuinfo", r"^model name\s*:\s*(.+)$") or platform.processor() or "unknown",
        "cores": os.cpu_count(),
        "ram_gb": round(int(mem_kb) / 2**20, 1) if mem_kb else None,
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "kafka": kafka_broker_version(settings.kafka_bootstrap_servers),
        "kafka_python": kafka.__version__,
        "database": database(settings.mongodb_uri),
        "load_average_start": os.getloadavg(),
    }
