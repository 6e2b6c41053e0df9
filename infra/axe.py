"""axe-core, the accessibility engine the browser tests run on every page, installed from the npm
registry into the ignored cache (once; later runs need no network)."""
from __future__ import annotations

import shutil
from pathlib import Path

from infra.proc import CACHE, InfraError, run

VERSION = "4.14.1"
HOME = CACHE / "axe-core"
SCRIPT = HOME / "node_modules" / "axe-core" / "axe.min.js"


def installed() -> Path | None:
    stamp = HOME / "version"
    return SCRIPT if SCRIPT.is_file() and stamp.is_file() and stamp.read_text().strip() == VERSION else None


def install() -> Path:
    found = installed()
    if found is not None:
        return found
    npm = shutil.which("npm")
    if npm is None:
        raise InfraError("npm is missing (accessibility checks need axe-core from npm): apt-get install npm")
    HOME.mkdir(parents=True, exist_ok=True)
    print(f"  npm: installing axe-core {VERSION} into {HOME} (first run only) ...", flush=True)
    run([npm, "install", "--prefix", str(HOME), "--no-audit", "--no-fund", "--ignore-scripts", "--no-save",
         f"axe-core@{VERSION}"], "installing axe-core")
    if not SCRIPT.is_file():
        raise InfraError(f"npm installed axe-core but {SCRIPT} is missing")
    (HOME / "version").write_text(VERSION + "\n")
    return SCRIPT
