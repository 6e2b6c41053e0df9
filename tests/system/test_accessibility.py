"""Every page of the three services passes axe-core with no serious or critical violation.

The demo data of `make up` is loaded, the three services run under gunicorn, and a browser
follows every link it can reach: as a visitor, then logged in as the demo admin (every admin
page, the dashboard, the inbox) and as a supervisor, in Bahasa Indonesia and in English, on a
desktop and a phone; forms with errors are checked too. Pages of one route are checked at
most once per role (one employee's page stands for all), downloads are not pages."""
from __future__ import annotations

import re
from dataclasses import replace
from urllib.parse import urldefrag, urlparse

import pytest

from tests.support import axe
from tests.support.browser import browser
from tests.support.processes import free_port

pytestmark = pytest.mark.browser

SKIP = re.compile(r"(\.(pdf|csv|xlsx|svg|png|json|js|css|webmanifest)$)|^/(api|docs|openapi|logout|readyz|healthz)")
PER_ROUTE = 1
MAX_PAGES = 120


@pytest.fixture
def stack(fresh_settings, processes):
    from services import demo
    ports = {name: free_port() for name in ("survey", "aggregator", "notifier")}
    settings = replace(fresh_settings, public_survey_url=f"http://127.0.0.1:{ports['survey']}",
                       aggregator_public_url=f"http://127.0.0.1:{ports['aggregator']}",
                       notifier_public_url=f"http://127.0.0.1:{ports['notifier']}")
    demo.load(settings, echo=lambda *_: None)
    _a_case(replace(settings, smtp_port=free_port(), webhook_url=""))
    services = processes(settings)
    return {name: services.web(name, workers=1, threads=4, port=port).url for name, port in ports.items()}


def _a_case(settings) -> None:
    """A coaching case about a demo employee in her supervisor's inbox, through the notifier's
    own worker (its mail has nowhere to go: that is retried later, not part of this test)."""
    from services.notifier.deliveries import Sender
    from services.notifier.worker import NotifierWorker
    from tests.notifier.conftest import batch_of, case_event
    sender = Sender(settings)
    try:
        worker = NotifierWorker(settings, sender=sender)
        worker.handle(batch_of(case_event("199107202015031003", unit="DISDUKCAPIL")))
        # the demo's complaints as tickets, so the handlers' pages are crawled too
        from shared.contracts.events import from_json
        from shared.records.complaints import Complaint
        worker.handle(batch_of(*[from_json(c.outbox.event) for c in Complaint.objects], topic="complaints"))
    finally:
        sender.close()


def _route(path: str) -> str:
    """The route a path belongs to: its last part stands for any value when it is a code or a
    NIP (upper case or digits: /results/RSUD, /s/KBVN4NZB, /pegawai/1991...) or when there are
    3+ parts (one unit's page stands for every unit's)."""
    parts = [p for p in path.split("/") if p]
    if parts and (len(parts) >= 3 or (len(parts) == 2 and any(c.isupper() or c.isdigit() for c in parts[-1]))):
        return "/" + "/".join(parts[:-1] + ["*"])
    return path


class Crawl:
    def __init__(self, origins: set[str]):
        self.origins = origins
        self.per_route: dict[tuple[str, str], int] = {}
        self.seen: set[str] = set()
        self.visited: set[tuple[str, str]] = set()
        self.problems: list[str] = []
        self.checked = 0

    def wanted(self, url: str) -> bool:
        parsed = urlparse(url)
        origin = f"{parsed.scheme}://{parsed.netloc}"
        return origin in self.origins and not SKIP.search(parsed.path) and "lang=" not in parsed.query

    def check(self, page, label: str) -> None:
        self.checked += 1
        for v in axe.violations(page):
            self.problems.append(f"{label} {page.url}: {v['impact']} {v['id']} ({v['help']}) at {v['nodes']}")

    def walk(self, page, start: str, label: str) -> None:
        queue = [start]
        while queue and len(self.visited) < MAX_PAGES:
            url = urldefrag(queue.pop(0))[0]
            parsed = urlparse(url)
            key = (f"{label}|{parsed.netloc}", _route(parsed.path))
            if (label, url) in self.visited or self.per_route.get(key, 0) >= PER_ROUTE:
                continue
            self.visited.add((label, url))
            self.seen.add(url)
            self.per_route[key] = self.per_route.get(key, 0) + 1
            response = page.goto(url)
            if response is None or "text/html" not in (response.headers.get("content-type") or ""):
                continue
            self.check(page, label)
            links = page.eval_on_selector_all("a[href]:not([download])", "els => els.map(e => e.href)")
            queue += [link for link in links if self.wanted(link)]


