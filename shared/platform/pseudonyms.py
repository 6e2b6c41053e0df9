"""Keyed hashes: stable pseudonyms for values that must never travel in clear (client
addresses, peer raters). Without the secret key they cannot be reversed or recomputed."""
from __future__ import annotations

import hashlib
import hmac
import ipaddress

from shared.platform.config import Settings
from shared.platform.secrets import secret_key


def keyed_hash(settings: Settings, purpose: str, value: str, length: int = 32) -> str:
    mac = hmac.new(secret_key(settings).encode(), f"{purpose}\x1f{value}".encode(), hashlib.sha256)
    return mac.hexdigest()[:length]


def client_of(address: str | None) -> str:
    """The client an address stands for: an IPv4 address (also when written as IPv4-mapped
    IPv6), or an IPv6 address's /64 (one household or device picks freely among the
    addresses of its /64). Rate limits, login throttling and the coaching rules' count of
    distinct clients all count clients so."""
    try:
        ip = ipaddress.ip_address((address or "").strip())
    except ValueError:
        return address or ""
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)
