"""The pages run under a Content-Security-Policy without 'unsafe-inline' (shared.platform.headers),
so no template may hold what that policy blocks: an inline ``<script>`` (a ``src=`` file or a
``type="application/json"`` data block only), a ``<style>`` element, a ``style=`` or ``on…=``
attribute; no form may post to another origin; and the scripts use nothing the policy refuses
(``eval``, markup strings with styles). Mail templates are not pages and are left out."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = sorted(p for folder in [*ROOT.glob("services/*/templates"), ROOT / "shared/platform/ui/templates"]
                   for p in folder.rglob("*.html") if "mail" not in p.relative_to(folder).parts)
SCRIPTS = sorted([*ROOT.glob("services/*/static/*.js"), *ROOT.glob("shared/platform/ui/static/*.js"),
                  *ROOT.glob("services/*/templates/**/*.js")])
TAG = re.compile(r"<([a-zA-Z][\w-]*)((?:[^<>{]|\{\{.*?\}\}|\{%.*?%\}|\{)*)>", re.S)
ATTRIBUTE = re.compile(r"""(?:^|\s)([a-zA-Z_:][-\w:.]*)(?:\s*=\s*("[^"]*"|'[^']*'|[^\s"'>]+))?""")
REFUSED_IN_SCRIPTS = re.compile(r"\beval\s*\(|\bnew\s+Function\s*\(|setAttribute\(\s*[\"']style|"
                                r"\.innerHTML\s*=|\.outerHTML\s*=|insertAdjacentHTML|document\.write")


def inline_problems(html: str) -> list[str]:
    """What the page policy would block in ``html`` (a template; Jinja is read as text)."""
    problems = []
    for tag in TAG.finditer(re.sub(r"\{#.*?#\}", "", html, flags=re.S)):
        text = re.sub(r"\{\{.*?\}\}", "x", re.sub(r"\{%.*?%\}", " ", tag.group(2), flags=re.S), flags=re.S)
        name, attrs = tag.group(1).lower(), {n.lower(): v for n, v in ATTRIBUTE.findall(text)}
        if name == "style":
            problems.append("<style> element")
        if name == "script" and "src" not in attrs and attrs.get("type", "").strip("\"'") != "application/json":
            problems.append("inline <script>")
        problems += [f"{attr}= attribute on <{name}>" for attr in attrs if attr == "style" or attr.startswith("on")]
        action = attrs.get("action", "").strip("\"'")
        if name == "form" and re.match(r"(?i)\s*(https?:)?//", action):
            problems.append(f"form posting elsewhere: {action}")
    return problems


def test_the_check_finds_what_the_policy_blocks():
    bad = ('<script>alert(1)</script><script type="module">x()</script><style>p{}</style>'
           '<p style="color:red">x</p><button onclick="go()" type="button">x</button>'
           '<body onload=\'x()\'><form action="http://127.0.0.1:8002/login" method="post">')
    assert inline_problems(bad) == ["inline <script>", "inline <script>", "<style> element",
                                    "style= attribute on <p>", "onclick= attribute on <button>",
                                    "onload= attribute on <body>", "form posting elsewhere: http://127.0.0.1:8002/login"]
    fine = ('<script src="{{ url_for(\'pages.static\', filename=\'kiosk.js\') }}"></script>'
            '<script type="application/json" id="cfg">{{ config | tojson }}</script>'
            '<option value="{{ p }}"{% if p == period %} selected{% endif %}>x</option>'
            '<p data-onboarding="x" class="online">{{ a if b > c else d }}</p>'
            '<form method="post" action="{{ url_for(\'webauth.login\') }}">')
    assert inline_problems(fine) == []


def test_the_templates_are_found():
    names = {p.name for p in TEMPLATES}
    assert {"base.html", "login.html", "docs.html", "form.html", "kiosk.html", "dashboard.html", "results.html",
            "inbox.html", "case.html"} <= names
    assert {"kiosk.js", "kiosk_setup.js", "docs.js", "sw.js"} <= {p.name for p in SCRIPTS}


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_template_holds_inline_script_style_or_handlers(template):
    assert inline_problems(template.read_text()) == []


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_script_uses_what_the_policy_refuses(script):
    assert REFUSED_IN_SCRIPTS.findall(script.read_text()) == []
