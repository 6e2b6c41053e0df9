"""Operating-system packages the local stack needs (Debian's, via apt-get)."""
from __future__ import annotations

import os
import shutil

from infra.proc import InfraError, run

_updated = False


def is_root() -> bool:
    return os.geteuid() == 0


def apt_install(packages: list[str], why: str) -> None:
    """Install Debian packages, or fail with one line saying what to install by hand."""
    global _updated
    if not is_root() or shutil.which("apt-get") is None:
        raise InfraError(f"{why} is missing: install the Debian package(s) {' '.join(packages)} "
                         "(apt-get install) and run again")
    print(f"  apt: installing {' '.join(packages)} for {why} (first run only) ...", flush=True)
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    if not _updated:
        run(["apt-get", "update", "-q"], "apt-get update", env=env)
        _updated = True
    run(["apt-get", "install", "-y", "-q", "--no-install-recommends", *packages],
        f"installing {' '.join(packages)}", env=env)


def ensure_command(command: str, package: str, why: str) -> str:
    path = shutil.which(command)
    if path is None:
        apt_install([package], why)
        path = shutil.which(command)
        if path is None:
            raise InfraError(f"{package} was installed but {command} is not on PATH")
    return path
