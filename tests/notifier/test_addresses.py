"""Which webhook URLs a supervisor may set: public addresses only (pure rules, a table for DNS)."""
from __future__ import annotations

import pytest

from services.notifier.channels.addresses import Allowlist, Refused, check, unchecked

pytestmark = pytest.mark.unit

PUBLIC = "93.184.216.34"
DNS = {
    "hooks.pemda.example": [PUBLIC, "2606:2800:220:1::1"],
    "metadata.example": ["169.254.169.254"],
    "half.example": [PUBLIC, "10.0.0.7"],        # one internal answer is enough to refuse
    "mapped.example": ["::ffff:127.0.0.1"],
    "hooks.pemda.local": ["10.20.1.5"],
    "api.svc.pemda.local": ["10.20.9.9"],
    "meta.svc.pemda.local": ["169.254.169.254"],
    "self.svc.pemda.local": ["10.20.9.9", "127.0.0.5"],
    "evilsvc.pemda.local": ["10.0.0.1"],
}


def table(host, port):
    if host not in DNS:
        raise OSError("unknown host")
    return DNS[host]


NONE = Allowlist.parse("")

# Every URL of the issue report, and the other ways to write the same places.
INTERNAL = [
    "http://127.0.0.1:9/", "http://localhost:8002/hooks", "http://LOCALHOST./x", "http://app.localhost/",
    "http://169.254.169.254/latest/meta-data/", "http://10.1.2.3/", "http://192.168.0.1/", "http://172.16.5.4/",
    "http://[::1]:8001/", "http://0.0.0.0:8003/", "http://2130706433/", "http://127.1/", "http://0x7f.1/",
    "http://017700000001/", "http://127.0.0.1./", "http://0177.0.0.1/", "http://[::ffff:127.0.0.1]/",
    "http://[::ffff:7f00:1]/", "http://[fe80::1]/", "http://[fd00::1]/", "http://[::]/", "http://100.64.0.1/",
    "http://224.0.0.1/", "http://255.255.255.255/", "http://240.0.0.1/", "http://[2002:7f00:1::]/",
    "http://[64:ff9b::a9fe:a9fe]/", "http://metadata.example/", "http://half.example/", "http://mapped.example/",
    "http://0.1.2.3/", "http://198.18.0.1/", "http://[fec0::1]/", "http://192.0.0.8/", "http://192.88.99.1/",
    "http://[::127.0.0.1]/", "http://[fe80::1%25eth0]/",
]


@pytest.mark.parametrize("url", INTERNAL)
def test_an_internal_address_is_refused_with_the_reason(url):
    with pytest.raises(Refused) as refused:
        check(url, NONE, table)
    assert "public" in str(refused.value) or "numeric" in str(refused.value)


@pytest.mark.parametrize("url, why", [
    ("ftp://hooks.pemda.example/", "http and https"), ("file:///etc/passwd", "http and https"),
    ("gopher://hooks.pemda.example/", "http and https"), ("http://user:pw@hooks.pemda.example/", "credentials"),
    ("http://nowhere.example/", "resolved"), ("http://hooks.pemda.example:99999/", "port"),
    ("http://bad_name.example/", "not valid"), ("https:///path", "no host"),
    ("http://hooks.pemda.example/a b", "spaces"), ("http://hooks.pemda.example:0/", "port 0"),
])
def test_what_is_not_a_usable_url_is_refused(url, why):
    with pytest.raises(Refused, match=why):
        check(url, NONE, table)


def test_a_public_host_gives_every_checked_address_and_the_request_target():
    dest = check("https://Hooks.Pemda.example/in?x=1", NONE, table)
    assert (dest.scheme, dest.host, dest.port, dest.target) == ("https", "hooks.pemda.example", 443, "/in?x=1")
    assert dest.addresses == (PUBLIC, "2606:2800:220:1::1")
    assert check(f"http://{PUBLIC}:8080", NONE, table).addresses == (PUBLIC,)
    assert check("http://[2606:2800:220:1::1]/", NONE, table).host == "2606:2800:220:1::1"


def test_the_operator_allows_internal_receivers_by_name_domain_or_network():
    allowed = Allowlist.parse(" hooks.pemda.local, .svc.pemda.local ,127.0.0.1, 192.168.10.0/24 ")
    assert check("http://hooks.pemda.local/x", allowed, table).addresses == ("10.20.1.5",)
    assert check("http://api.svc.pemda.local/x", allowed, table).addresses == ("10.20.9.9",)
    assert check("http://127.0.0.1:8001/x", allowed, table).addresses == ("127.0.0.1",)
    assert check("http://192.168.10.77/", allowed, table).port == 80
    for url in ("http://192.168.11.1/", "http://127.0.0.2/", "http://metadata.example/", "http://localhost/",
                "http://evilsvc.pemda.local/", "http://meta.svc.pemda.local/",   # an allowed name: never
                "http://self.svc.pemda.local/"):                                # this machine or metadata
        with pytest.raises(Refused):
            check(url, allowed, table)


def test_the_operators_own_url_is_not_checked():
    assert unchecked("http://127.0.0.1:9000/hook", table).addresses == ("127.0.0.1",)
    assert unchecked("http://hooks.pemda.local/", table).addresses == ("10.20.1.5",)
    with pytest.raises(Refused):
        unchecked("ftp://127.0.0.1/", table)
