"""The storage contract: every query shape and write the project relies on, with the exact
answer expected. They run against whatever MONGODB_URI names (FerretDB in `make test`, and
unchanged against MongoDB 7), so a server that behaves differently fails here, loudly, rather
than in an indicator.

What the code deliberately does NOT rely on (FerretDB gets it wrong or lacks it, see
docs/storage.md): atomic read-modify-write ($inc or conditional updates racing), $group with
several accumulators, $avg/$min/$max/$push, $elemMatch on embedded documents, expressions,
$lookup/$facet, TTL and text indexes, multi-document transactions, nested arrays.
"""
from __future__ import annotations

import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import pymongo
import pytest
from pymongo import ASCENDING, DESCENDING, ReplaceOne, UpdateOne
from pymongo.errors import BulkWriteError, DuplicateKeyError

pytestmark = pytest.mark.integration


@pytest.fixture
def db(settings):
    client = pymongo.MongoClient(settings.mongodb_uri, maxPoolSize=250, tz_aware=True,
                                 serverSelectionTimeoutMS=10000)
    database = client[f"{settings.mongodb_db}_contract"]
    yield database
    client.drop_database(database.name)
    client.close()


def coll(db, name=None):
    return db[name or f"c_{uuid.uuid4().hex[:8]}"]


def test_unique_index_refuses_a_second_insert(db):
    c = coll(db)
    c.insert_one({"_id": "r1", "v": 1})
    with pytest.raises(DuplicateKeyError):
        c.insert_one({"_id": "r1", "v": 2})
    assert c.find_one({"_id": "r1"}) == {"_id": "r1", "v": 1}


def test_unique_compound_index_is_the_revision_claim(db):
    c = coll(db)
    c.create_index([("code", ASCENDING), ("rev", ASCENDING)], unique=True)
    c.insert_one({"code": "A", "rev": 1})
    c.insert_one({"code": "B", "rev": 1})
    with pytest.raises(DuplicateKeyError):
        c.insert_one({"code": "A", "rev": 1})
    c.insert_one({"code": "A", "rev": 2})
    assert c.count_documents({"code": "A"}) == 2


def test_unique_sparse_index_ignores_documents_without_the_field(db):
    c = coll(db)
    c.create_index("claim", unique=True, sparse=True)
    c.insert_many([{"n": 1}, {"n": 2}, {"claim": "x"}])
    with pytest.raises(DuplicateKeyError):
        c.insert_one({"claim": "x"})
    assert c.count_documents({}) == 3


