"""The README documents every configuration variable the code reads."""
from pathlib import Path

import pytest

from shared.platform.config import VARIABLES

pytestmark = pytest.mark.unit

README = (Path(__file__).resolve().parents[2] / "README.md").read_text()


def test_every_variable_is_in_the_readme_table():
    missing = [name for name in VARIABLES if f"| `{name}` |" not in README]
    assert missing == []


def test_readme_opens_with_the_two_commands():
    head = README.split("\n## ")[0]
    assert "make up" in head and "make test" in head
