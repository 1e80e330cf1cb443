"""The stats tables: per-day counters (fed by the aggregator from the clicks' and
conversions' streams) and the visitor marks that decide unique and automated clicks.

`stats` items: PK `scope` (`link#<code>`, `creator#<id>`, `brand#<id>`), SK `bucket`
(`day#YYYY-MM-DD`, or `link#YYYY-MM-DD#<code>` under a creator or a brand, for their top
links). Counters are flat number attributes updated with `ADD`, since a nested `ADD` on a
map that does not exist yet fails: `clicks`, `unique_clicks`, `bot_clicks`,
`conversions`, `sales#<CUR>`, `commission#<CUR>`, and the human clicks' breakdowns
`country#…`, `device#…`, `app#…`, `via#…`, `referrer#…`, `source#…`. Each item also holds
`applied#<stream>#<shard>`: the last stream record of that shard folded into it, so a
retried batch never counts twice. Their names are dynamic, so items are read and written
with the botocore client of `base.aws` (`_client()`), not through model attributes: all of
it behind `StatsStore` (`stats_store()`), whose values are plain (`VisitorMarks`,
`CounterState`, `CounterAdd`, items of plain values).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, Optional, Protocol

from pynamodb.attributes import TTLAttribute, UnicodeAttribute
from pynamodb.models import Model

from chalicelib.base import aws
from chalicelib.storage import seam
from chalicelib.storage.dynamodb import table_meta
from chalicelib.storage.errors import ChangedMeanwhile


class StatsCounter(Model):
    Meta = table_meta("stats")
    scope = UnicodeAttribute(hash_key=True)
    bucket = UnicodeAttribute(range_key=True)


class VisitorMark(Model):
    """One visitor on one link in one UTC day: `first` is the click id of their first human
    click (the unique one), `ids#<HH:MM>` every click id of theirs in that minute and
    `humans#<HH:MM>` the first 20 of them (more in a minute are counted as automation)."""

    Meta = table_meta("visitor_marks")
    mark_key = UnicodeAttribute(hash_key=True)  # keys.visitor_mark
    first = UnicodeAttribute(null=True)
    expires_at = TTLAttribute(null=True)


TABLES = (StatsCounter, VisitorMark)


def plain_image(image: dict[str, Any]) -> dict[str, Any]:
    """A stream record's image (DynamoDB's typed values) as plain values: strings, whole numbers
    and booleans; attributes of any other type (or a number that is not whole) are left out."""
    values: dict[str, Any] = {}
    for name, typed in image.items():
        if not isinstance(typed, dict) or len(typed) != 1:
            continue
        ((kind, inner),) = typed.items()
        if kind == "S" or kind == "BOOL":
            values[name] = inner if kind == "S" else bool(inner)
        elif kind == "N":
            try:
                values[name] = int(inner)
            except (TypeError, ValueError):
                continue
    return values


@dataclass(frozen=True)
class VisitorMarks:
    """One visitor mark as read: the first human click, and per minute (`HH:MM`) every click
    id seen and the human ones."""

    first: Optional[str] = None
    ids: Mapping[str, frozenset[str]] = field(default_factory=dict)
    humans: Mapping[str, frozenset[str]] = field(default_factory=dict)


@dataclass(frozen=True)
class MarksAdded:
    """What a batch adds to one visitor mark: click ids (and the human ones) per minute, and the
    first human click when the mark had none; `expires_at` in epoch seconds."""

    ids: Mapping[str, frozenset[str]]
    humans: Mapping[str, frozenset[str]]
    first: Optional[str]
    expires_at: int


@dataclass(frozen=True)
class CounterState:
    """A counter item as the aggregator needs it: the last record of this stream's shard folded
    into it (`applied`, zero-padded, or None) and the breakdown names it holds (`country#FR`...)."""

    applied: Optional[str] = None
    names: frozenset[str] = frozenset()


@dataclass(frozen=True)
class CounterAdd:
    """One conditional write to a counter item: numbers to add, strings to set, and the
    shard's mark moved from `applied` (as read) to `new_applied`."""

    scope: str
    bucket: str
    mark_name: str  # applied#<stream>#<shard>
    applied: Optional[str]
    new_applied: str
    numbers: Mapping[str, int]
    strings: Mapping[str, str]


