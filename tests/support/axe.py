"""axe-core in the browser tests: the engine `make test` installs from npm into the ignored
cache (infra/axe.py), evaluated in the page through the DevTools protocol (so the page's own
Content-Security-Policy, which forbids injected scripts, stays as it is)."""
from __future__ import annotations

from functools import cache

import pytest

from infra import axe

BLOCKING = ("serious", "critical")
RUN = """async () => {
  const result = await axe.run(document, {resultTypes: ["violations"]});
  return result.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.slice(0, 3).map(n => n.target.join(" "))}));
}"""


@cache
def _source() -> str:
    script = axe.installed()
    if script is None:
        pytest.fail("axe-core is not installed: run `make test` (or `python -m infra install --browser`)")
    return script.read_text(encoding="utf-8")


def violations(page, impacts: tuple[str, ...] = BLOCKING) -> list[dict]:
    """The page's accessibility violations of these impacts (serious and critical by default)."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(_source())
    found: list[dict] = page.evaluate(RUN)
    return [v for v in found if v["impact"] in impacts]
