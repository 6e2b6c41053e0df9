"""Where a supervisor's webhook may point: public internet addresses only, unless the operator
allows a host.

A webhook URL a supervisor types is a request the notifier will make from inside the
Pemda's network, so it must never reach what only that network can reach: the services
themselves, the database, a cloud metadata endpoint, a router. :func:`check` reads the URL,
resolves its host (with the resolver it is given: the system's in production, a table in
tests) and refuses it unless *every* address is public. The caller then connects to one of
the checked addresses, never to a fresh lookup of the name, so a DNS answer that changes
between the check and the request (rebinding) gains nothing.

Refused: schemes other than http and https, credentials in the URL, loopback, private
(RFC 1918, ``0.0.0.0/8``, shared ``100.64.0.0/10``), link-local (``169.254.0.0/16``,
``fe80::/10``), unique-local (``fc00::/7``), multicast, unspecified, reserved and other
non-global ranges, IPv6 forms that embed such an IPv4 address (mapped, 6to4, NAT64), and
numeric host names in any form but the standard dotted quad (``2130706433``, ``127.1``,
``0x7f.1``, ``017700000001``), which libraries disagree about.

``NOTIFIER_WEBHOOK_ALLOWED_HOSTS`` (comma-separated) lets the operator name internal
receivers: a host name (``hooks.pemda.local``), a domain and its subdomains
(``.pemda.local``), an address or a network (``10.20.0.0/16``, ``127.0.0.1``). An allowed
name may resolve to private addresses, never to loopback, link-local (the metadata
endpoint), unspecified or multicast ones: only a listed address or network opens those. The
operator's own global webhook (``NOTIFIER_WEBHOOK_URL``) is not checked at all.
"""
from __future__ import annotations

import ipaddress
import re
import socket
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from urllib.parse import urlsplit

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Resolver = Callable[[str, int], Sequence[str]]

NUMERIC_HOST = re.compile(r"^(0x[0-9a-f]*|[0-9]+)(\.(0x[0-9a-f]*|[0-9]+))*\.?$")
HOST_NAME = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)(\.(?!-)[a-z0-9-]{1,63}(?<!-))*\.?$")
NAT64 = ipaddress.ip_network("64:ff9b::/96")
UNSENDABLE = re.compile(r"[\x00-\x20\x7f]")  # what an HTTP request line cannot carry
# Ranges the standard library counts as global that are not one public host.
NOT_A_HOST = {ipaddress.ip_network(n): why for n, why in (
    ("192.0.0.0/24", "an IETF protocol range"), ("192.88.99.0/24", "a 6to4 relay (anycast)"),
    ("fec0::/10", "site-local"), ("2001:db8::/32", "documentation"), ("100::/64", "discard-only"))}
# Never reached through an allowed host name either: only an allowed network opens these.
THIS_MACHINE = ("loopback", "link-local", "unspecified", "multicast", "scoped (link-local)")
LOCAL_NAMES = ("localhost", "localhost.localdomain")


class Refused(ValueError):
    """The URL may not be used; ``str(exc)`` says why (no personal data: only the host's class)."""


@dataclass(frozen=True)
class Destination:
    """A URL taken apart, with the addresses to connect to (in the resolver's order)."""

    scheme: str
    host: str            # the name for the Host header and TLS (IPv6 without brackets)
    port: int
    target: str          # path and query, as sent in the request line
    addresses: tuple[str, ...]


@dataclass(frozen=True)
class Allowlist:
    names: frozenset[str] = frozenset()
    suffixes: tuple[str, ...] = ()
    networks: tuple[Network, ...] = ()

    @classmethod
    def parse(cls, text: str) -> Allowlist:
        names, suffixes, networks = set(), [], []
        for raw in text.split(","):
            entry = raw.strip().lower().rstrip(".")
            if not entry:
                continue
            try:
                networks.append(ipaddress.ip_network(entry.strip("[]"), strict=False))
                continue
            except ValueError:
                pass
            if entry.startswith("."):
                suffixes.append(entry)
            else:
                names.add(entry)
        return cls(frozenset(names), tuple(suffixes), tuple(networks))

    def names_host(self, host: str) -> bool:
        host = host.rstrip(".")
        return host in self.names or any(host.endswith(s) or host == s[1:] for s in self.suffixes)

    def covers(self, address: Address) -> bool:
        return any(address in n for n in self.networks)


_LOOKUPS = ThreadPoolExecutor(max_workers=16, thread_name_prefix="resolve")
RESOLVE_TIMEOUT_S = 5.0


