"""docs/storage.md names every collection the code uses, so a reader can tell who writes it."""
from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path

import pytest
from mongoengine.base import _document_registry

import shared

import services

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[2]


def all_collections() -> set[str]:
    for package in (shared, services):
        for module in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
            if module.name.endswith(("__main__", "gunicorn_conf")):
                continue
            importlib.import_module(module.name)
    names = set()
    for cls in _document_registry.values():
        meta = getattr(cls, "_meta", {})
        if meta.get("abstract") or not meta.get("collection"):
            continue
        names.add(meta["collection"])
    return names


def test_storage_page_names_every_collection():
    page = (ROOT / "docs" / "storage.md").read_text()
    missing = sorted(name for name in all_collections() if f"`{name}`" not in page)
    assert missing == [], f"docs/storage.md does not describe: {missing}"
