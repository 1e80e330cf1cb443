"""The stats' store: visitor marks and counter items written only as read (the aggregator's
exactly-once), counter items read back as plain values in bucket order; on the in-memory twin
and on DynamoDB (moto)."""
from __future__ import annotations

import pytest

from chalicelib.storage.errors import ChangedMeanwhile
from chalicelib.storage.memory.stats import InMemoryStatsStore
from chalicelib.storage.stats import CounterAdd, CounterState, DynamoStatsStore, MarksAdded, VisitorMarks
from tests.helpers import fresh

MARK = "applied#clicks#shard-1"


@pytest.fixture
def store(implementation):
    return InMemoryStatsStore() if implementation == "memory" else DynamoStatsStore()


def added(ids: dict[str, set[str]], humans: dict[str, set[str]], first=None) -> MarksAdded:
    return MarksAdded(ids={m: frozenset(v) for m, v in ids.items()},
                      humans={m: frozenset(v) for m, v in humans.items()}, first=first, expires_at=1_800_000_000)


def add(scope: str, bucket: str, applied, new_applied: int, numbers=None, strings=None) -> CounterAdd:
    return CounterAdd(scope=scope, bucket=bucket, mark_name=MARK, applied=applied,
                      new_applied=f"{new_applied:040d}", numbers=numbers or {}, strings=strings or {})


def test_a_visitor_without_marks_has_none(store):
    assert store.read_visitor_marks([f"mark-{fresh()}"]) == {}


def test_marks_are_added_as_read_and_read_back(store):
    key = f"mark-{fresh()}"
    store.add_visitor_marks(key, VisitorMarks(), added({"10:00": {"a", "b"}}, {"10:00": {"a"}}, first="a"))
    read = store.read_visitor_marks([key])[key]
    assert read == VisitorMarks(first="a", ids={"10:00": frozenset({"a", "b"})}, humans={"10:00": frozenset({"a"})})
    store.add_visitor_marks(key, read, added({"10:00": {"c"}, "10:01": {"d"}}, {"10:01": {"d"}}))
    assert store.read_visitor_marks([key])[key] == VisitorMarks(
        first="a", ids={"10:00": frozenset("abc"), "10:01": frozenset("d")},
        humans={"10:00": frozenset("a"), "10:01": frozenset("d")})


def test_marks_changed_since_they_were_read_are_not_written(store):
    key = f"mark-{fresh()}"
    store.add_visitor_marks(key, VisitorMarks(), added({"10:00": {"a"}}, {"10:00": {"a"}}, first="a"))
    stale = VisitorMarks()  # read before the write above
    with pytest.raises(ChangedMeanwhile):
        store.add_visitor_marks(key, stale, added({"10:00": {"b"}}, {"10:00": {"b"}}))
    with pytest.raises(ChangedMeanwhile):  # another first click, though its minute is new
        store.add_visitor_marks(key, stale, added({"11:00": {"c"}}, {"11:00": {"c"}}, first="c"))
    assert store.read_visitor_marks([key])[key].first == "a"
    assert store.read_visitor_marks([key])[key].ids == {"10:00": frozenset("a")}


def test_several_marks_are_read_at_once(store):
    keys = [f"mark-{fresh()}" for _ in range(3)]
    for key in keys[:2]:
        store.add_visitor_marks(key, VisitorMarks(), added({"09:59": {key}}, {}))
    found = store.read_visitor_marks(keys)
    assert sorted(found) == sorted(keys[:2])
    assert found[keys[0]] == VisitorMarks(first=None, ids={"09:59": frozenset({keys[0]})}, humans={})


def test_a_counter_item_takes_in_a_write_once_per_mark(store):
    scope = f"link#{fresh()}"
    assert store.read_counters([(scope, "day#2026-11-26")], MARK) == {}
    store.add_to_counter(add(scope, "day#2026-11-26", None, 7, {"clicks": 2, "country#FR": 2, "bot_clicks": 0},
                             {"creator_id": "cr_1"}))
    state = store.read_counters([(scope, "day#2026-11-26")], MARK)[(scope, "day#2026-11-26")]
    assert state == CounterState(applied=f"{7:040d}", names=frozenset({"country#FR"}))
    with pytest.raises(ChangedMeanwhile):  # a write of a delivery that read it before
        store.add_to_counter(add(scope, "day#2026-11-26", None, 9, {"clicks": 1}))
    store.add_to_counter(add(scope, "day#2026-11-26", state.applied, 12, {"clicks": 1, "referrer#x.com": 1}))
    [item] = store.counter_items(scope, "day#2026-11-26", "day#2026-11-26")
    assert item == {"scope": scope, "bucket": "day#2026-11-26", MARK: f"{12:040d}", "clicks": 3,
                    "country#FR": 2, "referrer#x.com": 1, "creator_id": "cr_1"}  # no zero counter


def test_another_shard_s_mark_is_its_own(store):
    scope = f"creator#{fresh()}"
    store.add_to_counter(add(scope, "day#2026-11-26", None, 5, {"clicks": 1}))
    other = CounterAdd(scope=scope, bucket="day#2026-11-26", mark_name="applied#clicks#shard-2", applied=None,
                       new_applied=f"{3:040d}", numbers={"clicks": 1}, strings={})
    store.add_to_counter(other)
    state = store.read_counters([(scope, "day#2026-11-26")], "applied#clicks#shard-2")[(scope, "day#2026-11-26")]
    assert state.applied == f"{3:040d}" and state.names == frozenset()
    assert store.counter_items(scope, "day#", "day#~")[0]["clicks"] == 2


def test_counter_items_are_read_in_bucket_order_within_the_range(store):
    scope = f"brand#{fresh()}"
    for day in ("2026-11-27", "2026-11-25", "2026-11-26", "2026-11-28"):
        store.add_to_counter(add(scope, f"day#{day}", None, 1, {"clicks": int(day[-2:])}))
    store.add_to_counter(add(f"brand#{fresh()}", "day#2026-11-26", None, 1, {"clicks": 1}))
    items = store.counter_items(scope, "day#2026-11-26", "day#2026-11-27")
    assert [(item["bucket"], item["clicks"]) for item in items] == [("day#2026-11-26", 26), ("day#2026-11-27", 27)]
