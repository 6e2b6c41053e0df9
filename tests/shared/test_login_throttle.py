"""Login throttling: per address, per user name and per pair, before any password is hashed,
the same answer for unknown names, attempts kept in hourly collections dropped whole."""
from __future__ import annotations

import random
import re
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from shared.records import login_attempts
from shared.records.login_attempts import ADDRESS_FAILURES, PAIR_FAILURES, USER_FAILURES, WINDOW, Keys, decide
from shared.records.users import WebUser, hash_password

T0 = datetime(2026, 11, 23, 3, 0, tzinfo=UTC)
K = Keys(pair="p", user="u", address="a")


def fails(key: str, n: int, start: datetime = T0, ok: bool = False) -> list[dict]:
    return [{"key": key, "ok": ok, "at": start + timedelta(seconds=i)} for i in range(n)]


@pytest.mark.unit
def test_each_limit_blocks_until_its_oldest_counted_failure_leaves_the_window():
    now = T0 + timedelta(minutes=1)
    assert decide(fails("p", PAIR_FAILURES - 1), K, now) is None
    assert decide(fails("p", PAIR_FAILURES), K, now) == T0 + WINDOW
    assert decide(fails("u", USER_FAILURES - 1), K, now) is None
    assert decide(fails("u", USER_FAILURES), K, now) == T0 + WINDOW
    assert decide(fails("a", ADDRESS_FAILURES - 1), K, now) is None
    assert decide(fails("a", ADDRESS_FAILURES + 3), K, now) == T0 + timedelta(seconds=3) + WINDOW
    assert decide(fails("a", ADDRESS_FAILURES), K, T0 + WINDOW + timedelta(seconds=1)) is None  # left the window


@pytest.mark.unit
def test_a_success_clears_only_the_pairs_run():
    now = T0 + timedelta(minutes=1)
    ok = {"key": "p", "ok": True, "at": T0 + timedelta(seconds=30)}
    assert decide(fails("p", PAIR_FAILURES) + [ok], K, now) is None
    assert decide(fails("u", USER_FAILURES) + [ok], K, now) is not None   # others guessing this name still count
    assert decide(fails("a", ADDRESS_FAILURES) + [ok], K, now) is not None


@pytest.mark.unit
def test_keys_hide_names_and_addresses_and_an_ipv6_client_is_its_64():
    k = login_attempts.keys("s" * 40, "Siti", "2001:db8:1:2::5")
    assert k == login_attempts.keys("s" * 40, "  siti ", "2001:db8:1:2:ffff::9")
    assert k.address != login_attempts.keys("s" * 40, "siti", "2001:db8:1:3::5").address
    assert "siti" not in repr(k) and "2001" not in repr(k)
    assert login_attempts.keys("s" * 40, "x", "::ffff:10.1.2.3").address == login_attempts.keys("s" * 40, "x",
                                                                                                "10.1.2.3").address


@pytest.mark.unit
def test_buckets_cover_the_window():
    assert login_attempts.buckets(datetime(2026, 1, 1, 9, 50, tzinfo=UTC), datetime(2026, 1, 1, 10, 5, tzinfo=UTC)) == [
        "web_login_attempts_2026010109", "web_login_attempts_2026010110"]



def address() -> str:
    return f"198.51.{random.randrange(256)}.{random.randrange(1, 255)}"


def post_login(client, username, password, addr):
    page = client.get("/login", environ_base={"REMOTE_ADDR": addr})
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    return client.post("/login", data={"username": username, "password": password, "csrf_token": token},
                       environ_base={"REMOTE_ADDR": addr})


@pytest.fixture
def user(settings, clock):
    name = f"thr-{uuid.uuid4().hex[:6]}"
    WebUser.save_revision(name, {"password_hash": hash_password("rahasia-sekali"), "roles": ["evaluator"]},
                          at=clock.now(), by="test")
    return name


@pytest.mark.integration
def test_guessing_many_names_from_one_address_is_throttled_per_address(aggregator_app, user, clock):
    client, addr = aggregator_app.test_client(), address()
    answers = [post_login(client, f"nobody-{i}-{uuid.uuid4().hex[:4]}", "salah-salah", addr).status_code
               for i in range(ADDRESS_FAILURES + 2)]
    assert answers[:ADDRESS_FAILURES] == [401] * ADDRESS_FAILURES
    assert answers[ADDRESS_FAILURES:] == [429, 429]
    blocked = post_login(client, user, "rahasia-sekali", addr)     # even the right password waits
    assert blocked.status_code == 429 and int(blocked.headers["Retry-After"]) > 0
    assert post_login(aggregator_app.test_client(), user, "rahasia-sekali", address()).status_code == 302
    clock.advance(seconds=int(WINDOW.total_seconds()) + 60)
    assert post_login(client, user, "rahasia-sekali", addr).status_code == 302


@pytest.mark.integration
def test_one_name_guessed_from_many_addresses_is_throttled_per_name(aggregator_app, user):
    client = aggregator_app.test_client()
    answers = [post_login(client, user, f"salah-{i}-sekali", address()).status_code for i in range(USER_FAILURES + 1)]
    assert answers == [401] * USER_FAILURES + [429]
    assert post_login(client, user, "rahasia-sekali", address()).status_code == 429


@pytest.mark.integration
def test_an_unknown_name_gets_the_same_answers_as_a_known_one(aggregator_app, user):
    def run(name):
        client, addr = aggregator_app.test_client(), address()
        answers = [post_login(client, name, "salah-sekali", addr) for _ in range(PAIR_FAILURES + 1)]
        return [(r.status_code, re.sub(r"\d+", "n", re.search(r'role="alert">(.*?)<', r.text).group(1)))
                for r in answers]
    assert run(user) == run(f"ghost-{uuid.uuid4().hex[:6]}")


@pytest.mark.integration
def test_old_buckets_are_dropped_whole(fresh_settings, clock):
    from shared.platform.web import create_service_app, enable_pages
    app = create_service_app("pages-test", title="t", description="t", settings=fresh_settings, clock=clock)
    enable_pages(app)
    client = app.test_client()
    post_login(client, "someone", "salah-sekali", address())
    from mongoengine.connection import get_db
    names = lambda: sorted(n for n in get_db().list_collection_names() if n.startswith(login_attempts.PREFIX))  # noqa: E731
    assert names() == ["web_login_attempts_2026112303"]
    clock.advance(hours=3)
    post_login(client, "someone", "salah-sekali", address())
    assert names() == ["web_login_attempts_2026112306"]
