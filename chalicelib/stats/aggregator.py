"""The stats aggregator: folds a batch of stream records (clicks, conversions) into per-day
counter items, one write per counter item per batch, exactly once under Lambda's retries.

Exactly once: a batch comes from one shard, in order, and Lambda redelivers from the lowest
failed record. Each counter item keeps `applied#<stream>#<shard>`, the (zero-padded)
sequence number of the last record folded into it; a record at or below it is skipped, and
the write is conditioned on the mark being what was read. Records after the first one that
could not be read are not folded (the mark never passes a failed record), and are
redelivered with it. A Lambda DynamoDB Streams event names its shard only when the event
source mapping has a tumbling window (`shardId`); the local pump adds it.

Unique and automated clicks are decided through visitor marks (one item per visitor, link and
UTC day): `first` is the click id of the visitor's first human click (the unique one),
`ids#<HH:MM>` every click id of that minute and `humans#<HH:MM>` the first 20; a click seen
again (a retry) keeps the verdict it got. One read (BatchGetItem) and one conditional write
per visitor, link and day in a batch.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from typing import Any, Iterable, Optional

from chalicelib.base.observability import count, logger
from chalicelib.storage import keys
from chalicelib.storage.stats import StatsCounter, VisitorMark
from chalicelib.storage.stats import client as stats_client

HUMAN_CLICKS_PER_MINUTE = 20
BREAKDOWN_CAP = 100  # distinct referrers (or sources) an item keeps; the rest go to `other`
MARK_DAYS = 15  # visitor marks outlive the stream's retention and a click's stay in the spool
_ATTEMPTS = 3


@dataclass
class _Counts:
    numbers: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    strings: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class _Click:
    seq: int
    click_id: str
    code: str
    creator_id: str
    brand_id: str
    day: str
    minute: str
    visitor: str
    is_bot: bool
    country: str
    device: str
    app: str
    via: str
    referrer: str
    source: Optional[str]


class Unreadable(ValueError):
    """A stream record this aggregator cannot read."""


def handle_batch(event: dict[str, Any], stream: str) -> dict[str, Any]:
    """A Lambda (or local pump) event of one shard of `stream`, folded; Lambda's answer."""
    shard = event.get("shardId")
    if not shard:
        # Without it no mark can be kept: configure the event source mapping with a tumbling window.
        raise RuntimeError("the stream event names no shardId (the event source mapping needs a tumbling window)")
    failed = aggregate(event.get("Records") or [], stream, str(shard))
    answer: dict[str, Any] = {"batchItemFailures": [{"itemIdentifier": seq} for seq in failed]}
    if "window" in event:
        answer["state"] = {}  # a tumbling window's answer must carry its state (none is kept)
    return answer


def aggregate(records: list[dict[str, Any]], stream: str, shard: str) -> list[str]:
    """Fold one shard's batch; the sequence numbers to report as failed (empty: all done).

    Records are read through Powertools' `BatchProcessor`: one that cannot be read is reported
    as failed without stopping the others' reading; only those before it are folded."""
    from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType

    # A record without a sequence number cannot be named to Lambda nor redelivered alone: it is
    # logged and left out (Lambda never sends one; a test or a hand-made event might).
    nameable = [record for record in records if _has_sequence_number(record)]
    if len(nameable) < len(records):
        logger.warning("stats: stream records without a sequence number left out", stream=stream,
                       count=len(records) - len(nameable))
    read = _click_of if stream == "clicks" else _conversion_contributions
    processor = BatchProcessor(event_type=EventType.DynamoDBStreams, raise_on_entire_batch_failure=False)
    with processor(nameable, handler=lambda record: (_seq(record.raw_event), read(record.raw_event))):
        outcomes = processor.process()
    parsed = [result for status, result, _record in outcomes if status == "success"]
    failed = [int(str(item["itemIdentifier"])) for item in processor.response()["batchItemFailures"]]
    if failed:
        logger.warning("stats: unreadable stream records", stream=stream, failed=[str(seq) for seq in failed])
    if stream == "clicks":
        clicks = [click for _seq_number, click in parsed if click is not None]
        cutoff = min(failed) if failed else None
        verdicts, unmarked = _classify([c for c in clicks if not c.is_bot and (cutoff is None or c.seq < cutoff)])
        failed.extend(unmarked)
        cutoff = min(failed) if failed else None
        contributions = _click_contributions([c for c in clicks if cutoff is None or c.seq < cutoff], verdicts)
    else:
        cutoff = min(failed) if failed else None
        contributions = [c for seq, value in parsed if cutoff is None or seq < cutoff for c in value]
    not_written, taken_in = _write_counters(contributions, f"applied#{stream}#{shard}")
    failed.extend(not_written)
    count("StatsRecords", len(records))
    if stream == "clicks":
        _count_clicks(taken_in)
    return [str(seq) for seq in sorted(set(failed))]