def test_racing_inserts_of_one_key_have_exactly_one_winner(db):
    c = coll(db)
    wins = []
    barrier = threading.Barrier(8)

    def claim(i):
        barrier.wait()
        try:
            c.insert_one({"_id": "the-claim", "by": i})
            wins.append(i)
        except DuplicateKeyError:
            pass

    for _ in range(10):
        c.delete_many({})
        wins.clear()
        threads = [threading.Thread(target=claim, args=(i,)) for i in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert len(wins) == 1
        assert c.find_one({"_id": "the-claim"})["by"] == wins[0]


def test_insert_many_unordered_reports_exactly_the_duplicates(db):
    c = coll(db)
    c.insert_one({"_id": 3})
    with pytest.raises(BulkWriteError) as exc:
        c.insert_many([{"_id": i} for i in range(6)], ordered=False)
    errors = exc.value.details["writeErrors"]
    assert [(e["index"], e["code"]) for e in errors] == [(3, 11000)]
    assert sorted(d["_id"] for d in c.find()) == [0, 1, 2, 3, 4, 5]


def test_highest_revision_by_sort_and_limit(db):
    c = coll(db)
    c.insert_many([{"code": "K", "rev": r} for r in (1, 3, 2)] + [{"code": "L", "rev": 9}])
    assert c.find({"code": "K"}).sort("rev", DESCENDING).limit(1)[0]["rev"] == 3


def test_filters_the_code_uses(db):
    c = coll(db)
    c.insert_many([
        {"_id": 1, "superseded": False, "unit": "A", "published": False, "outbox": {"key": "A"}, "partition": 0,
         "offset": 5},
        {"_id": 2, "superseded": True, "unit": "A", "published": True, "outbox": {"key": "A"}, "partition": 0,
         "offset": 7},
        {"_id": 3, "superseded": False, "unit": "B", "published": True, "outbox": {"key": "B"}, "partition": 1,
         "offset": 2},
        {"_id": 4, "superseded": False, "unit": "B", "officers": {"198501012010011001": {"n": 1}}},
    ])
    assert sorted(d["_id"] for d in c.find({"superseded": False})) == [1, 3, 4]
    assert sorted(d["_id"] for d in c.find({"unit": {"$in": ["A", "C"]}})) == [1, 2]
    assert [d["_id"] for d in c.find({"published": False})] == [1]
    assert c.count_documents({"published": True}) == 2
    assert [d["_id"] for d in c.find({"outbox.key": "B"}).sort("_id", 1)] == [3]
    newest = c.find({"published": True, "partition": 0}).sort("offset", DESCENDING).limit(1)
    assert newest[0]["_id"] == 2
    assert [d["_id"] for d in c.find({"officers.198501012010011001": {"$exists": True}})] == [4]
    assert sorted(c.distinct("unit")) == ["A", "B"]
    assert [d["_id"] for d in c.find({"$or": [{"_id": 1},
                                              {"unit": "B", "superseded": False}]}).sort("_id", 1)] == [1, 3, 4]
    projected = c.find_one({"_id": 3}, {"unit": 1})
    assert projected == {"_id": 3, "unit": "B"}


def test_values_round_trip_exactly(db):
    c = coll(db)
    when = datetime(2026, 11, 23, 3, 4, 5, 123000, tzinfo=UTC)
    doc = {"_id": "v", "when": when, "big": 2 ** 62, "neg": -5, "f": 3.25, "none": None, "flag": True,
           "keys": {"20-29": 1, ">=60": 2, "<20": 3, "TNI-Polri": 4, "198501012010011001": {"sums": {"U1": 7}}},
           "pairs": [{"id": "Gratis", "en": "Free"}, {"id": "Murah", "en": "Cheap"}], "list": ["a", "b"],
           "text": "Pelayanan ramah — terima kasih 🙏"}
    c.insert_one(dict(doc))
    assert c.find_one({"_id": "v"}) == doc


def test_single_writer_updates(db):
    c = coll(db)
    c.insert_many([{"_id": i, "superseded": False, "n": 0} for i in range(100)])
    for start in range(0, 100, 40):  # chunks of 40, as the code sends them
        c.update_many({"_id": {"$in": list(range(start, min(start + 40, 100)))}}, {"$set": {"superseded": True}})
    assert c.count_documents({"superseded": True}) == 100
    ops = [UpdateOne({"_id": i}, {"$set": {"n": i * 2 + 1}}) for i in range(40)]
    result = c.bulk_write(ops, ordered=False)
    assert result.matched_count == result.modified_count == 40 and c.find_one({"_id": 39})["n"] == 79
    replace = [ReplaceOne({"_id": f"s{i}"}, {"_id": f"s{i}", "applied": i}, upsert=True) for i in range(40)]
    assert c.bulk_write(replace, ordered=False).upserted_count == 40
    again = [ReplaceOne({"_id": f"s{i}"}, {"_id": f"s{i}", "applied": i + 1}, upsert=True) for i in range(40)]
    assert c.bulk_write(again, ordered=False).modified_count == 40
    assert c.find_one({"_id": "s7"}) == {"_id": "s7", "applied": 8}


def test_large_insert_many(db):
    c = coll(db)
    c.insert_many([{"_id": i, "unit": f"U{i % 200}", "answers": {"U1": 1 + i % 4}} for i in range(20000)])
    assert c.count_documents({"unit": "U7"}) == 100
    assert c.estimated_document_count() == 20000


def test_single_accumulator_group_is_the_only_aggregation_used(db):
    c = coll(db)
    c.insert_many([{"unit": "A"}, {"unit": "A"}, {"unit": "B"}])
    counts = {d["_id"]: d["n"] for d in c.aggregate([{"$group": {"_id": "$unit", "n": {"$sum": 1}}}])}
    assert counts == {"A": 2, "B": 1}


def test_two_hundred_concurrent_clients_finish(db):
    """The server's pools are sized so that a burst of clients does not wedge it."""
    c = coll(db)
    c.create_index("k", unique=True)

    def client(i):
        c.insert_one({"k": i, "v": i})
        return c.find_one({"k": i})["v"]

    with ThreadPoolExecutor(max_workers=200) as pool:
        results = list(pool.map(client, range(200), timeout=120))
    assert results == list(range(200))
    assert c.count_documents({}) == 200


def test_state_reads_by_month_and_scope_equalities(db):
    """The aggregator asks for state month by month (and scope by scope when few), each an
    equality the server can hand to its storage; the union is exactly the documents wanted."""
    from services.aggregator.state import store

    c = coll(db)
    months = ["2026-09", "2026-10", "2026-11"]
    scopes = [f"S{i:02d}" for i in range(store.SCOPES_ONE_BY_ONE + 5)]
    c.insert_many([{"_id": f"{k}|{s}|{m}", "kind": k, "scope": s, "period": m, "n": i}
                   for i, (k, s, m) in enumerate((k, s, m) for k in ("skm", "peer") for s in scopes for m in months)])

    def ids(docs):
        return sorted(d["_id"] for d in docs)

    wanted_months = ["2026-10", "2026-11", "2026-10"]  # a repeated month counts once
    assert ids(store.find_months({"kind": "skm"}, wanted_months, coll=c)) == \
        sorted(f"skm|{s}|{m}" for s in scopes for m in ("2026-10", "2026-11"))
    few = scopes[:3]
    assert ids(store.find_months({"kind": "peer"}, ["2026-11"], scopes=few, coll=c)) == \
        sorted(f"peer|{s}|2026-11" for s in few)
    many = scopes[1:]  # more than SCOPES_ONE_BY_ONE: one $in per month
    assert ids(store.find_months({"kind": "peer"}, ["2026-09"], scopes=many, coll=c)) == \
        sorted(f"peer|{s}|2026-09" for s in many)
    assert store.find_months({"kind": "peer"}, ["2026-11"], scopes=[], coll=c) == []
    projected = store.find_months({"kind": "skm", "scope": "S00"}, ["2026-09"], {"n": 1}, coll=c)
    assert projected == [{"_id": "skm|S00|2026-09", "n": 0}]