def _client() -> Any:
    return aws.client("dynamodb")


class StatsStore(Protocol):
    """The stats' counters and visitor marks (the aggregator writes them, the stats reads read them)."""

    def read_visitor_marks(self, mark_keys: list[str]) -> dict[str, VisitorMarks]:
        """The marks with these keys (consistent reads), by key; a key without a mark is left out."""

    def add_visitor_marks(self, mark_key: str, read: VisitorMarks, added: MarksAdded) -> None:
        """Add to the mark, conditioned on it being as `read` (the minutes' id sets their size then,
        no first click if none was read and one is added); raises ChangedMeanwhile if it is not."""

    def read_counters(self, item_keys: list[tuple[str, str]], mark_name: str) -> dict[tuple[str, str], CounterState]:
        """The counter items (scope, bucket) with these keys (consistent reads), as `CounterState`s
        of the mark `mark_name`; a key without an item is left out."""

    def add_to_counter(self, add: CounterAdd) -> None:
        """Add and set, conditioned on the item's mark still being `add.applied` (None: no mark);
        raises ChangedMeanwhile if it is not."""

    def counter_items(self, scope: str, low: str, high: str) -> list[dict[str, Any]]:
        """Every counter item of `scope` whose bucket is between `low` and `high` (both included), in
        bucket order, as plain values (`bucket`, numbers as ints, `creator_id`...)."""