def _count_clicks(taken_in: dict[tuple[str, str], dict[str, int]]) -> None:
    """The `Clicks` (bots included) and `BotClicks` metrics, counted here rather than by the tap,
    whose metric flush cost a tenth of a millisecond on every redirect. From what the links' day
    counters took in: a click redelivered is not counted again, bots as the stats judge them
    (their user agent, or more than 20 clicks of one visitor in a minute). At most once: a write
    whose answer was lost (its retry finds the mark moved) or an invocation that dies before its
    metrics are flushed leaves a few clicks out of the metric, never out of the stats."""
    links = [totals for (scope, _bucket), totals in taken_in.items() if scope.startswith("link#")]
    humans, bots = (sum(totals.get(name, 0) for totals in links) for name in ("clicks", "bot_clicks"))
    if humans or bots:
        count("Clicks", humans + bots)
    if bots:
        count("BotClicks", bots)


# --- reading records ----------------------------------------------------------------------


def _has_sequence_number(record: Any) -> bool:
    change = record.get("dynamodb") if isinstance(record, dict) else None
    number = change.get("SequenceNumber") if isinstance(change, dict) else None
    return isinstance(number, str) and number.isascii() and number.isdigit()


def _seq(record: dict[str, Any]) -> int:
    try:
        return int(record["dynamodb"]["SequenceNumber"])
    except (KeyError, TypeError, ValueError):
        raise Unreadable("no sequence number") from None


def _plain(image: dict[str, Any], name: str) -> Any:
    value = image.get(name)
    if not isinstance(value, dict) or len(value) != 1:
        return None
    (kind, inner), = value.items()
    if kind == "S":
        return inner
    if kind == "N":
        return int(inner)
    if kind == "BOOL":
        return bool(inner)
    return None


def _text(image: dict[str, Any], name: str) -> str:
    value = _plain(image, name)
    if not isinstance(value, str) or not value:
        raise Unreadable(f"{name} missing")
    return value


def _click_of(record: dict[str, Any]) -> Optional[_Click]:
    seq = _seq(record)
    if record.get("eventName") != "INSERT":
        return None  # a TTL expiry (REMOVE) or anything else changes no stats
    image = (record.get("dynamodb") or {}).get("NewImage")
    if not isinstance(image, dict):
        raise Unreadable("INSERT without a new image")
    clicked_at = _text(image, "clicked_at")
    try:
        datetime.strptime(clicked_at, "%Y-%m-%dT%H:%M:%SZ")
    except ValueError:
        raise Unreadable("clicked_at is not a timestamp") from None
    return _Click(
        seq=seq,
        click_id=_text(image, "click_id"),
        code=_text(image, "code"),
        creator_id=_text(image, "creator_id"),
        brand_id=_text(image, "brand_id"),
        day=clicked_at[:10],
        minute=clicked_at[11:16],
        visitor=_text(image, "visitor_hash"),
        is_bot=bool(_plain(image, "is_bot")),
        country=_plain(image, "country") or "unknown",
        device=_plain(image, "device") or "other",
        app=_plain(image, "app") or "browser",
        via=_plain(image, "via") or "link",
        referrer=_plain(image, "referrer") or "direct",
        source=_plain(image, "source"),
    )


# --- clicks: unique and automated, then counters --------------------------------------------


