"""The in-memory twin of `storage.stats.DynamoStatsStore`: counter items and visitor marks as
plain values, with the same conditions (a mark as read, a shard's applied mark as read)."""
from __future__ import annotations

import copy
from typing import Any

from chalicelib.storage.errors import ChangedMeanwhile
from chalicelib.storage.stats import CounterAdd, CounterState, MarksAdded, VisitorMarks


class InMemoryStatsStore:
    def __init__(self) -> None:
        self.marks: dict[str, dict[str, Any]] = {}  # mark key -> {"first", "ids", "humans", "expires_at"}
        self.counters: dict[tuple[str, str], dict[str, Any]] = {}  # (scope, bucket) -> plain attributes

    def read_visitor_marks(self, mark_keys: list[str]) -> dict[str, VisitorMarks]:
        found = {}
        for key in mark_keys:
            mark = self.marks.get(key)
            if mark is not None:
                found[key] = VisitorMarks(
                    first=mark["first"],
                    ids={minute: frozenset(ids) for minute, ids in mark["ids"].items()},
                    humans={minute: frozenset(ids) for minute, ids in mark["humans"].items()},
                )
        return found

    def add_visitor_marks(self, mark_key: str, read: VisitorMarks, added: MarksAdded) -> None:
        mark = self.marks.get(mark_key) or {"first": None, "ids": {}, "humans": {}, "expires_at": None}
        # As DynamoDB's condition: each minute's id set the size it was read at (a set is never
        # empty: size 0 is no set), and no first click when one is added.
        for minute in added.ids:
            if len(mark["ids"].get(minute, ())) != len(read.ids.get(minute, ())):
                raise ChangedMeanwhile(mark_key)
        if added.first is not None and mark["first"] is not None:
            raise ChangedMeanwhile(mark_key)
        for target, sets in ((mark["ids"], added.ids), (mark["humans"], added.humans)):
            for minute, ids in sets.items():
                target.setdefault(minute, set()).update(ids)
        mark["first"] = mark["first"] or added.first
        mark["expires_at"] = added.expires_at
        self.marks[mark_key] = mark

    def read_counters(self, item_keys: list[tuple[str, str]], mark_name: str) -> dict[tuple[str, str], CounterState]:
        found = {}
        for key in item_keys:
            item = self.counters.get(key)
            if item is not None:
                found[key] = CounterState(
                    applied=item.get(mark_name),
                    names=frozenset(name for name in item if "#" in name and not name.startswith("applied#")),
                )
        return found

    def add_to_counter(self, add: CounterAdd) -> None:
        key = (add.scope, add.bucket)
        item = self.counters.get(key) or {"scope": add.scope, "bucket": add.bucket}
        if item.get(add.mark_name) != add.applied:
            raise ChangedMeanwhile(f"{add.scope} {add.bucket}")
        item[add.mark_name] = add.new_applied
        for name, value in add.numbers.items():
            if value:  # as the DynamoDB store, which adds no zero
                item[name] = item.get(name, 0) + value
        item.update(add.strings)
        self.counters[key] = item

    def counter_items(self, scope: str, low: str, high: str) -> list[dict[str, Any]]:
        return [copy.deepcopy(item) for (item_scope, bucket), item in sorted(self.counters.items())
                if item_scope == scope and low <= bucket <= high]
