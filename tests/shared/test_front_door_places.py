"""Where each role may go from the front door (pure: no server)."""
from __future__ import annotations

import pytest

from shared.platform import frontdoor

pytestmark = pytest.mark.unit

BASE = {"survey": "https://pemda.example/", "aggregator": "https://pemda.example/agregator",
        "notifier": "https://pemda.example/notifikasi"}
BASE = {k: v.rstrip("/") for k, v in BASE.items()}


def keys(roles):
    return [link.key for link in frontdoor.places(roles, BASE)]


def test_each_role_sees_only_the_places_it_may_use():
    assert keys(None) == ["results", "complain"]
    assert keys(["employee"]) == ["complaints", "me", "results", "complain"]
    assert keys(["kiosk"]) == ["results", "complain"]
    assert keys(["evaluator"]) == ["dashboard", "results", "complain"]
    assert keys(["supervisor"]) == ["inbox", "complaints", "results", "complain"]
    assert keys(["admin"]) == ["admin", "config", "dashboard", "inbox", "complaints", "results", "complain"]
    assert keys(["supervisor", "evaluator"]) == ["dashboard", "inbox", "complaints", "results", "complain"]
    assert keys(["supervisor", "employee"]) == ["inbox", "complaints", "me", "results", "complain"]


def test_links_follow_the_configured_public_urls_and_the_current_page_is_marked():
    links = frontdoor.places(["admin"], BASE)
    urls = {link.key: link.url for link in links}
    assert urls["admin"] == "https://pemda.example/admin"
    assert urls["config"] == "https://pemda.example/agregator/admin"
    assert urls["inbox"] == "https://pemda.example/notifikasi/inbox"
    assert frontdoor.current_key(links, "https://pemda.example/agregator/admin/rules") == "config"
    assert frontdoor.current_key(links, "https://pemda.example/admin/templates") == "admin"
    assert frontdoor.current_key(links, "https://pemda.example/administrasi") is None
    assert frontdoor.current_key(links, "https://pemda.example/agregator/results/pemda") == "results"
    assert frontdoor.current_key(links, "https://pemda.example/notifikasi/pengaduan/ADU-2026-12-000001") == "complaints"
    assert frontdoor.landing_url(BASE) == "https://pemda.example/beranda"
