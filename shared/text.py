"""What text a database can store: no NUL characters, no unpaired surrogates."""
from __future__ import annotations


def storable(value) -> bool:
    """True when every string in ``value`` (nested dicts and lists too) can be stored."""
    if isinstance(value, str):
        if "\x00" in value:
            return False
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:  # lone surrogates from \udXXX escapes
            return False
        return True
    if isinstance(value, dict):
        return all(storable(k) and storable(v) for k, v in value.items())
    if isinstance(value, list):
        return all(storable(v) for v in value)
    return True
