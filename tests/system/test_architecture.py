"""The layout described in docs/architecture.md holds in the code: what each room may import,
one module that makes Kafka consumers, unique document names, a small aggregator top level,
and a page that names every room."""
from __future__ import annotations

import ast
import importlib
import pkgutil
import re
from pathlib import Path

import pytest
from mongoengine.base import _document_registry

import shared

import services

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[2]
PAGE = (ROOT / "docs" / "architecture.md").read_text()

# room (longest module prefix wins) -> the rooms it may import besides itself and the standard
# library; "shared" means every room of shared/. Third-party libraries are not listed.
SHARED = ("shared.domain", "shared.contracts", "shared.platform", "shared.records", "shared.messaging")
RULES: dict[str, tuple[str, ...]] = {
    "shared.domain": (),
    "shared.contracts": ("shared.domain",),
    "shared.platform": ("shared.domain", "shared.contracts", "shared.records.users", "shared.records.login_attempts",
                        "shared.records.web_sessions", "shared.records.token_revocations"),
    "shared.records": ("shared.platform", "shared.contracts", "shared.domain"),
    "shared.messaging": ("shared.platform", "shared.contracts", "shared.domain"),
    # the aggregator: write side (state <- coaching <- pipeline), read side (state <- queries <- presentation)
    "services.aggregator.state": SHARED,
    "services.aggregator.coaching": (*SHARED, "services.aggregator.state", "services.aggregator.indicator_policy"),
    "services.aggregator.indicator_policy": SHARED,
    "services.aggregator.pipeline": (*SHARED, "services.aggregator.state", "services.aggregator.coaching",
                                     "services.aggregator.indicator_policy"),
    "services.aggregator.queries": (*SHARED, "services.aggregator.state", "services.aggregator.indicator_policy"),
    "services.aggregator.presentation": (*SHARED, "services.aggregator.state", "services.aggregator.queries",
                                         "services.aggregator.coaching.cases", "services.aggregator.indicator_policy",
                                         "services.aggregator.action_plans"),
    "services.aggregator.action_plans": SHARED,
    "services.aggregator.appraisal_import": SHARED,
    "services.aggregator.views": (*SHARED, "services.aggregator.state", "services.aggregator.coaching",
                                  "services.aggregator.queries", "services.aggregator.presentation",
                                  "services.aggregator.indicator_policy", "services.aggregator.appraisal_import",
                                  "services.aggregator.action_plans"),
    "services.aggregator": (*SHARED, "services.aggregator"),
    # the survey service
    "services.survey.surveys": SHARED,
    "services.survey.submissions": (*SHARED, "services.survey.surveys"),
    "services.survey.directory": SHARED,
    "services.survey.outbox": SHARED,
    "services.survey.schemas": (*SHARED, "services.survey.surveys"),
    "services.survey": (*SHARED, "services.survey"),
    # the notifier is flat: one job per module
    "services.notifier": (*SHARED, "services.notifier"),
    "services": (*SHARED, "services"),
    "shared": (),
}
ENTRY_POINTS = {"services.aggregator.app", "services.survey.app", "services.notifier.app", "services.cli",
                "services.demo"}


def modules() -> dict[str, Path]:
    out = {}
    for base in ("shared", "services"):
        for path in (ROOT / base).rglob("*.py"):
            name = ".".join(path.relative_to(ROOT).with_suffix("").parts)
            out[name.removesuffix(".__init__")] = path
    return out


def imports(path: Path, known: dict[str, Path]) -> set[str]:
    """The project modules ``path`` imports (``from pkg import module`` names the module;
    ``from module import name`` the module), function-level imports included."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                sub = f"{node.module}.{alias.name}"
                found.add(sub if sub in known else node.module)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
    return {name for name in found if name.split(".")[0] in ("shared", "services", "tests", "bench", "infra")}


def room_of(module: str) -> str:
    return max((r for r in RULES if module == r or module.startswith(r + ".")), key=len)


def within(name: str, prefixes) -> bool:
    return any(name == p or name.startswith(p + ".") for p in prefixes)


def test_every_room_imports_only_what_the_architecture_page_allows():
    known = modules()
    broken = []
    for module, path in sorted(known.items()):
        room = room_of(module)
        allowed = (room, *RULES[room])
        for name in imports(path, known):
            if not within(name, allowed):
                broken.append(f"{module} imports {name}")
    assert broken == []


def test_views_are_on_top_and_services_never_import_each_other():
    known = modules()
    broken = []
    for module, path in known.items():
        service = module.split(".")[1] if module.startswith("services.") and module.count(".") >= 1 else None
        for name in imports(path, known):
            parts = name.split(".")
            if parts[0] == "services" and len(parts) > 1 and service and parts[1] != service \
                    and parts[1] in ("survey", "aggregator", "notifier") and module not in ENTRY_POINTS:
                broken.append(f"{module} imports another service: {name}")
            if len(parts) > 2 and parts[2] == "views" and ".views" not in module and module not in ENTRY_POINTS:
                broken.append(f"{module} imports views: {name}")
    assert broken == []


def test_kafka_consumers_are_made_in_one_module():
    call = "KafkaConsumer" + "("
    makers = sorted(str(p.relative_to(ROOT)) for base in ("shared", "services", "tests", "bench", "infra")
                    for p in (ROOT / base).rglob("*.py") if call in p.read_text())
    assert makers == ["shared/messaging/clients.py"]


def test_no_two_document_classes_share_a_name():
    for package in (shared, services):
        for info in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
            if not info.name.endswith(("__main__", "gunicorn_conf")):
                importlib.import_module(info.name)
    seen: dict[str, list[str]] = {}
    import mongoengine
    stack = list(mongoengine.Document.__subclasses__())
    while stack:
        cls = stack.pop()
        stack.extend(cls.__subclasses__())
        if cls.__module__.startswith(("shared", "services")):
            seen.setdefault(cls.__name__, []).append(cls.__module__)
    assert {name: where for name, where in seen.items() if len(where) > 1} == {}
    assert set(_document_registry) >= set(seen)


def test_the_aggregator_top_level_holds_at_most_ten_modules():
    top = sorted(p.name for p in (ROOT / "services" / "aggregator").glob("*.py"))
    assert len(top) <= 10, top


def test_the_architecture_page_names_every_room():
    rooms = [f"{base}/{p.name}/" for base in ("shared",) for p in (ROOT / base).iterdir()
             if p.is_dir() and (p / "__init__.py").exists()]
    rooms += [f"services/{svc}/{p.name}/" for svc in ("survey", "aggregator", "notifier")
              for p in (ROOT / "services" / svc).iterdir() if p.is_dir() and (p / "__init__.py").exists()]
    missing = [room for room in rooms if f"`{room}`" not in PAGE]
    assert missing == []
    assert re.search(r"(?m)^## ", PAGE)
