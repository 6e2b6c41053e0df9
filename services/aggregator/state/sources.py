"""Where the responses about an officer came from: how many distinct clients, how many
through a kiosk at the counter, and bursts. Pure functions, no I/O.

A citizen's SKM event carries ``client_hash`` (a keyed hash of the client's address, made by
the survey service; never the address). The fold keeps, per officer, unit and month, the
responses per hour (UTC) and client (:func:`record`): ``hours`` is
``{"YYYY-MM-DDTHH": {tag: n}}``, a tag being the first :data:`TAG_LENGTH` characters of the
client hash, and ``kiosk`` counts the responses entered on a registered kiosk. A kiosk
stands at the counter and is one client address for everyone it serves, so its responses
are the counter's trusted channel: each counts as a source of its own, reported separately.

Coaching rules about a person need responses from several sources (:attr:`Sources.independent`), so a
handful of people (or one script behind rotating requests from few addresses) cannot open a
case about an officer; the dashboard lists :func:`bursts`.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

TAG_LENGTH = 12
UNKNOWN = "-"            # a response whose client address was not known: one client for all of them
BURST_RESPONSES = 10     # a burst: at least this many responses about one officer in one day ...
BURST_CLIENTS = 3        # ... from at most this many distinct clients (kiosk responses excluded)
KIOSK = "kiosk"


def hour_of(payload: Mapping[str, Any]) -> str:
    """The UTC hour a response was submitted in, ``YYYY-MM-DDTHH`` (the contract makes
    ``submitted_at`` an aware ISO date-time)."""
    try:
        at = datetime.fromisoformat(str(payload.get("submitted_at")))
    except ValueError:
        return UNKNOWN
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H") if at.tzinfo else UNKNOWN


def record(officer_totals: dict[str, Any], payload: Mapping[str, Any]) -> None:
    """Fold where one SKM response about an officer came from into its state (in place)."""
    if payload.get("channel") == KIOSK:
        officer_totals[KIOSK] = officer_totals.get(KIOSK, 0) + 1
        return
    clients = officer_totals.setdefault("hours", {}).setdefault(hour_of(payload), {})
    tag = str(payload.get("client_hash") or UNKNOWN)[:TAG_LENGTH]
    clients[tag] = clients.get(tag, 0) + 1


@dataclass
class Sources:
    """The sources of an officer's responses over some months and units."""

    kiosk: int = 0
    hours: dict[str, dict[str, int]] = field(default_factory=dict)

    def merge(self, officer_totals: Mapping[str, Any]) -> Sources:
        self.kiosk += int(officer_totals.get(KIOSK) or 0)
        for hour, clients in (officer_totals.get("hours") or {}).items():
            into = self.hours.setdefault(hour, {})
            for tag, n in clients.items():
                into[tag] = into.get(tag, 0) + int(n)
        return self

    @property
    def clients(self) -> int:
        """Distinct clients outside the kiosks."""
        return len({tag for clients in self.hours.values() for tag in clients})

    @property
    def other_responses(self) -> int:
        return sum(n for clients in self.hours.values() for n in clients.values())

    @property
    def independent(self) -> int:
        """What a rule's ``min_clients`` is compared with: distinct clients, plus each
        response from a kiosk at the counter."""
        return self.clients + self.kiosk

    def to_dict(self) -> dict[str, int]:
        return {"clients": self.clients, "responses_other": self.other_responses, "kiosk": self.kiosk}


def sources(docs: Iterable[Mapping[str, Any]], only: set[str] | None = None) -> dict[str, Sources]:
    """NIP -> sources over ``skm-officers`` state documents (several units and months)."""
    out: dict[str, Sources] = {}
    for doc in docs:
        for nip, totals in (doc.get("officers") or {}).items():
            if only is None or nip in only:
                out.setdefault(nip, Sources()).merge(totals)
    return out


@dataclass(frozen=True)
class Burst:
    officer: str
    day: str
    responses: int
    clients: int
    top_client_percent: int   # share of the day's responses from its busiest client, % rounded half-up


def local_days(hours: Mapping[str, Mapping[str, int]], timezone: str) -> dict[str, dict[str, int]]:
    """Responses per client by local day (``YYYY-MM-DD`` in ``timezone``) from UTC hours."""
    zone = ZoneInfo(timezone)
    out: dict[str, dict[str, int]] = {}
    for hour, clients in hours.items():
        try:
            day = datetime.strptime(hour, "%Y-%m-%dT%H").replace(tzinfo=UTC).astimezone(zone).strftime("%Y-%m-%d")
        except ValueError:
            day = UNKNOWN
        into = out.setdefault(day, {})
        for tag, n in clients.items():
            into[tag] = into.get(tag, 0) + n
    return out


def bursts(by_officer: Mapping[str, Sources], timezone: str) -> list[Burst]:
    """Local days on which an officer got many responses from few clients, busiest first."""
    out = []
    for nip, found in by_officer.items():
        for day, clients in local_days(found.hours, timezone).items():
            total = sum(clients.values())
            if total >= BURST_RESPONSES and len(clients) <= BURST_CLIENTS:
                out.append(Burst(nip, day, total, len(clients), (200 * max(clients.values()) + total) // (2 * total)))
    return sorted(out, key=lambda b: (-b.responses, b.day, b.officer))