class DynamoStatsStore:
    """Counter and mark attributes have dynamic names, so items are read and written with the
    botocore client as DynamoDB's typed values (update expressions with ADD), not through models."""

    def read_visitor_marks(self, mark_keys: list[str]) -> dict[str, VisitorMarks]:
        table = VisitorMark.Meta.table_name
        items = _read_items(table, [{"mark_key": {"S": key}} for key in mark_keys])
        return {item["mark_key"]["S"]: _marks_of(item) for item in items}

    def add_visitor_marks(self, mark_key: str, read: VisitorMarks, added: MarksAdded) -> None:
        _conditioned(lambda: _client().update_item(
            TableName=VisitorMark.Meta.table_name, Key={"mark_key": {"S": mark_key}}, **_marks_update(read, added)
        ))

    def read_counters(self, item_keys: list[tuple[str, str]], mark_name: str) -> dict[tuple[str, str], CounterState]:
        table = StatsCounter.Meta.table_name
        items = _read_items(table, [{"scope": {"S": scope}, "bucket": {"S": bucket}} for scope, bucket in item_keys])
        return {(item["scope"]["S"], item["bucket"]["S"]): CounterState(
            applied=(item.get(mark_name) or {}).get("S"),
            names=frozenset(name for name in item if "#" in name and not name.startswith("applied#")),
        ) for item in items}

    def add_to_counter(self, add: CounterAdd) -> None:
        _conditioned(lambda: _client().update_item(
            TableName=StatsCounter.Meta.table_name,
            Key={"scope": {"S": add.scope}, "bucket": {"S": add.bucket}},
            **_counter_update(add),
        ))

    def counter_items(self, scope: str, low: str, high: str) -> list[dict[str, Any]]:
        request: dict[str, Any] = {
            "TableName": StatsCounter.Meta.table_name,
            "KeyConditionExpression": "#scope = :scope AND #bucket BETWEEN :low AND :high",
            "ExpressionAttributeNames": {"#scope": "scope", "#bucket": "bucket"},
            "ExpressionAttributeValues": {":scope": {"S": scope}, ":low": {"S": low}, ":high": {"S": high}},
        }
        items: list[dict[str, Any]] = []
        while True:
            page = _client().query(**request)
            items.extend(plain_image(item) for item in page.get("Items", []))
            if not page.get("LastEvaluatedKey"):
                return items
            request["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def stats_store() -> StatsStore:
    return seam.provide("stats", DynamoStatsStore)


def _conditioned(write: Callable[[], Any]) -> None:
    try:
        write()
    except Exception as error:  # botocore's ClientError, named by its code
        if (getattr(error, "response", None) or {}).get("Error", {}).get("Code") == "ConditionalCheckFailedException":
            raise ChangedMeanwhile(str(error)) from None
        raise


def _read_items(table: str, item_keys: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The items with these keys (consistent), 100 keys a BatchGetItem, unprocessed keys asked again."""
    found: list[dict[str, Any]] = []
    for start in range(0, len(item_keys), 100):
        pending: dict[str, Any] = {table: {"Keys": item_keys[start:start + 100], "ConsistentRead": True}}
        while pending:
            response = _client().batch_get_item(RequestItems=pending)
            found.extend(response.get("Responses", {}).get(table, []))
            pending = response.get("UnprocessedKeys") or {}
    return found


def _marks_of(item: dict[str, Any]) -> VisitorMarks:
    def sets(prefix: str) -> dict[str, frozenset[str]]:
        return {name.removeprefix(prefix): frozenset(value.get("SS", []))
                for name, value in item.items() if name.startswith(prefix)}

    return VisitorMarks(first=(item.get("first") or {}).get("S"), ids=sets("ids#"), humans=sets("humans#"))


def _marks_update(read: VisitorMarks, added: MarksAdded) -> dict[str, Any]:
    names: dict[str, str] = {}
    values: dict[str, Any] = {":expires": {"N": str(added.expires_at)}}
    adds, conditions = [], []
    for index, (minute, new_ids) in enumerate(sorted(added.ids.items())):
        names[f"#i{index}"], values[f":i{index}"] = f"ids#{minute}", {"SS": sorted(new_ids)}
        adds.append(f"#i{index} :i{index}")
        old = len(read.ids.get(minute, ()))
        if old:
            values[f":n{index}"] = {"N": str(old)}
            conditions.append(f"size(#i{index}) = :n{index}")
        else:
            conditions.append(f"attribute_not_exists(#i{index})")
        if added.humans.get(minute):
            names[f"#h{index}"], values[f":h{index}"] = f"humans#{minute}", {"SS": sorted(added.humans[minute])}
            adds.append(f"#h{index} :h{index}")
    sets = ["expires_at = :expires"]
    if added.first is not None:
        values[":first"] = {"S": added.first}
        sets.append("#first = if_not_exists(#first, :first)")
        names["#first"] = "first"
        conditions.append("attribute_not_exists(#first)")
    update: dict[str, Any] = {
        "UpdateExpression": "SET " + ", ".join(sets) + (" ADD " + ", ".join(adds) if adds else ""),
        "ExpressionAttributeValues": values,
    }
    if conditions:
        update["ConditionExpression"] = " AND ".join(conditions)
    if names:
        update["ExpressionAttributeNames"] = names
    return update


def _counter_update(add: CounterAdd) -> dict[str, Any]:
    names: dict[str, str] = {"#mark": add.mark_name}
    values: dict[str, Any] = {":mark": {"S": add.new_applied}}
    adds = []
    for index, (name, value) in enumerate(sorted(add.numbers.items())):
        if value:
            names[f"#c{index}"], values[f":c{index}"] = name, {"N": str(value)}
            adds.append(f"#c{index} :c{index}")
    sets = ["#mark = :mark"]
    for index, (name, text) in enumerate(sorted(add.strings.items())):
        names[f"#s{index}"], values[f":s{index}"] = name, {"S": text}
        sets.append(f"#s{index} = :s{index}")
    if add.applied is None:
        condition = "attribute_not_exists(#mark)"
    else:
        values[":old"] = {"S": add.applied}
        condition = "#mark = :old"
    return {
        "UpdateExpression": "SET " + ", ".join(sets) + (" ADD " + ", ".join(adds) if adds else ""),
        "ConditionExpression": condition,
        "ExpressionAttributeNames": names,
        "ExpressionAttributeValues": values,
    }
