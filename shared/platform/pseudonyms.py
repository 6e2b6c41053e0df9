"""Keyed hashes: stable pseudonyms for values that must never travel in clear (client
addresses, peer raters). Without the secret key they cannot be reversed or recomputed."""
from __future__ import annotations

import hashlib
import hmac

from shared.platform.config import Settings
from shared.platform.secrets import secret_key


def keyed_hash(settings: Settings, purpose: str, value: str, length: int = 32) -> str:
    mac = hmac.new(secret_key(settings).encode(), f"{purpose}\x1f{value}".encode(), hashlib.sha256)
    return mac.hexdigest()[:length]
