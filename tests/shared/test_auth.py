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
