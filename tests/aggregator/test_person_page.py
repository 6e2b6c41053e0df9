"""One employee's indicator page through the real database (the folded world of this
package): the officer index and the released peer result are the API's numbers; a quarter with
two raters says "belum dirilis"; an evaluator sees everyone, a supervisor their team, an employee
only themself, anyone else 403."""
from __future__ import annotations

import re

import pytest

from shared.platform.auth import issue_token
from shared.records.users import WebUser, hash_password

from tests.aggregator.conftest import PASSWORD, log_in

pytestmark = pytest.mark.integration


def client_as(app, world, username: str, roles: list[str], nip: str | None = None):
    WebUser.save_revision(username, {"password_hash": hash_password(PASSWORD), "roles": roles, "nip": nip},
                          at=world.clock.now(), by="test")
    client = app.test_client()
    log_in(client, username)
    return client


def test_the_page_shows_the_apis_numbers_and_withholds_what_the_api_withholds(app, world):
    evaluator = client_as(app, world, "eval.pegawai", ["evaluator"])
    token = {"Authorization": f"Bearer {issue_token(world.settings, sub='t', roles=['evaluator'])}"}
    api = app.test_client().get(f"/api/v1/indicators/employees/{world.released}?period=2026-11", headers=token).json
    page = evaluator.get(f"/pegawai/{world.released}?period=2026-11")
    assert page.status_code == 200 and 'id="peer-released"' in page.text
    shown = dict(re.findall(r'data-value="(\w+)">.*?data-field="mean">([0-9,.]+)<', page.text, re.S))
    assert {k: float(v.replace(",", ".")) for k, v in shown.items()} == \
        {k: v["mean"] for k, v in api["peer"]["values"].items()}
    assert 'data-quarter="2026-Q4"' in page.text                       # the year's released quarters
    assert page.text.count('<li data-period="') == 6                    # predikat per month, six months
    withheld = evaluator.get(f"/pegawai/{world.withheld}?period=2026-11").text
    assert 'id="peer-withheld" data-raters="2"' in withheld and "Belum dirilis" in withheld
    assert "peer-values" not in withheld and "peer-history" not in withheld   # no figure below three raters
    officer_api = app.test_client().get(f"/api/v1/indicators/employees/{world.low_officer}?period=2026-11",
                                        headers=token).json["officer"]
    officer = evaluator.get(f"/pegawai/{world.low_officer}?period=2026-11").text
    row = officer.split('data-period="2026-11"')[1].split("</tr>")[0]
    assert f'data-field="responses">{officer_api["responses"]}<' in row
    assert evaluator.get(f"/pegawai/{world.low_officer}?period=2026-13").status_code == 422
    assert evaluator.get("/pegawai/abc").status_code == 404


def test_who_sees_whose_page(app, world):
    head = sorted(world.people)[5]
    supervisor = client_as(app, world, "kasi.pegawai", ["supervisor"], head)
    assert supervisor.get(f"/pegawai/{world.low_officer}").status_code == 200        # in their team
    low = client_as(app, world, "pegawai.low", ["employee"], world.low_officer)
    mine = low.get(f"/pegawai/{world.low_officer}")
    assert mine.status_code == 200 and "Hasil Anda" in mine.text
    assert low.get(f"/pegawai/{world.released}").status_code == 403        # a colleague's: never
    outsider = client_as(app, world, "kasi.lain", ["supervisor"], "199901012020011099")
    assert outsider.get(f"/pegawai/{world.low_officer}").status_code == 403
    assert app.test_client().get(f"/pegawai/{world.low_officer}").status_code == 302   # to the login


def test_the_person_rated_sees_a_quarter_only_once_it_has_ended(app, world):
    """While a quarter runs each new rating would change the figure the person rated watches,
    and the change gives that rater's scores away: they see it after the quarter."""
    released = client_as(app, world, "pegawai.released", ["employee"], world.released)
    running = released.get(f"/pegawai/{world.released}?period=2026-11").text       # the clock: 2026-11-23
    assert 'id="peer-withheld"' in running and "peer-values" not in running and "peer-history" not in running
    assert "setelah triwulan berakhir" in running
    evaluator = client_as(app, world, "eval.running", ["evaluator"])
    assert 'id="peer-released"' in evaluator.get(f"/pegawai/{world.released}?period=2026-11").text