def _click_contributions(
    clicks: list[_Click], verdicts: dict[str, tuple[bool, bool]]
) -> list[tuple[int, str, str, _Counts]]:
    contributions = []
    for click in clicks:
        human, unique = verdicts.get(click.click_id, (False, False))
        day_counts = _Counts()
        link_counts = _Counts()
        if not human:
            day_counts.numbers["bot_clicks"] += 1
        else:
            for counts in (day_counts, link_counts):
                counts.numbers["clicks"] += 1
                counts.numbers["unique_clicks"] += int(unique)
            for name in (f"country#{click.country}", f"device#{click.device}", f"app#{click.app}",
                         f"via#{click.via}", f"referrer#{click.referrer}"):
                day_counts.numbers[name] += 1
            if click.source:
                day_counts.numbers[f"source#{click.source}"] += 1
        link_counts.strings["creator_id"] = click.creator_id
        # The link's own day items name its creator: a stats read proves ownership with them.
        link_day = _Counts(numbers=day_counts.numbers, strings={"creator_id": click.creator_id})
        contributions.append((click.seq, f"link#{click.code}", keys.stats_day(click.day), link_day))
        for scope in (f"creator#{click.creator_id}", f"brand#{click.brand_id}"):
            contributions.append((click.seq, scope, keys.stats_day(click.day), day_counts))
        if human:
            for scope in (f"creator#{click.creator_id}", f"brand#{click.brand_id}"):
                contributions.append((click.seq, scope, keys.stats_link_day(click.day, click.code), link_counts))
    return contributions


def _classify(clicks: list[_Click]) -> tuple[dict[str, tuple[bool, bool]], list[int]]:
    """click id → (human, unique), decided with the visitors' marks; and the sequence numbers of
    the first click of each visitor whose marks could not be written (reported, redelivered)."""
    groups: dict[str, list[_Click]] = defaultdict(list)
    for click in clicks:
        groups[keys.visitor_mark(click.code, click.day, click.visitor)].append(click)
    verdicts: dict[str, tuple[bool, bool]] = {}
    unmarked: list[int] = []
    if not groups:
        return verdicts, unmarked
    table = VisitorMark.Meta.table_name
    try:
        all_marks = _read_items(table, [{"mark_key": {"S": mark_key}} for mark_key in groups])  # one BatchGetItem
    except Exception:
        logger.exception("stats: visitor marks not read")
        return verdicts, [min(click.seq for click in clicks)]
    for mark_key, group in groups.items():
        marks = all_marks.get((mark_key,), {})
        for attempt in range(1, _ATTEMPTS + 1):
            decided, update = _decide(mark_key, sorted(group, key=lambda c: c.seq), marks)
            try:
                if update is not None:
                    stats_client().update_item(TableName=table, **update)
                verdicts.update(decided)
                break
            except stats_client().exceptions.ConditionalCheckFailedException:
                if attempt < _ATTEMPTS:
                    marks = _read_items(table, [{"mark_key": {"S": mark_key}}]).get((mark_key,), {})
                    continue
                # Another shard keeps writing this visitor's marks: report the visitor's first
                # click; it and what follows are redelivered, the rest of the batch is folded.
                unmarked.append(min(click.seq for click in group))
            except Exception:
                logger.exception("stats: visitor marks not written", mark_key=mark_key)
                unmarked.append(min(click.seq for click in group))
                break
    return verdicts, unmarked