def _log_in(page, url: str, username: str, password: str) -> None:
    page.goto(f"{url}/login")
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("button[type=submit].primary")
    page.wait_for_url("**/beranda")


def test_every_page_has_no_serious_or_critical_accessibility_violation(stack):
    from services import demo
    passwords = {username: password for username, _roles, _nip, password in demo.LOGINS}
    survey = stack["survey"]
    crawl = Crawl(set(stack.values()))
    with browser() as b:
        visitor = b.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, locale="id-ID").new_page()
        crawl.walk(visitor, f"{survey}/beranda", "visitor")
        admin = b.new_context(viewport={"width": 1280, "height": 900}, locale="id-ID").new_page()
        _log_in(admin, survey, "admin", passwords["admin"])
        crawl.walk(admin, f"{survey}/beranda", "admin")
        form = next(u for u in crawl.seen if re.search(r"/s/[A-Z0-9]{8}$", u))
        for where in (form, f"{survey}/kiosk/setup"):
            visitor.goto(where)
            crawl.check(visitor, "visitor")
        visitor.goto(form)
        visitor.click("form button[type=submit]")                 # nothing answered: the error summary
        visitor.wait_for_selector(".error-summary")
        crawl.check(visitor, "visitor, form with errors")
        admin.goto(f"{survey}/admin/units")
        admin.click("#tambah button[type=submit]")                # nothing filled in: the error summary
        crawl.check(admin, "admin, form with errors")
        admin.goto(f"{survey}/admin/kiosks")                       # a registration shows its setup QR once
        admin.fill("#f-device_id", "kios-uji-1")
        admin.fill("#f-name", "Loket uji")
        admin.click("#tambah button[type=submit]")
        admin.wait_for_selector("#setup svg")
        crawl.check(admin, "admin, kiosk registered")
        admin.goto(f"{survey}/admin/templates/ruang-tunggu")      # a draft: the builder with every form
        admin.click("#start-draft")
        admin.wait_for_selector("#question-form")
        crawl.check(admin, "admin, template draft")
        admin.goto(f"{survey}/admin/templates/ruang-tunggu?edit=nyaman")
        crawl.check(admin, "admin, editing a question")
        admin.goto(f"{survey}/admin/import")                      # a dry run listing bad rows
        admin.set_input_files("input[type=file]", files=[{
            "name": "register.csv", "mimeType": "text/csv",
            "buffer": b"nip,name,unit\n199001012015011001,Uji Satu,DISDUKCAPIL\n123,Salah,NOPE\n"}])
        admin.click("form[enctype] button[type=submit]")
        admin.wait_for_selector("#preview")
        crawl.check(admin, "admin, import preview")
        for path in ("/beranda", "/admin", "/admin/templates/ruang-tunggu"):
            admin.goto(f"{survey}{path}?lang=en")
            crawl.check(admin, "admin, English")
        supervisor = b.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, locale="id-ID").new_page()
        _log_in(supervisor, survey, "kasi.disdukcapil", passwords["kasi.disdukcapil"])
        crawl.walk(supervisor, f"{survey}/beranda", "supervisor")
        supervisor.goto(f"{stack['notifier']}/dev/surel")          # the development mail catcher's page
        crawl.check(supervisor, "supervisor, caught mail")
        employee = b.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, locale="id-ID").new_page()
        _log_in(employee, survey, "agus.setiawan", passwords["agus.setiawan"])
        crawl.walk(employee, f"{survey}/me", "employee")
        employee.goto(f"{survey}/me/rekan/198403152009012002")
        employee.click("#send-feedback")                           # nothing chosen: the error summary
        crawl.check(employee, "employee, feedback with errors")
    routes = {route for _, route in crawl.per_route}
    assert any("/inbox/" in url for url in crawl.seen), "the case page was never checked"
    for expected in ("/admin/units", "/admin/deployments", "/admin/kiosks", "/admin/templates", "/admin/employees",
                     "/admin/import", "/admin/users", "/admin/outbox", "/admin/tokens", "/dashboard", "/results",
                     "/inbox", "/deliveries", "/admin/rules", "/me", "/me/pembinaan"):
        assert expected in routes, f"the crawl never reached {expected}"
    assert crawl.checked >= 40
    assert crawl.problems == [], "\n".join(crawl.problems)
