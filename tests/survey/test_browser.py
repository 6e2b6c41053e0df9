"""The web form and the kiosk in headless Chromium, against real gunicorn, database and Kafka,
under the services' Content-Security-Policy (no violation reported). Screenshots go to
tests/artifacts/screenshots/ (ignored by git)."""
from __future__ import annotations

from dataclasses import replace

import pytest
import requests

from shared.platform.auth import issue_token
from shared.platform.clock import SystemClock
from shared.records.directory import Service, Unit
from shared.records.responses import Response

from tests.support.browser import browser, csp_violations
from tests.support.processes import free_port
from tests.support.waiting import eventually

pytestmark = pytest.mark.browser


@pytest.fixture
def live(fresh_settings, processes, artifacts):
    port = free_port()
    settings = replace(fresh_settings, rate_limit_client=0, public_survey_url=f"http://127.0.0.1:{port}")
    at = SystemClock().now()
    Unit.save_revision("DUKCAPIL", {"name": "Dinas Kependudukan dan Pencatatan Sipil",
                                    "name_en": "Civil Registry Office"}, at=at, by="t")
    Service.save_revision(Service.ref_of("DUKCAPIL", "KTP"), {"unit": "DUKCAPIL", "code": "KTP",
                                                              "name": "Perekaman KTP-el"}, at=at, by="t")
    services = processes(settings)
    survey = services.web("survey", port=port)
    admin = {"Authorization": "Bearer " + issue_token(settings, sub="admin", roles=["admin"])}
    dep = requests.post(f"{survey.url}/api/v1/deployments", json={"template": "skm", "unit": "DUKCAPIL",
                                                                  "service": "KTP"}, headers=admin, timeout=10).json()
    shots = artifacts / "screenshots"
    shots.mkdir(exist_ok=True)
    return {"url": survey.url, "dep": dep, "admin": admin, "shots": shots, "settings": settings}


