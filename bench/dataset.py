"""The synthetic organisation and response events the benchmarks use.

200 units, 10,000 employees (50 per unit, each the officer at a counter), 5 services per
unit; answers mostly 3 and 4 with some 2s (IKM around B), so a few officers cross the
coaching threshold the way they would in a real year. Events are encoded straight to bytes
(the envelope the survey relay publishes), fast enough to preload a million.
"""
from __future__ import annotations

import json
import random
from dataclasses import dataclass

UNSUR = ("U1", "U2", "U3", "U4", "U5", "U6", "U7", "U8", "U9")
SKM_TYPE = "skm.response.submitted"
YEAR = 2026


@dataclass(frozen=True)
class Org:
    units: tuple[str, ...]
    employees: tuple[str, ...]          # NIPs; employee i works in unit i // per_unit
    services: tuple[str, ...]
    per_unit: int

    def unit_of(self, i: int) -> str:
        return self.units[i // self.per_unit]


def nip(i: int) -> str:
    """A plausible 18-digit NIP: born 1985-01-01, appointed 2010-01, sequence ``i``."""
    return f"19850101201001{i:04d}"


def make_org(units: int = 200, employees: int = 10_000, services: int = 5) -> Org:
    return Org(units=tuple(f"U{n:03d}" for n in range(units)),
               employees=tuple(nip(i) for i in range(employees)),
               services=tuple(f"L{n}" for n in range(services)), per_unit=max(1, employees // units))


def answers(rng: random.Random) -> dict[str, int]:
    return {code: rng.choices((4, 3, 2), (45, 45, 10))[0] for code in UNSUR}


def months(year: int = YEAR) -> list[str]:
    return [f"{year}-{m:02d}" for m in range(1, 13)]


def _uuid(rng: random.Random) -> str:
    h = f"{rng.getrandbits(128):032x}"
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-a{h[17:20]}-{h[20:]}"


_TEMPLATE = ('{"event_id":"%s","type":"' + SKM_TYPE + '","schema_version":1,"occurred_at":"%s",'
             '"producer":"survey","key":"%s","payload":{"response_id":"%s","unit":"%s","service":"%s",'
             '"officer":"%s","template_version":1,"period":"%s","submitted_at":"%s","answers":%s,'
             '"profile":{"sex":"%s"},"channel":"web","client_hash":null,"has_comment":false}}')


def _rows(org: Org, count: int, seed: int):
    """The random draws behind each response: (unit, service, officer, period, time, answers
    index, event id, response id, sex), spread evenly over the months of a year in month order."""
    rng = random.Random(seed)
    periods = months()
    per_month = -(-count // len(periods))
    made = 0
    n_emp, services = len(org.employees), org.services
    for period in periods:
        for _ in range(min(per_month, count - made)):
            i = rng.randrange(n_emp)
            unit = org.unit_of(i)
            at = f"{period}-{rng.randint(1, 28):02d}T0{rng.randint(0, 8)}:{rng.randint(10, 59)}:00+00:00"
            yield (unit, services[i % len(services)], org.employees[i], period, at, rng.getrandbits(12),
                   _uuid(rng), _uuid(rng), "LP"[i & 1])
            made += 1


def _pool(seed: int) -> list[dict]:
    rng = random.Random(seed ^ 0x5EED)
    return [answers(rng) for _ in range(4096)]


def events(org: Org, count: int, seed: int = 7):
    """``count`` (key, value) pairs: SKM response events as the relay publishes them (the
    envelope and payload, compact JSON), a year replayed in month order, each naming a
    random officer of their unit and one of its services. Built from a pool of answer sets
    so that a million take seconds, not minutes."""
    pool = [json.dumps(a, separators=(",", ":")) for a in _pool(seed)]
    for unit, service, officer, period, at, a, event_id, response_id, sex in _rows(org, count, seed):
        value = _TEMPLATE % (event_id, at, unit, response_id, unit, service, officer, period, at, pool[a], sex)
        yield unit.encode(), value.encode()


def payloads(org: Org, count: int, seed: int = 7):
    """The same responses as :func:`events` (same seed, same draws) as payload dicts,
    without JSON: for folding state in-process. Answer dicts are shared; do not mutate."""
    pool = _pool(seed)
    for unit, service, officer, period, at, a, _, response_id, sex in _rows(org, count, seed):
        yield {"response_id": response_id, "unit": unit, "service": service, "officer": officer,
               "template_version": 1, "period": period, "submitted_at": at, "answers": pool[a],
               "profile": {"sex": sex}, "channel": "web", "client_hash": None, "has_comment": False}