def system_resolver(host: str, port: int) -> list[str]:
    """The system's answer (``getaddrinfo``), waited for at most :data:`RESOLVE_TIMEOUT_S`."""
    lookup = _LOOKUPS.submit(socket.getaddrinfo, host, port, type=socket.SOCK_STREAM)
    try:
        infos = lookup.result(timeout=RESOLVE_TIMEOUT_S)
    except FutureTimeout:
        lookup.cancel()  # if it has not started; a running lookup ends by the system's own timeouts
        raise OSError("name resolution took too long") from None
    return [str(info[4][0]) for info in infos]


def why_not_public(address: Address) -> str | None:
    """None for a public address, else the name of the range it is in."""
    if isinstance(address, ipaddress.IPv6Address):
        embedded = address.ipv4_mapped or address.sixtofour
        if embedded is None and address in NAT64:
            embedded = ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
        if embedded is not None:
            inner = why_not_public(embedded)
            return f"{inner} (inside an IPv6 address)" if inner else None
        if address.teredo:
            return "a tunnel (Teredo)"
        if address.scope_id:
            return "scoped (link-local)"
    for network, why in NOT_A_HOST.items():
        if address.version == network.version and address in network:
            return why
    if address.is_loopback:
        return "loopback"
    if address.is_unspecified:
        return "unspecified"
    if address.is_link_local:
        return "link-local"
    if address.is_multicast:
        return "multicast"
    if isinstance(address, ipaddress.IPv6Address) and address in ipaddress.ip_network("fc00::/7"):
        return "unique-local"
    if address.is_private:
        return "private"
    if address.is_reserved:
        return "reserved"
    if not address.is_global:
        return "not public"
    return None


def split(url: str) -> tuple[str, str, int, str]:
    """(scheme, host, port, target) of an http(s) URL; :class:`Refused` when it is not one."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise Refused("the URL cannot be read (host or port)") from None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise Refused("only http and https URLs are accepted")
    if parts.username is not None or parts.password is not None:
        raise Refused("credentials in the URL are not accepted (the webhook secret signs each request)")
    host = (parts.hostname or "").lower()
    if not host:
        raise Refused("the URL has no host")
    if not host.isascii():
        try:
            host = host.encode("idna").decode("ascii")
        except UnicodeError:
            raise Refused("the host name cannot be encoded") from None
    if port == 0:
        raise Refused("port 0 is not a port to send to")
    target = parts.path or "/"
    if parts.query:
        target += "?" + parts.query
    if UNSENDABLE.search(target):
        raise Refused("the path contains spaces or control characters (encode them as %20 ...)")
    return scheme, host, port or (443 if scheme == "https" else 80), target


def literal(host: str) -> Address | None:
    """The address a host written as a number means, or None for a name.

    Only the standard forms count: a dotted quad and IPv6; any other all-numeric host is
    refused rather than guessed at.
    """
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        pass
    if NUMERIC_HOST.match(host) or host.rsplit(".", 1)[-1].isdigit():
        raise Refused("numeric host in a non-standard form (write the address as a.b.c.d)")
    return None


def check(url: str, allowed: Allowlist, resolve: Resolver) -> Destination:
    """The destination of a supervisor-set URL, every address checked; :class:`Refused` if any is internal."""
    scheme, host, port, target = split(url)
    address = literal(host)
    if address is not None:
        reason = None if allowed.covers(address) else why_not_public(address)
        if reason:
            raise Refused(f"the address is {reason}: webhooks go only to public addresses")
        return Destination(scheme, host, port, target, (str(address),))
    if not HOST_NAME.match(host):
        raise Refused("the host name is not valid")
    if host.rstrip(".") in LOCAL_NAMES or host.rstrip(".").endswith(".localhost"):
        raise Refused("the host is this machine (localhost): webhooks go only to public addresses")
    named = allowed.names_host(host)
    found = resolved(host, port, resolve)
    for text in found:
        address = ipaddress.ip_address(text)
        reason = None if allowed.covers(address) else why_not_public(address)
        if reason and named and not reason.startswith(THIS_MACHINE):
            continue  # an allowed internal receiver, but never this machine or its metadata endpoint
        if reason:
            raise Refused(f"the host resolves to an address that is {reason}: webhooks go only to public "
                          "addresses")
    return Destination(scheme, host, port, target, found)


def unchecked(url: str, resolve: Resolver) -> Destination:
    """The destination of the operator's own URL: any address, nothing refused but a broken URL."""
    scheme, host, port, target = split(url)
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return Destination(scheme, host, port, target, resolved(host, port, resolve))
    return Destination(scheme, host, port, target, (str(address),))


def resolved(host: str, port: int, resolve: Resolver) -> tuple[str, ...]:
    try:
        found = tuple(dict.fromkeys(resolve(host, port)))
    except (OSError, UnicodeError):
        raise Refused("the host name could not be resolved") from None
    if not found:
        raise Refused("the host name could not be resolved")
    for text in found:
        try:
            ipaddress.ip_address(text)
        except ValueError:
            raise Refused("the host name resolved to something that is not an address") from None
    return found
