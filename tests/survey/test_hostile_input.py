"""Every way in validates the same way: hostile values through the web form (urlencoded and
multipart), the kiosk's JSON and imports always get a 4xx naming the problem, never a 5xx,
and nothing is stored. Real FerretDB behind the Flask test client."""
from __future__ import annotations

import json
import uuid
from dataclasses import replace
from urllib.parse import quote_from_bytes

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from shared.domain import skm
from shared.records.responses import Response

from tests.survey.conftest import SKM_ANSWERS

pytestmark = pytest.mark.integration

ANSWERS_FORM = {f"a.{code}": str(value) for code, value in SKM_ANSWERS.items()}
HYPOTHESIS = dict(deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


@pytest.fixture
def open_survey(settings, clock):
    """The survey app without rate limits: hundreds of hostile requests from one address must
    each be refused for what they are, not for how many they are."""
    from services.survey.app import create_app
    return create_app(replace(settings, rate_limit_client=0, rate_limit_device=0), clock).test_client()


def stored(deployment) -> int:
    return Response.objects(deployment=deployment["code"]).count()


def urlencoded(fields: list[tuple[str, bytes]]) -> bytes:
    return b"&".join(quote_from_bytes(n.encode()).encode() + b"=" + quote_from_bytes(v).encode() for n, v in fields)


def multipart(fields: list[tuple[str, bytes]], boundary: bytes = b"hostileBoundary7") -> bytes:
    parts = [b"--" + boundary + b'\r\nContent-Disposition: form-data; name="' + n.encode() + b'"\r\n\r\n' + v + b"\r\n"
             for n, v in fields]
    return b"".join(parts) + b"--" + boundary + b"--\r\n"


def post_form(client, code: str, fields: list[tuple[str, bytes]], kind: str = "urlencoded", lang: str = "id"):
    if kind == "urlencoded":
        return client.post(f"/s/{code}?lang={lang}", data=urlencoded(fields),
                           content_type="application/x-www-form-urlencoded")
    return client.post(f"/s/{code}?lang={lang}", data=multipart(fields),
                       content_type="multipart/form-data; boundary=hostileBoundary7")


def base_form(extra=()) -> list[tuple[str, bytes]]:
    return [(n, v.encode()) for n, v in ANSWERS_FORM.items()] + [("id", str(uuid.uuid4()).encode()), *extra]


# -- the failures of the issue, one by one ------------------------------------------------------

@pytest.mark.parametrize("kind", ["urlencoded", "multipart"])
@pytest.mark.parametrize("extra,field,words", [
    ([("p.sex", b"a.b")], "p-sex", "Pilih salah satu dari daftar"),
    ([("p.education", b"$gt")], "p-education", "Pilih salah satu dari daftar"),
    ([("a.U1", "²".encode())], "answers-U1", "harus bilangan bulat"),
    ([("a.U2", "٣".encode())], "answers-U2", "harus bilangan bulat"),
    ([("comment", b"a\x00b")], "comment", "karakter yang tidak diizinkan"),
    ([("comment", b"ok\x1bnot")], "comment", "karakter yang tidak diizinkan"),
    ([("comment", b"x" * 2001)], "comment", "Paling banyak 2000 karakter"),
])
def test_a_hostile_form_field_is_shown_beside_its_field_and_nothing_is_stored(open_survey, deployment, kind, extra,
                                                                               field, words):
    fields = [f for f in base_form() if f[0] not in {n for n, _ in extra}] + extra
    page = post_form(open_survey, deployment["code"], fields, kind)
    assert page.status_code == 422, page.text[:300]
    assert f'href="#{field}"' in page.text and words in page.text
    assert stored(deployment) == 0


def test_a_profile_of_400000_control_characters_is_refused(open_survey, deployment):
    fields = base_form([("p.sex", b"\x01" * 400_000)])
    assert post_form(open_survey, deployment["code"], fields, "urlencoded").status_code == 413  # 1.2 MB encoded
    page = post_form(open_survey, deployment["code"], fields, "multipart")
    assert page.status_code == 422 and 'href="#p-sex"' in page.text
    assert stored(deployment) == 0


def test_form_errors_speak_the_respondents_language(open_survey, deployment):
    fields = [f for f in base_form() if f[0] != "a.U1"] + [("a.U1", b"9"), ("p.sex", b"X")]
    page = post_form(open_survey, deployment["code"], fields, lang="en")
    assert page.status_code == 422
    assert "Please check the following" in page.text and "must be between 1 and 4" in page.text
    assert "Choose one of the options" in page.text and "Requirements" in page.text
    assert "harus antara" not in page.text


def test_unknown_or_repeated_form_fields_are_refused(open_survey, deployment):
    for extra in ([("ip", b"1.2.3.4")], [("a.U10", b"4")], [("p.a.b", b"P")], [("$where", b"1")],
                  [("a.U1", b"3")], [("comment", b"a"), ("comment", b"b")]):
        page = post_form(open_survey, deployment["code"], base_form(extra))
        assert page.status_code == 422, extra
        assert "Muat ulang halaman" in page.text or "hanya satu nilai" in page.text, extra
    assert stored(deployment) == 0


def test_a_form_that_is_not_utf8_is_a_400(open_survey, deployment):
    for kind in ("urlencoded", "multipart"):
        r = post_form(open_survey, deployment["code"], base_form([("comment", b"caf\xe9 \xff")]), kind)
        assert r.status_code == 400, (kind, r.status_code)
    assert stored(deployment) == 0


def test_the_request_limit_applies_to_forms_and_multipart(open_survey, deployment):
    for kind in ("urlencoded", "multipart"):
        r = post_form(open_survey, deployment["code"], base_form([("comment", b"x" * (1024 * 1024 + 10))]), kind)
        assert r.status_code == 413, (kind, r.status_code)
    assert stored(deployment) == 0


def test_json_nested_50000_levels_is_a_400(open_survey, deployment):
    body = f'{{"deployment": "{deployment["code"]}", "answers": {"[" * 50_000 + "]" * 50_000}}}'
    r = open_survey.post("/api/v1/responses", data=body, content_type="application/json")
    assert r.status_code == 400 and r.json["code"] == "too_deep" and "_body" in r.json["errors"]
    nested: list = []
    for _ in range(40):   # deep enough to refuse, shallow enough for any parser
        nested = [nested]
    shallow_but_deep = {"deployment": deployment["code"], "answers": SKM_ANSWERS, "x": nested}
    assert open_survey.post("/api/v1/responses", json=shallow_but_deep).status_code == 400
    assert stored(deployment) == 0


def test_a_multipart_field_with_nul_anywhere_is_refused(open_survey, tokens, deployment):
    r = open_survey.post("/api/v1/directory/import?kind=units&dry_run=true", headers=tokens("admin"),
                         data=multipart([("note", b"a\x00b")]),
                         content_type="multipart/form-data; boundary=hostileBoundary7")
    assert r.status_code == 422 and r.json["code"] == "invalid_characters" and "note" in r.json["errors"]


def test_imports_may_be_larger_than_api_bodies(open_survey, tokens):
    csv = b"kode,nama,catatan\n" + b"".join(b"BIG-%d,Unit besar,%s\n" % (n, b"x" * 100_000) for n in range(16))
    r = open_survey.post("/api/v1/directory/import?kind=units&dry_run=true", headers=tokens("admin"),
                         data={"file": (__import__("io").BytesIO(csv), "units.csv")},
                         content_type="multipart/form-data")
    assert r.status_code == 200, r.json
    assert r.json["rows"] == 16 and r.json["created"] == 16 and r.json["dry_run"] is True


def test_an_import_with_control_characters_names_the_line(open_survey, tokens):
    csv = "kode,nama\nOK-1,Satu\nBAD-2,Dua\x0b\n"
    r = open_survey.post("/api/v1/directory/import?kind=units", headers={**tokens("admin"), "Content-Type": "text/csv"},
                         data=csv.encode())
    assert r.status_code == 422 and "line 3" in r.json["errors"]["file"][0]
    deep = "[" * 100_000 + "]" * 100_000
    r = open_survey.post("/api/v1/directory/import?kind=units",
                         headers={**tokens("admin"), "Content-Type": "application/json"}, data=deep.encode())
    assert r.status_code in (400, 422) and r.status_code != 500


def test_an_event_that_would_be_too_large_is_refused_at_intake(open_survey, tokens, org):
    codes = [f"c{i:02d}-" + "x" * 60 for i in range(100)]
    questions = [{"code": f"Q{n}", "type": "multiple", "text_id": "Pilih", "text_en": "Pick",
                  "choices": [{"value": c, "label_id": "a", "label_en": "a"} for c in codes]} for n in range(12)]
    made = open_survey.post("/api/v1/templates", headers=tokens("admin"),
                            json={"code": f"big-{uuid.uuid4().hex[:6]}", "title_id": "Besar", "title_en": "Big",
                                  "questions": questions})
    assert made.status_code == 201, made.json
    dep = open_survey.post("/api/v1/deployments", headers=tokens("admin"),
                           json={"template": made.json["code"], "unit": org.unit}).json
    r = open_survey.post("/api/v1/responses", json={"deployment": dep["code"],
                                                    "answers": {f"Q{n}": codes for n in range(12)}})
    assert r.status_code == 422 and r.json["code"] == "too_large"
    assert Response.objects(deployment=dep["code"]).count() == 0
    fits = open_survey.post("/api/v1/responses", json={"deployment": dep["code"], "answers": {"Q0": codes[:3]}})
    assert fits.status_code == 201


# -- property-based: whatever is sent, a 4xx and nothing stored ---------------------------------

def _answer_ok(v: bytes) -> bool:
    try:
        return v.decode().strip() in {"", "1", "2", "3", "4"}
    except UnicodeDecodeError:
        return False


def _profile_ok(category: str, v: bytes) -> bool:
    return v == b"" or v.decode(errors="replace") in skm.PROFILE[category]


HOSTILE_BYTES = st.one_of(
    st.sampled_from([b"a.b", b"$gt", b"$where", b"a\x00b", b"\x01" * 40, "²".encode(), "٣".encode(), b"3.5", b"-1",
                     b"4e2", b"99999999999999999999", b"1e309", b"NaN", b"[1, [2]]", b'{"$gt": 1}', b"\xff\xfe",
                     b"\xc3\x28", b"\xed\xa0\x80", b"caf\xe9", "x\u0085y".encode(), b"\x7f", "\ufffe".encode(),
                     b"P" * 300_000, b"M" * 1_100_000]),
    st.binary(max_size=12),
    st.text(max_size=12).map(str.encode),
)
FORM_MUTATIONS = st.one_of(
    st.tuples(st.sampled_from([f"a.U{i}" for i in range(1, 10)]), HOSTILE_BYTES.filter(lambda v: not _answer_ok(v))),
    st.tuples(st.sampled_from(list(skm.PROFILE)), HOSTILE_BYTES).filter(lambda m: not _profile_ok(*m)).map(
        lambda m: (f"p.{m[0]}", m[1])),
    st.tuples(st.just("comment"), st.one_of(HOSTILE_BYTES, st.just(b"y" * 2001)).filter(
        lambda v: b"\x00" in v or len(v) > 2000 or not _clean(v))),
    st.tuples(st.sampled_from(["id", "template_version"]), st.sampled_from([b"x", b"1.0", b"-1", b"00000", b"a.b"])),
    st.tuples(st.sampled_from(["zzz", "a.U10", "p.a.b", "$where", "a.", "p.", "a.U1.x", "a\x00", "csrf_token"]),
              HOSTILE_BYTES),
)


def _clean(v: bytes) -> bool:
    from shared.platform.text import clean_text
    try:
        return clean_text(v.decode())
    except UnicodeDecodeError:
        return False


@hsettings(max_examples=120, **HYPOTHESIS)
@given(mutations=st.lists(FORM_MUTATIONS, min_size=1, max_size=3), kind=st.sampled_from(["urlencoded", "multipart"]))
def test_hostile_forms_always_get_a_4xx_and_store_nothing(open_survey, deployment, mutations, kind):
    names = {n for n, _ in mutations}
    fields = [f for f in base_form() if f[0] not in names] + mutations
    r = post_form(open_survey, deployment["code"], fields, kind)
    assert 400 <= r.status_code < 500, (r.status_code, mutations)
    assert stored(deployment) == 0


HOSTILE_JSON = st.one_of(
    st.sampled_from([None, True, 3.0, 4.5, -1, 0, 5, 10**30, "4", "²", "a.b", "$gt", "\x00", "\ud800", [4], [[4]],
                     {"$gt": 1}, {"a.b": 1}, "x" * 3000]),
    st.floats(allow_nan=False), st.integers().filter(lambda n: n not in (1, 2, 3, 4)),
    st.recursive(st.integers(),
                 lambda inner: st.lists(inner, max_size=2) | st.dictionaries(st.text(max_size=3), inner, max_size=2),
                 max_leaves=6),
)
KIOSK_MUTATIONS = st.one_of(
    # None, "" and [] mean "not answered", 1-4 are answers: everything else is hostile
    st.tuples(st.just("answer"), st.sampled_from(list(SKM_ANSWERS)),
              HOSTILE_JSON.filter(lambda v: v not in (None, "", []) and not (type(v) is int and 1 <= v <= 4))),
    st.tuples(st.just("answer"), st.sampled_from(["U10", "a.b", "$where", "u1", "", "\x00"]), st.just(3)),
    st.tuples(st.just("profile"), st.sampled_from(list(skm.PROFILE) + ["a.b", "$gt"]),
              HOSTILE_JSON.filter(lambda v: v is not None)),
    st.tuples(st.just("field"), st.sampled_from(["comment", "lang", "id", "template_version", "unit", "ip", "$where",
                                                 "a.b", "answers"]),
              HOSTILE_JSON.filter(lambda v: v is not None)),
)


def _answers_ok(value) -> bool:
    unanswered = (None, "", [])
    return (isinstance(value, dict) and all(k in SKM_ANSWERS for k in value)
            and all((type(v) is int and 1 <= v <= 4) or v in unanswered for v in value.values())
            and any(v not in unanswered for v in value.values()))


def _kiosk_body(mutations) -> dict | None:
    body = {"id": str(uuid.uuid4()), "answers": dict(SKM_ANSWERS)}
    for kind, name, value in mutations:
        if kind == "answer":
            if not isinstance(body["answers"], dict):
                continue
            body["answers"][name] = value
        elif kind == "profile":
            if value in skm.PROFILE.get(name, ()):
                return None
            body["profile"] = {name: value}
        else:
            if name == "comment" and isinstance(value, str) and len(value) <= 2000 and _clean(value.encode("utf-8",
                                                                                                          "surrogatepass")):
                return None  # a valid comment
            if name == "lang" and value in ("id", "en"):
                return None
            if name == "template_version" and value == 1:
                return None
            if name == "answers" and _answers_ok(value):
                return None
            body[name] = value
    return body


@pytest.fixture
def kiosk_auth(open_survey, tokens, deployment):
    r = open_survey.post("/api/v1/kiosks", json={"device_id": f"kios-{uuid.uuid4().hex[:6]}", "name": "Loket",
                                                 "deployment": deployment["code"]}, headers=tokens("admin"))
    assert r.status_code == 201, r.json
    return {"Authorization": f"Bearer {r.json['token']}"}


@hsettings(max_examples=120, **HYPOTHESIS)
@given(mutations=st.lists(KIOSK_MUTATIONS, min_size=1, max_size=3))
def test_hostile_kiosk_bodies_always_get_a_4xx_and_store_nothing(open_survey, deployment, kiosk_auth, mutations):
    body = _kiosk_body(mutations)
    if body is None:
        return  # the mutation happened to be valid
    raw = json.dumps(body, ensure_ascii=True).encode()
    r = open_survey.post("/api/v1/responses", data=raw, content_type="application/json", headers=kiosk_auth)
    assert 400 <= r.status_code < 500, (r.status_code, mutations)
    assert stored(deployment) == 0


def test_a_kiosk_body_that_is_not_utf8_is_a_400(open_survey, deployment, kiosk_auth):
    raw = b'{"id": "%s", "answers": {"U1": 4}, "comment": "caf\xe9"}' % str(uuid.uuid4()).encode()
    r = open_survey.post("/api/v1/responses", data=raw, content_type="application/json", headers=kiosk_auth)
    assert r.status_code == 400
    assert stored(deployment) == 0