def test_citizen_fills_the_web_form_on_a_phone(live):
    with browser() as b:
        page = b.new_page(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
        blocked = csp_violations(page)
        page.goto(f"{live['url']}/s/{live['dep']['code']}")
        assert page.locator("h1").first.inner_text() == "Survei Kepuasan Masyarakat"
        # the regulation's sample questionnaire: its questions and answers as printed, the unsur as
        # the heading, facilities asked 8th and complaints 9th
        legends = page.locator("form fieldset legend").all_inner_texts()[:9]
        assert [legend.splitlines()[0] for legend in legends] == [
            "Persyaratan", "Sistem, Mekanisme, dan Prosedur", "Waktu Penyelesaian", "Biaya/Tarif",
            "Produk Spesifikasi Jenis Pelayanan", "Kompetensi Pelaksana", "Perilaku Pelaksana", "Sarana dan Prasarana",
            "Penanganan Pengaduan, Saran dan Masukan"]
        assert legends[0].splitlines()[1] == ("1. Bagaimana pendapat Saudara tentang kesesuaian persyaratan pelayanan "
                                              "dengan jenis pelayanannya?")
        assert legends[8].splitlines()[1].startswith("9. Bagaimana pendapat Saudara tentang penanganan pengaduan")
        assert page.locator("#answers-U8 label").all_inner_texts() == [
            "a. Tidak ada", "b. Ada tetapi tidak berfungsi", "c. Berfungsi kurang maksimal", "d. Dikelola dengan baik"]
        chosen = {"U1": "d. Sangat sesuai", "U2": "c. Mudah", "U3": "c. Cepat", "U4": "d. Gratis", "U5": "c. Sesuai",
                  "U6": "d. Sangat kompeten", "U7": "d. Sangat sopan dan ramah", "U8": "d. Dikelola dengan baik",
                  "U9": "c. Baik"}
        for code, answer in chosen.items():
            page.locator(f"#answers-{code} label", has_text=answer).click()
        # the standard form's profile categories (pelajar/mahasiswa kept as an extra)
        assert page.locator("#p-education option").all_inner_texts() == [
            "—", "SD", "SMP", "SMA", "D1-D3-D4", "S1", "S2", "S3", "Lainnya"]
        assert page.locator("#p-occupation option").all_inner_texts() == [
            "—", "PNS", "TNI", "POLRI", "Pegawai swasta", "Wirausaha", "Pelajar/Mahasiswa", "Lainnya"]
        page.select_option("#p-age_band", "30-39")
        page.select_option("#p-education", "D1-D3-D4")
        page.select_option("#p-occupation", "POLRI")
        page.fill("#comment", "Pelayanan cepat, terima kasih")
        page.screenshot(path=str(live["shots"] / "web-form.png"), full_page=True)
        page.get_by_role("button", name="Kirim").click()
        page.wait_for_selector("text=Terima kasih!")
        page.screenshot(path=str(live["shots"] / "web-form-thanks.png"))
        english = b.new_page()
        english.goto(f"{live['url']}/s/{live['dep']['code']}?lang=en")
        assert english.get_by_role("button", name="Submit").is_visible()
        assert blocked == []
    docs = list(Response.objects(deployment=live["dep"]["code"]))
    assert len(docs) == 1
    assert docs[0].answers == {"U1": 4, "U2": 3, "U3": 3, "U4": 4, "U5": 3, "U6": 4, "U7": 4, "U8": 4, "U9": 3}
    assert docs[0].channel == "web" and docs[0].service == "KTP" and docs[0].template_version == 2
    assert docs[0].profile == {"age_band": "30-39", "education": "D1-D3-D4", "occupation": "POLRI"}


def test_form_is_usable_with_the_keyboard_alone(live):
    with browser() as b:
        page = b.new_page()
        page.goto(f"{live['url']}/s/{live['dep']['code']}")
        page.keyboard.press("Tab")  # the skip link comes first
        assert page.evaluate("document.activeElement.className") == "skip"
        page.locator('input[name="a.U1"][value="3"]').focus()
        page.keyboard.press("Space")
        page.get_by_role("button", name="Kirim").focus()
        page.keyboard.press("Enter")
        page.wait_for_selector("text=Terima kasih!")
    assert Response.objects(deployment=live["dep"]["code"]).first().answers == {"U1": 3}


def answer_all(page, face_index=3):
    page.click("#kiosk-begin")
    for _ in range(9):
        page.locator(".kiosk-choice").nth(face_index).click()
    page.wait_for_selector(".kiosk-thanks")


def test_kiosk_queues_offline_and_sends_once_back_online(live):
    kiosk = requests.post(f"{live['url']}/api/v1/kiosks", json={"device_id": "kios-browser", "name": "Loket 1",
                                                                 "deployment": live["dep"]["code"], "idle_seconds": 10},
                          headers=live["admin"], timeout=10).json()
    with browser() as b:
        context = b.new_context(viewport={"width": 1280, "height": 800})
        page = context.new_page()
        blocked = csp_violations(page)
        page.goto(kiosk["setup_url"])
        page.wait_for_url("**/kiosk")
        page.wait_for_selector("#kiosk-begin")
        page.screenshot(path=str(live["shots"] / "kiosk-start.png"))
        page.click("#kiosk-begin")
        page.wait_for_selector(".kiosk-choice svg.face")
        page.screenshot(path=str(live["shots"] / "kiosk-question.png"))
        asked = []
        for _ in range(9):   # the official questions, the unsur as the heading, facilities 8th
            asked.append((page.inner_text("#kiosk-heading"), page.inner_text("#kiosk-question")))
            page.locator(".kiosk-choice").nth(3).click()
        assert asked[0] == ("Persyaratan", "Bagaimana pendapat Saudara tentang kesesuaian persyaratan pelayanan "
                                           "dengan jenis pelayanannya?")
        assert [heading for heading, _ in asked[7:]] == ["Sarana dan Prasarana",
                                                         "Penanganan Pengaduan, Saran dan Masukan"]
        page.wait_for_selector(".kiosk-thanks")
        eventually(lambda: Response.objects(device="kios-browser").count() == 1, timeout=30,
                   message="the online response was not sent")

        context.set_offline(True)
        page.wait_for_selector("#kiosk-begin", timeout=15000)
        answer_all(page, face_index=0)
        page.wait_for_selector("#kiosk-begin", timeout=15000)
        answer_all(page, face_index=1)
        page.wait_for_selector("#kiosk-complain", timeout=15000)
        page.click("#kiosk-complain")                        # a complaint in two taps, queued offline too
        page.screenshot(path=str(live["shots"] / "kiosk-complaint.png"))
        page.click(".kiosk-choice[data-unsur='U3']")
        page.wait_for_selector(".kiosk-thanks")
        page.wait_for_function("() => document.getElementById('status').dataset.pending === '3'")
        page.screenshot(path=str(live["shots"] / "kiosk-offline-queue.png"))
        assert Response.objects(device="kios-browser").count() == 1

        context.set_offline(False)
        page.wait_for_function("() => document.getElementById('status').dataset.pending === '0'", timeout=30000)
        assert blocked == []   # setup, kiosk, service worker and offline queue all run under the policy
    docs = list(Response.objects(device="kios-browser"))
    assert len(docs) == 3
    assert sorted(d.answers["U1"] for d in docs) == [1, 2, 4]
    from shared.records.complaints import Complaint
    [complaint] = Complaint.objects(channel="kiosk")
    assert (complaint.unit, complaint.unsur, complaint.kind, complaint.text) == ("DUKCAPIL", "U3", "pengaduan", None)


def test_kiosk_resets_after_idle_seconds(live):
    kiosk = requests.post(f"{live['url']}/api/v1/kiosks", json={"device_id": "kios-idle", "name": "Loket 2",
                                                                 "deployment": live["dep"]["code"], "idle_seconds": 30},
                          headers=live["admin"], timeout=10).json()
    with browser() as b:
        page = b.new_page()
        page.clock.install()
        page.goto(kiosk["setup_url"])
        page.wait_for_selector("#kiosk-begin")
        page.click("#kiosk-begin")
        page.locator(".kiosk-choice").nth(2).click()  # answered one question, then walked away
        assert page.locator("#kiosk-question").is_visible()
        page.clock.fast_forward("00:29")
        assert page.locator("#kiosk-question").is_visible()
        page.clock.fast_forward("00:02")
        page.wait_for_selector("#kiosk-begin")
    assert Response.objects(device="kios-idle").count() == 0  # the half-finished answers were dropped


def test_an_admin_sets_up_a_counter_with_its_poster_and_a_kiosk(live):
    """As a newcomer would after make up: log in, add a unit below an OPD, put the survey at its
    counter, open the poster, register the tablet; no Content-Security-Policy violation."""
    from shared.platform.clock import SystemClock
    from shared.records.users import WebUser, hash_password
    WebUser.save_revision("admin.baru", {"password_hash": hash_password("admin-baru-2026"), "roles": ["admin"]},
                          at=SystemClock().now(), by="test")
    shots = live["shots"].parent
    with browser() as b:
        page = b.new_context(viewport={"width": 1280, "height": 900}, locale="id-ID").new_page()
        blocked = csp_violations(page)
        page.goto(f"{live['url']}/admin")
        page.fill("#username", "admin.baru")
        page.fill("#password", "admin-baru-2026")
        page.click("button[type=submit].primary")
        page.wait_for_url("**/admin")
        page.click(".subnav a[href$='/admin/units']")
        page.fill("#f-code", "UPT-KTP-ANDIR")
        page.fill("#f-name", "UPT Perekaman KTP Andir")
        page.select_option("#f-parent", "DUKCAPIL")
        page.click("#tambah button[type=submit]")
        page.wait_for_selector("#saved")
        page.click("text=Semua unit")
        assert page.get_attribute('li[data-unit="UPT-KTP-ANDIR"]', "data-depth") == "1"
        page.screenshot(path=str(shots / "admin-units.png"), full_page=True)

        page.goto(f"{live['url']}/admin/deployments")
        page.select_option("#f-unit", "DUKCAPIL")
        page.select_option("#f-service", "KTP")
        page.click("#tambah button[type=submit]")
        page.wait_for_selector("tr.created")
        code = page.get_attribute("tr.created", "data-code")
        page.screenshot(path=str(shots / "admin-deployments.png"), full_page=True)
        pdf = page.request.get(live["url"] + page.get_attribute(f"#dep-{code} a.poster-a4", "href"))
        assert pdf.ok and pdf.body()[:5] == b"%PDF-"

        page.goto(f"{live['url']}/admin/kiosks")
        page.fill("#f-device_id", "kios-andir-1")
        page.fill("#f-name", "Loket KTP 1")
        page.select_option("#f-deployment", code)
        page.click("#tambah button[type=submit]")
        page.wait_for_selector("#setup svg")
        assert page.locator('tr[data-device="kios-andir-1"]').count() == 1
        page.screenshot(path=str(shots / "admin-kiosks.png"), full_page=True)

        # a login for an evaluator, who logs in elsewhere and is refused once disabled
        page.goto(f"{live['url']}/admin/users")
        page.fill("#f-username", "evaluator.baru")
        page.check("#role-evaluator")
        page.click("#tambah button[type=submit]")
        password = page.text_content("#temp-password")
        other = b.new_context(locale="id-ID").new_page()
        other.goto(f"{live['url']}/login?next=/admin")
        other.fill("#username", "evaluator.baru")
        other.fill("#password", password)
        other.click("button[type=submit].primary")
        other.wait_for_selector("#forced")                    # a temporary password: first a password of one's own
        other.fill("#current_password", password)
        other.fill("#new_password", "sandi evaluator baru 2026")
        other.fill("#repeat_password", "sandi evaluator baru 2026")
        other.click("#save-password")
        other.wait_for_load_state()
        assert "tidak berhak" in other.text_content("main")   # logged in, but not an admin
        page.click("text=Buka pengguna ini")
        page.click("#toggle-active")
        page.wait_for_selector("#done")
        page.screenshot(path=str(shots / "admin-users.png"), full_page=True)
        other.reload()
        assert "/login" in other.url   # the very next request asks to log in again
        assert blocked == []


def test_a_kiosk_moves_its_old_local_storage_queue_into_indexeddb_and_sends_it(live):
    """A tablet that ran the previous kiosk script holds answers in localStorage: on its first
    start with this one they move into IndexedDB (removed from localStorage only then), the
    heartbeat reports them to the fleet page, and they are sent once the server is reachable."""
    import uuid

    from shared.platform.clock import SystemClock
    from shared.records.users import WebUser, hash_password

    from services.survey.surveys.models import KioskHeartbeat
    kiosk = requests.post(f"{live['url']}/api/v1/kiosks", json={"device_id": "kios-lama", "name": "Loket lama",
                                                                 "deployment": live["dep"]["code"]},
                          headers=live["admin"], timeout=10).json()
    old = [{"id": str(uuid.uuid4()), "deployment": live["dep"]["code"], "answers": {"U1": 2, "U2": 3}, "lang": "id"},
           {"deployment": live["dep"]["code"], "answers": {"U1": 4}, "lang": "id"}]   # an old entry without its id
    WebUser.save_revision("admin.kios", {"password_hash": hash_password("admin-kios-2026"), "roles": ["admin"]},
                          at=SystemClock().now(), by="test")
    with browser() as b:
        context = b.new_context(viewport={"width": 1280, "height": 800})
        page = context.new_page()
        blocked = csp_violations(page)
        context.route("**/api/v1/responses", lambda route: route.abort())   # the office network is down for answers
        page.goto(kiosk["setup_url"])
        page.wait_for_url("**/kiosk")
        page.wait_for_selector("#kiosk-begin")
        page.evaluate("old => localStorage.setItem('tanggap.kiosk.queue', JSON.stringify(old))", old)
        page.reload()
        page.wait_for_function("() => window.tanggapKiosk && window.tanggapKiosk.storage() === 'indexedDB'")
        page.wait_for_function("() => document.getElementById('status').dataset.pending === '2'")
        assert page.evaluate("localStorage.getItem('tanggap.kiosk.queue')") is None
        queued = page.evaluate("window.tanggapKiosk.queue()")
        assert [q["answers"] for q in queued] == [{"U1": 2, "U2": 3}, {"U1": 4}]
        assert queued[0]["id"] == old[0]["id"] and uuid.UUID(queued[1]["id"])   # the missing id given once
        page.evaluate("window.tanggapKiosk.heartbeat()")
        eventually(lambda: KioskHeartbeat.objects(device="kios-lama", queued=2).count() >= 1, timeout=15,
                   message="the heartbeat did not report the two queued answers")

        admin = b.new_context(viewport={"width": 1280, "height": 800}, locale="id-ID").new_page()
        admin.goto(f"{live['url']}/login?next=/admin/kiosks")
        admin.fill("#username", "admin.kios")
        admin.fill("#password", "admin-kios-2026")
        admin.click("button[type=submit].primary")
        admin.wait_for_url("**/admin/kiosks")
        assert admin.text_content('tr[data-device="kios-lama"] [data-field="queued"]').strip() == "2"
        admin.screenshot(path=str(live["shots"].parent / "admin-kiosk-queue.png"), full_page=True)

        context.unroute("**/api/v1/responses")
        page.evaluate("window.tanggapKiosk.flush()")
        page.wait_for_function("() => document.getElementById('status').dataset.pending === '0'", timeout=30000)
        assert blocked == []
    docs = list(Response.objects(device="kios-lama"))
    assert sorted(d.answers["U1"] for d in docs) == [2, 4]
    assert str(next(d.id for d in docs if d.answers["U1"] == 2)) == old[0]["id"]


def test_an_admin_builds_publishes_and_answers_a_custom_survey(live):
    """An admin builds a survey of three question types in the builder, previews it, publishes
    it, puts it at the counter; a citizen answers it on a phone; no CSP violation."""
    from shared.records.users import WebUser, hash_password
    WebUser.save_revision("admin.survei", {"password_hash": hash_password("admin-survei-2026"), "roles": ["admin"]},
                          at=SystemClock().now(), by="test")
    shots = live["shots"].parent
    with browser() as b:
        page = b.new_context(viewport={"width": 1280, "height": 900}, locale="id-ID").new_page()
        blocked = csp_violations(page)
        page.goto(f"{live['url']}/login?next=/admin")
        page.fill("#username", "admin.survei")
        page.fill("#password", "admin-survei-2026")
        page.click("button[type=submit].primary")
        page.wait_for_url("**/admin")
        page.click(".subnav a[href$='/admin/templates']")
        page.fill("#f-code", "loket-ktp")
        page.fill("#f-title_id", "Survei loket KTP")
        page.fill("#f-title_en", "ID card counter survey")
        page.click("#tambah button[type=submit]")
        page.wait_for_selector("#question-form")
        for kind, code, text, extra in (
                ("scale", "Q1", "Seberapa puas Anda dengan loket ini?", {"#f-scale": "5"}),
                ("single", "Q2", "Berapa lama Anda menunggu?",
                 {"#f-choices": "cepat | Kurang dari 15 menit | Under 15 minutes\nlama | Lebih dari 15 menit | "
                                "Over 15 minutes"}),
                ("text", "Q3", "Apa yang perlu diperbaiki?", {})):
            page.select_option("#f-type", kind)
            page.fill("#f-code", code)
            page.fill("#f-text_id", text)
            page.fill("#f-text_en", text + " (en)")
            for selector, value in extra.items():
                page.fill(selector, value)
            if code == "Q1":
                page.check("#f-required")
            page.click("#question-form button[type=submit]")
            page.wait_for_selector(f"#q-{code}")
        page.screenshot(path=str(shots / "admin-template-builder.png"), full_page=True)
        page.click("#preview-draft")
        page.wait_for_selector("#preview-note")
        assert page.locator("button.primary[disabled]").count() == 1
        page.go_back()
        page.click("#publish-button")
        page.wait_for_selector("#published")
        page.click("#published a")
        assert page.input_value("#f-template") == "loket-ktp"
        page.select_option("#f-unit", "DUKCAPIL")
        page.click("#tambah button[type=submit]")
        page.wait_for_selector("tr.created")
        url = page.get_attribute("tr.created a", "href")

        phone = b.new_page(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
        phone_blocked = csp_violations(phone)
        phone.goto(url)
        phone.click("text=Kirim")
        phone.wait_for_selector(".error-summary")                 # Q1 is required
        phone.check("input[name='a.Q1'][value='5']")
        phone.check("input[name='a.Q2'][value='cepat']")
        phone.fill("textarea[name='a.Q3']", "Sudah baik")
        phone.click("text=Kirim")
        phone.wait_for_selector("text=Terima kasih")
        assert blocked == [] and phone_blocked == []
    stored = eventually(lambda: Response.objects(template="loket-ktp").first())
    assert stored.template_version == 1 and stored.answers["Q1"] == 5 and stored.answers["Q2"] == "cepat"


def test_a_newcomer_logs_in_at_the_front_door_on_a_phone(live):
    """The survey service's root is the front door: the landing page for anyone, the login,
    then what the role may do, one navigation on every page; on a phone, under the CSP."""
    from shared.records.users import WebUser, hash_password
    WebUser.save_revision("admin.pintu", {"password_hash": hash_password("admin-pintu-2026"), "roles": ["admin"]},
                          at=SystemClock().now(), by="test")
    with browser() as b:
        page = b.new_page(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
        blocked = csp_violations(page)
        page.goto(live["url"] + "/")
        assert page.url.endswith("/beranda")
        page.click(".places a[href$='/login']")
        page.fill("#username", "admin.pintu")
        page.fill("#password", "admin-pintu-2026")
        page.press("#password", "Enter")
        page.wait_for_selector('[data-role="admin"]')
        assert page.locator(".front-door a").count() == 7
        page.screenshot(path=str(live["shots"].parent / "admin-front-door.png"), full_page=True)
        page.click(".places [data-place='admin'] a")
        page.wait_for_selector(".subnav")
        assert page.get_attribute(".front-door a[aria-current=page]", "data-place") == "admin"
        assert blocked == []


def test_an_admin_imports_a_register_with_bad_rows_from_xlsx_in_english(live):
    """A SIMPEG export as XLSX with bad rows, in English: the check lists every bad row by its
    line and reason and saves nothing; the import shows its progress (the page refreshes itself
    while it runs) and then what changed; under the CSP."""
    from shared.records.directory import Employee
    from shared.records.users import WebUser, hash_password

    from tests.support.spreadsheets import xlsx
    from tests.survey.conftest import nip
    WebUser.save_revision("admin.impor", {"password_hash": hash_password("admin-impor-2026"), "roles": ["admin"]},
                          at=SystemClock().now(), by="test")
    good = [nip(700 + i, "19850505") for i in range(3)]
    book = xlsx([["NIP", "Nama", "Kode Unit", "Jabatan", "NIP Atasan", "Email"],
                 [good[0], "Wulan Sari", "DUKCAPIL", "Kepala Seksi", None, None],
                 [good[1], "Yudi Pratama", "DUKCAPIL", "Petugas loket", good[0], None],
                 [good[2], "Zainal Arifin", "DUKCAPIL", "Petugas loket", good[0], None],
                 [nip(710, "19850505"), "Salah Unit", "TIDAK-ADA", None, None, None],
                 ["12345", "NIP Pendek", "DUKCAPIL", None, None, None],
                 [int(nip(711, "19850505")), "NIP Angka", "DUKCAPIL", None, None, None]])
    shots = live["shots"].parent
    with browser() as b:
        page = b.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB").new_page()
        blocked = csp_violations(page)
        page.goto(f"{live['url']}/login?next=/admin/import&lang=en")
        page.fill("#username", "admin.impor")
        page.fill("#password", "admin-impor-2026")
        page.click("button[type=submit].primary")
        page.wait_for_url("**/admin/import")
        assert "Import" in page.inner_text("h1")
        page.check("#kind-employees")
        page.set_input_files("#f-file", files=[{"name": "simpeg-2026.xlsx", "buffer": book,
                                                "mimeType": "application/vnd.openxmlformats-officedocument."
                                                            "spreadsheetml.sheet"}])
        page.click("form[enctype] button[type=submit]")
        page.wait_for_selector("#preview")
        assert page.inner_text('[data-count="created"]') == "3" and page.inner_text('[data-count="rejected"]') == "3"
        assert page.locator('#bad-rows tr[data-line="5"][data-field="unit"]').count() == 1
        assert page.locator('#bad-rows tr[data-line="6"][data-field="nip"]').count() == 1
        assert "15 digit" in page.inner_text('#bad-rows tr[data-line="7"]')
        assert page.locator('#bad-rows tr[data-line="7"]').count() == 1    # said once, not twice
        assert Employee.head(good[0]) is None                      # the check saved nothing
        page.screenshot(path=str(shots / "admin-import-preview.png"), full_page=True)
        page.click("#run-import")
        page.wait_for_selector('progress[data-status="done"]', timeout=30_000)   # refreshes itself until done
        assert page.inner_text('#result [data-count="created"]') == "3"
        page.screenshot(path=str(shots / "admin-import-result.png"), full_page=True)
        assert blocked == []
    assert Employee.head(good[2]).supervisor_nip == good[0]