def _decide(mark_key: str, group: list[_Click], marks: dict[str, Any]) -> tuple[dict, Optional[dict]]:
    first = _plain(marks, "first")
    ids = {name: set(value.get("SS", [])) for name, value in marks.items() if name.startswith("ids#")}
    humans = {name: set(value.get("SS", [])) for name, value in marks.items() if name.startswith("humans#")}
    added_ids: dict[str, set[str]] = defaultdict(set)
    added_humans: dict[str, set[str]] = defaultdict(set)
    decided: dict[str, tuple[bool, bool]] = {}
    new_first = None
    for click in group:
        minute = click.minute
        seen = ids.get(f"ids#{minute}", set())
        known_humans = humans.get(f"humans#{minute}", set())
        if click.click_id in seen:
            human = click.click_id in known_humans  # a retry: the verdict it got
        else:
            human = len(known_humans) + len(added_humans[minute]) < HUMAN_CLICKS_PER_MINUTE
            added_ids[minute].add(click.click_id)
            if human:
                added_humans[minute].add(click.click_id)
        if human and first is None and new_first is None:
            new_first = click.click_id
        unique = human and click.click_id == (first or new_first)
        decided[click.click_id] = (human, unique)
    if not added_ids and new_first is None:
        return decided, None
    names: dict[str, str] = {}
    values: dict[str, Any] = {}
    adds, conditions = [], []
    for index, (minute, new_ids) in enumerate(sorted(added_ids.items())):
        names[f"#i{index}"], values[f":i{index}"] = f"ids#{minute}", {"SS": sorted(new_ids)}
        adds.append(f"#i{index} :i{index}")
        old = len(ids.get(f"ids#{minute}", set()))
        if old:
            values[f":n{index}"] = {"N": str(old)}
            conditions.append(f"size(#i{index}) = :n{index}")
        else:
            conditions.append(f"attribute_not_exists(#i{index})")
        if added_humans[minute]:
            names[f"#h{index}"], values[f":h{index}"] = f"humans#{minute}", {"SS": sorted(added_humans[minute])}
            adds.append(f"#h{index} :h{index}")
    sets = []
    expires = datetime.combine(date.fromisoformat(group[0].day), datetime.min.time(), timezone.utc)
    values[":expires"] = {"N": str(int((expires + timedelta(days=1 + MARK_DAYS)).timestamp()))}
    sets.append("expires_at = :expires")
    if new_first is not None:
        values[":first"] = {"S": new_first}
        sets.append("#first = if_not_exists(#first, :first)")
        names["#first"] = "first"
        conditions.append("attribute_not_exists(#first)")
    expression = "SET " + ", ".join(sets) + (" ADD " + ", ".join(adds) if adds else "")
    update = {
        "Key": {"mark_key": {"S": mark_key}},
        "UpdateExpression": expression,
        "ConditionExpression": " AND ".join(conditions),
        "ExpressionAttributeNames": names,
        "ExpressionAttributeValues": values,
    }
    return decided, update


# --- conversions -------------------------------------------------------------------------------


def _conversion_contributions(record: dict[str, Any]) -> list[tuple[int, str, str, _Counts]]:
    seq = _seq(record)
    event = record.get("eventName")
    if event not in ("INSERT", "MODIFY"):
        return []  # nothing removes a conversion but an operator; stats keep it
    change = record.get("dynamodb") or {}
    new, old = change.get("NewImage"), change.get("OldImage")
    if not isinstance(new, dict):
        raise Unreadable(f"{event} without a new image")
    delta: dict[str, int] = defaultdict(int)
    for image, sign in ((new, 1), (old, -1)):
        if isinstance(image, dict):
            for name, value in _conversion_counts(image).items():
                delta[name] += sign * value
    delta = {name: value for name, value in delta.items() if value}
    creator_id = _plain(new, "creator_id")
    if not delta or not creator_id:
        return []
    code = _text(new, "link_code")
    brand_id = _text(new, "brand_id")
    day = _text(new, "occurred_at")[:10]
    counts = _Counts(numbers=defaultdict(int, delta))
    link_counts = _Counts(numbers=defaultdict(int, delta), strings={"creator_id": creator_id})
    contributions = [(seq, f"link#{code}", keys.stats_day(day), link_counts)]
    contributions += [(seq, scope, keys.stats_day(day), counts)
                      for scope in (f"creator#{creator_id}", f"brand#{brand_id}")]
    contributions += [(seq, scope, keys.stats_link_day(day, code), link_counts)
                      for scope in (f"creator#{creator_id}", f"brand#{brand_id}")]
    return contributions


def _conversion_counts(image: dict[str, Any]) -> dict[str, int]:
    """What one state of a conversion adds to stats (§2): an attributed sale not fully
    refunded counts once, with its amount left and its current commission."""
    if not _plain(image, "creator_id") or _plain(image, "status") == "unattributed":
        return {}
    amount = _plain(image, "amount")
    refunded = _plain(image, "refunded_amount") or 0
    commission = _plain(image, "commission_amount")
    currency = _plain(image, "currency")
    commission_currency = _plain(image, "commission_currency")
    if not all(isinstance(v, int) for v in (amount, refunded, commission)) or not currency or not commission_currency:
        raise Unreadable("conversion without its amounts")
    return {
        "conversions": int(refunded < amount),
        f"sales#{currency}": amount - refunded,
        f"commission#{commission_currency}": commission,
    }


# --- counters -----------------------------------------------------------------------------------


