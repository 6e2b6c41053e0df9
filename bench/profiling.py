"""Where the time goes: a cProfile run summed by what the code spends it on.

Exclusive time (``tottime``) of every function is put in one bucket by where the function
lives, so the buckets add up to the profiled time without double counting.
"""
from __future__ import annotations

import pstats

# (bucket, substrings of the file path or the builtin's name), first match wins
BUCKETS = (
    ("database I/O (pymongo, waiting for FerretDB)", ("pymongo", "bson", "mongoengine")),
    ("Kafka client (kafka-python)", ("/kafka/",)),
    ("HTTP stack (Flask, Werkzeug, flask-smorest)", ("flask", "werkzeug", "flask_smorest", "webargs")),
    ("validation (marshmallow)", ("marshmallow",)),
    ("JSON", ("json",)),
    ("Tanggap code (services/, shared/)", ("/services/", "/shared/")),
    ("sockets and waiting (select, recv, send)", ("recv", "send", "select", "poll", "epoll", "socket", "sleep",
                                                  "acquire", "wait")),
)
OTHER = "other Python and standard library"


def bucket_of(filename: str, name: str) -> str:
    where = f"{filename} {name}" if filename != "~" else name
    for bucket, needles in BUCKETS:
        if any(n in where for n in needles):
            return bucket
    return OTHER


def breakdown(stats: pstats.Stats) -> dict:
    """{"total_s", "buckets": [[bucket, seconds, share]], "top": [[function, cumulative s]]}."""
    totals: dict[str, float] = {}
    rows = []
    for (filename, line, name), (_cc, _nc, tt, ct, _callers) in stats.stats.items():
        b = bucket_of(filename, name)
        totals[b] = totals.get(b, 0.0) + tt
        rows.append((ct, _label(filename, line, name)))
    total = sum(totals.values()) or 1.0
    buckets = sorted(([b, round(s, 3), round(s / total, 3)] for b, s in totals.items()), key=lambda r: -r[1])
    top = [[label, round(ct, 3)] for ct, label in sorted(rows, reverse=True)[:25]]
    return {"total_s": round(total, 3), "buckets": buckets, "top": top}


def _label(filename: str, line: int, name: str) -> str:
    if filename == "~":
        return name
    for marker in ("site-packages/", "wt-bench/", "/lib/python3"):
        if marker in filename:
            filename = filename.split(marker, 1)[1]
            break
    return f"{filename}:{line}({name})"


def load(path) -> dict:
    return breakdown(pstats.Stats(str(path)))


def phases(stats: pstats.Stats, wanted: dict[str, tuple[str, str]]) -> dict[str, float]:
    """Cumulative seconds of named functions: label -> (path substring, function name)."""
    out = {}
    for label, (path, func) in wanted.items():
        out[label] = round(sum(ct for (filename, _, name), (_, _, _, ct, _) in stats.stats.items()
                               if name == func and path in filename), 3)
    return out
