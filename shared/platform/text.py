"""What text every store and export can hold, and how deep a JSON value may nest.

Text is refused when it holds a character that XML 1.0 does not allow: NUL (no database
stores it), unpaired surrogates (not UTF-8), the other C0 control characters but tab, line
feed and carriage return, and U+FFFE/U+FFFF (the SKM report's XLSX is XML and refuses
them). Nobody types these; they only arrive in hostile or broken requests.

The walks are iterative, so a deeply nested value cannot exhaust the interpreter's stack.
"""
from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

MAX_DEPTH = 32  # levels of nested objects and arrays a request body may have

# The characters refused, as a regex class body (written with escapes, so it reads the same in
# Python and in the JSON Schema regex dialect of the OpenAPI documents). Unpaired surrogates
# are refused too, but they are no Unicode characters at all: a pattern cannot name them.
DISALLOWED = r"\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF"
_NOT_ALLOWED = re.compile(f"[{DISALLOWED}\\uD800-\\uDFFF]")


def clean_text(text: str) -> bool:
    """True when ``text`` holds only characters every store and export can hold."""
    return _NOT_ALLOWED.search(text) is None


def _walk(value: Any, prefix: str = "") -> Iterator[tuple[str, Any, int]]:
    """``(path, value, depth)`` of every key and value in ``value``, keys given as str paths."""
    stack: list[tuple[str, Any, int]] = [(prefix, value, 0)]
    while stack:
        path, item, depth = stack.pop()
        yield path, item, depth
        if isinstance(item, dict):
            for key, child in item.items():
                child_path = f"{path}.{key}" if path else str(key)
                yield child_path, key, depth + 1
                stack.append((child_path, child, depth + 1))
        elif isinstance(item, (list, tuple)):
            for index, child in enumerate(item):
                stack.append((f"{path}.{index}" if path else str(index), child, depth + 1))


def unstorable_paths(value: Any, prefix: str = "", limit: int = 20) -> list[str]:
    """Paths (``answers.U1``, ``comment``) of keys or strings holding characters that are not
    allowed, at most ``limit`` of them; empty when everything can be stored."""
    out: list[str] = []
    for path, item, _depth in _walk(value, prefix):
        if isinstance(item, str) and not clean_text(item):
            if path not in out:
                out.append(path or "_body")
            if len(out) >= limit:
                break
    return out


def storable(value: Any) -> bool:
    """True when every string in ``value`` (nested dicts and lists too, keys included) can be stored."""
    return not unstorable_paths(value, limit=1)


def depth(value: Any) -> int:
    """Levels of nesting: 0 for a scalar, 1 for a flat object or array, and so on."""
    deepest = 0
    for _path, item, level in _walk(value):
        if isinstance(item, (dict, list, tuple)):
            deepest = max(deepest, level + 1)
    return deepest