def _read_items(table: str, item_keys: list[dict[str, Any]]) -> dict[tuple, dict[str, Any]]:
    """The items with these keys (consistent), by their key values."""
    found: dict[tuple, dict[str, Any]] = {}
    for start in range(0, len(item_keys), 100):
        pending: dict[str, Any] = {table: {"Keys": item_keys[start:start + 100], "ConsistentRead": True}}
        while pending:
            response = stats_client().batch_get_item(RequestItems=pending)
            for item in response.get("Responses", {}).get(table, []):
                key = tuple(item[name]["S"] for name in ("scope", "bucket") if name in item) or (
                    item["mark_key"]["S"],)
                found[key] = item
            pending = response.get("UnprocessedKeys") or {}
    return found


def _write_counters(
    contributions: Iterable[tuple[int, str, str, _Counts]], mark_name: str
) -> tuple[list[int], dict[tuple[str, str], dict[str, int]]]:
    """One conditional write per counter item. Returns the sequence numbers to report as failed,
    and what each item written took in."""
    by_item: dict[tuple[str, str], list[tuple[int, _Counts]]] = defaultdict(list)
    for seq, scope, bucket, counts in contributions:
        by_item[(scope, bucket)].append((seq, counts))
    taken_in: dict[tuple[str, str], dict[str, int]] = {}
    if not by_item:
        return [], taken_in
    table = StatsCounter.Meta.table_name
    items = _read_items(table, [{"scope": {"S": s}, "bucket": {"S": b}} for s, b in by_item])
    failed: list[int] = []
    for key, parts in by_item.items():
        for attempt in range(1, _ATTEMPTS + 1):
            try:
                taken_in[key] = _write_item(table, key, parts, items.get(key, {}), mark_name)
                break
            except stats_client().exceptions.ConditionalCheckFailedException:
                if attempt == _ATTEMPTS:
                    failed.append(min(seq for seq, _ in parts))
                    break
                items.update(_read_items(table, [{"scope": {"S": key[0]}, "bucket": {"S": key[1]}}]))
            except Exception:
                logger.exception("stats: counter not written", scope=key[0], bucket=key[1])
                failed.append(min(seq for seq, _ in parts))
                break
    return failed, taken_in


def _write_item(table: str, key: tuple[str, str], parts: list[tuple[int, _Counts]], item: dict[str, Any],
                mark_name: str) -> dict[str, int]:
    """Fold the parts the item has not taken in yet; what it took in (nothing: {})."""
    mark = (item.get(mark_name) or {}).get("S")
    fresh = [(seq, counts) for seq, counts in parts if mark is None or seq > int(mark)]
    if not fresh:
        return {}  # all of it was folded in by the delivery this one retries
    totals: dict[str, int] = defaultdict(int)
    strings: dict[str, str] = {}
    known = {name for name in item if "#" in name and not name.startswith("applied#")}
    for _seq_number, counts in fresh:
        for name, value in counts.numbers.items():
            capped = _capped(name, known)
            totals[capped] += value
            known.add(capped)
        strings.update(counts.strings)
    names: dict[str, str] = {"#mark": mark_name}
    values: dict[str, Any] = {":mark": {"S": f"{max(seq for seq, _ in fresh):040d}"}}
    adds = []
    for index, (name, value) in enumerate(sorted(totals.items())):
        if value:
            names[f"#c{index}"], values[f":c{index}"] = name, {"N": str(value)}
            adds.append(f"#c{index} :c{index}")
    sets = ["#mark = :mark"]
    for index, (name, text) in enumerate(sorted(strings.items())):
        names[f"#s{index}"], values[f":s{index}"] = name, {"S": text}
        sets.append(f"#s{index} = :s{index}")
    if mark is None:
        condition = "attribute_not_exists(#mark)"
    else:
        values[":old"] = {"S": mark}
        condition = "#mark = :old"
    stats_client().update_item(
        TableName=table,
        Key={"scope": {"S": key[0]}, "bucket": {"S": key[1]}},
        UpdateExpression="SET " + ", ".join(sets) + (" ADD " + ", ".join(adds) if adds else ""),
        ConditionExpression=condition,
        ExpressionAttributeNames=names,
        ExpressionAttributeValues=values,
    )
    return totals


def _capped(name: str, known: set[str]) -> str:
    """Unbounded breakdowns (referrers, sources) keep `BREAKDOWN_CAP` names; the rest is `other`."""
    kind = name.split("#", 1)[0]
    if kind not in ("referrer", "source") or name in known:
        return name
    if sum(1 for existing in known if existing.startswith(f"{kind}#")) >= BREAKDOWN_CAP:
        return f"{kind}#other"
    return name
