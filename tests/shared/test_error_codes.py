"""Every error code the code raises is in the documented list (the OpenAPI enum)."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

from shared.platform.errors import CODES, ApiError

pytestmark = pytest.mark.unit
ROOT = Path(__file__).resolve().parents[2]


def raised_codes() -> set[str]:
    found = set()
    for path in [*(ROOT / "services").rglob("*.py"), *(ROOT / "shared").rglob("*.py")]:
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call):
                for keyword in node.keywords:
                    if keyword.arg == "code" and isinstance(keyword.value, ast.Constant) \
                            and isinstance(keyword.value.value, str):
                        found.add(keyword.value.value)
            if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "code_name"
                                                    for t in node.targets):
                found.add(node.value.value)
    return found


def test_every_code_raised_is_documented():
    codes = raised_codes()
    assert codes >= {"invalid_characters", "idempotency_conflict", "not_utf8"}   # the scan sees them
    assert codes - set(CODES) == set()


def test_an_undocumented_code_cannot_be_raised():
    with pytest.raises(ValueError):
        ApiError(422, code="made_up")
