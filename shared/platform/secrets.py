"""The signing key: from the environment, else generated once into an ignored file."""
from __future__ import annotations

import os
import secrets as _secrets
from functools import lru_cache
from pathlib import Path

from shared.platform.config import Settings


@lru_cache(maxsize=8)
def _from_file(path: str) -> str:
    file = Path(path)
    try:
        fd = os.open(file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        pass
    else:
        # First start: exactly one process wins O_EXCL and writes the key.
        with os.fdopen(fd, "w") as fh:
            fh.write(_secrets.token_urlsafe(48))
    for _ in range(50):
        key = file.read_text().strip()
        if key:
            return key
        import time
        time.sleep(0.02)  # another process is between O_EXCL and its write
    raise RuntimeError(f"secret file {file} is empty")


def secret_key(settings: Settings) -> str:
    return settings.secret_key or _from_file(str(Path(settings.secret_file).resolve()))
