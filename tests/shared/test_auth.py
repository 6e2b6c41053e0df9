from datetime import UTC, datetime

import pytest

from shared.platform.auth import AuthError, issue_token, verify_token
from shared.platform.clock import ManualClock
from shared.platform.config import Settings

pytestmark = pytest.mark.unit

SETTINGS = Settings.from_env({"TANGGAP_SECRET_KEY": "k" * 40})
NIP = "198701012010011001"


def test_token_carries_roles_and_identity():
    token = issue_token(SETTINGS, sub=NIP, roles=["supervisor", "employee"], nip=NIP)
    p = verify_token(SETTINGS, token)
    assert p.roles == ("supervisor", "employee") and p.nip == NIP and p.has("employee")


def test_expired_token_is_refused():
    clock = ManualClock(datetime(2026, 1, 1, tzinfo=UTC))
    token = issue_token(SETTINGS, sub="x", roles=["admin"], ttl_seconds=60, clock=clock)
    verify_token(SETTINGS, token, clock)
    clock.advance(seconds=61)
    with pytest.raises(AuthError, match="expired"):
        verify_token(SETTINGS, token, clock)


def test_a_token_is_judged_by_the_injected_clock_not_the_machines():
    later = ManualClock(datetime(2030, 6, 1, tzinfo=UTC))                 # years after the machine's time
    token = issue_token(SETTINGS, sub="x", roles=["admin"], ttl_seconds=60, clock=later)
    assert verify_token(SETTINGS, token, later).sub == "x"                # PyJWT alone: "not yet valid (iat)"
    later.advance(seconds=61)
    with pytest.raises(AuthError, match="expired"):
        verify_token(SETTINGS, token, later)


def test_token_signed_with_another_key_is_refused():
    other = Settings.from_env({"TANGGAP_SECRET_KEY": "z" * 40})
    with pytest.raises(AuthError):
        verify_token(SETTINGS, issue_token(other, sub="x", roles=["admin"]))
    with pytest.raises(AuthError):
        verify_token(SETTINGS, "not.a.token")


@pytest.mark.parametrize("kwargs", [
    {"roles": ["root"]}, {"roles": []}, {"roles": ["supervisor"]}, {"roles": ["kiosk"]},
])
def test_issuing_checks_roles_and_required_claims(kwargs):
    with pytest.raises(ValueError):
        issue_token(SETTINGS, sub="x", **kwargs)


def _unsigned_claims(token):
    import jwt
    return jwt.decode(token, options={"verify_signature": False})


def test_a_token_names_its_services_and_another_service_refuses_it():
    token = issue_token(SETTINGS, sub="x", roles=["admin"], services=["survey"])
    assert _unsigned_claims(token)["aud"] == ["tanggap:survey"]
    assert verify_token(SETTINGS, token, service="survey").sub == "x"
    with pytest.raises(AuthError, match="not meant for the aggregator"):
        verify_token(SETTINGS, token, service="aggregator")
    every = issue_token(SETTINGS, sub="x", roles=["admin"])
    assert all(verify_token(SETTINGS, every, service=s) for s in ("survey", "aggregator", "notifier"))
    with pytest.raises(ValueError):
        issue_token(SETTINGS, sub="x", roles=["admin"], services=["billing"])


def test_old_tokens_without_audience_work_until_they_expire_new_ones_never():
    import jwt

    from shared.platform.auth import AUDIENCE_REQUIRED_FROM
    from shared.platform.secrets import secret_key

    def legacy(issued, ttl):
        return jwt.encode({"iss": "tanggap", "sub": "old", "roles": ["admin"], "iat": int(issued.timestamp()),
                           "exp": int(issued.timestamp()) + ttl, "jti": "j1"}, secret_key(SETTINGS), algorithm="HS256")

    before = AUDIENCE_REQUIRED_FROM.replace(hour=0) - __import__("datetime").timedelta(hours=1)
    clock = ManualClock(before)
    old = legacy(before, 8 * 3600)
    assert verify_token(SETTINGS, old, clock, service="notifier").sub == "old"
    clock.advance(hours=8)
    with pytest.raises(AuthError, match="expired"):
        verify_token(SETTINGS, old, clock, service="notifier")
    new = legacy(AUDIENCE_REQUIRED_FROM, 8 * 3600)
    with pytest.raises(AuthError, match="no audience"):
        verify_token(SETTINGS, new, ManualClock(AUDIENCE_REQUIRED_FROM), service="notifier")
