"""The stats aggregator: folds a batch of stream records (clicks, conversions) into per-day counter
items, one write per counter item per batch, exactly once under Lambda's retries. One handler per
stream: `handle_click_batch`, `handle_conversion_batch`. What to count is decided in
`stats/decisions.py` on plain values; the counters and visitor marks are `StatsStore`'s.

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

from typing import Any, Callable, Optional

from chalicelib.base import batches
from chalicelib.base.observability import count, logger
from chalicelib.stats import decisions
from chalicelib.stats.decisions import Contribution, Counts, StreamClick, Unreadable, Verdict
from chalicelib.storage.errors import ChangedMeanwhile
from chalicelib.storage.stats import CounterState, StatsStore, VisitorMarks, plain_image, stats_store
from chalicelib.storage.tap import click_values

_ATTEMPTS = 3
TakenIn = dict[tuple[str, str], dict[str, int]]


def handle_click_batch(event: dict[str, Any]) -> dict[str, Any]:
    """A Lambda (or local pump) event of one shard of the clicks' stream, folded; Lambda's answer."""
    shard = _shard_of(event)
    records = event.get("Records") or []
    read, failed = _read(records, _click_of, "clicks")
    clicks = [click for click in read if click is not None]
    verdicts, unmarked = _classify([c for c in decisions.before(_cutoff(failed), clicks) if not c.is_bot])
    failed.extend(unmarked)
    contributions = decisions.click_contributions(decisions.before(_cutoff(failed), clicks), verdicts)
    not_written, taken_in = _write_counters(contributions, f"applied#clicks#{shard}")
    failed.extend(not_written)
    count("StatsRecords", len(records))
    _count_clicks(taken_in)
    return _answer(event, failed)


def handle_conversion_batch(event: dict[str, Any]) -> dict[str, Any]:
    """A Lambda (or local pump) event of one shard of the conversions' stream, folded; Lambda's answer."""
    shard = _shard_of(event)
    records = event.get("Records") or []
    read, failed = _read(records, _conversion_contributions, "conversions")
    contributions = decisions.before(_cutoff(failed), [c for found in read for c in found])
    not_written, _taken_in = _write_counters(contributions, f"applied#conversions#{shard}")
    failed.extend(not_written)
    count("StatsRecords", len(records))
    return _answer(event, failed)


def _shard_of(event: dict[str, Any]) -> str:
    shard = event.get("shardId")
    if not shard:
        # Without it no mark can be kept: configure the event source mapping with a tumbling window.
        raise RuntimeError("the stream event names no shardId (the event source mapping needs a tumbling window)")
    return str(shard)


def _answer(event: dict[str, Any], failed: list[int]) -> dict[str, Any]:
    answer = batches.failures_answer(str(seq) for seq in sorted(set(failed)))
    if "window" in event:
        answer["state"] = {}  # a tumbling window's answer must carry its state (none is kept)
    return answer


def _cutoff(failed: list[int]) -> Optional[int]:
    return min(failed) if failed else None


def _read(records: list[Any], read: Callable[[dict[str, Any]], Any], stream: str) -> tuple[list[Any], list[int]]:
    """Each record read (`base.batches`): one that cannot be read is reported as failed without
    stopping the others' reading. Returns what was read, and the failed sequence numbers."""
    # A record without a sequence number cannot be named to Lambda nor redelivered alone: it is
    # logged and left out (Lambda never sends one; a test or a hand-made event might).
    nameable = [record for record in records if _has_sequence_number(record)]
    if len(nameable) < len(records):
        logger.warning("stats: stream records without a sequence number left out", stream=stream,
                       count=len(records) - len(nameable))
    read_ones, failed_ids = batches.handle_records(nameable, lambda record: read(record.raw_event), "DynamoDBStreams")
    failed = [int(identifier) for identifier in failed_ids]
    if failed:
        logger.warning("stats: unreadable stream records", stream=stream, failed=[str(seq) for seq in failed])
    return read_ones, failed


def _has_sequence_number(record: Any) -> bool:
    change = record.get("dynamodb") if isinstance(record, dict) else None
    number = change.get("SequenceNumber") if isinstance(change, dict) else None
    return isinstance(number, str) and number.isascii() and number.isdigit()


def _seq(record: dict[str, Any]) -> int:
    try:
        return int(record["dynamodb"]["SequenceNumber"])
    except (KeyError, TypeError, ValueError):
        raise Unreadable("no sequence number") from None


def _click_of(record: dict[str, Any]) -> Optional[StreamClick]:
    seq = _seq(record)
    if record.get("eventName") != "INSERT":
        return None  # a TTL expiry (REMOVE) or anything else changes no stats
    image = (record.get("dynamodb") or {}).get("NewImage")
    if not isinstance(image, dict):
        raise Unreadable("INSERT without a new image")
    return decisions.stream_click(seq, click_values(image))


def _conversion_contributions(record: dict[str, Any]) -> list[Contribution]:
    seq = _seq(record)
    change = record.get("dynamodb") or {}
    new, old = change.get("NewImage"), change.get("OldImage")
    return decisions.conversion_contributions(
        seq,
        record.get("eventName"),
        plain_image(new) if isinstance(new, dict) else None,
        plain_image(old) if isinstance(old, dict) else None,
    )


# --- visitor marks ---------------------------------------------------------------------------------


def _classify(clicks: list[StreamClick]) -> tuple[dict[str, Verdict], list[int]]:
    """click id → (human, unique), decided with the visitors' marks; and the sequence numbers of
    the first click of each visitor whose marks could not be written (reported, redelivered)."""
    groups = decisions.visitor_groups(clicks)
    verdicts: dict[str, Verdict] = {}
    unmarked: list[int] = []
    if not groups:
        return verdicts, unmarked
    store = stats_store()
    try:
        all_marks = store.read_visitor_marks(list(groups))  # one BatchGetItem
    except Exception:
        logger.exception("stats: visitor marks not read")
        return verdicts, [min(click.seq for click in clicks)]
    for mark_key, group in groups.items():
        decided = _mark_visitor(store, mark_key, group, all_marks.get(mark_key, VisitorMarks()))
        if decided is None:
            unmarked.append(min(click.seq for click in group))
        else:
            verdicts.update(decided)
    return verdicts, unmarked


def _mark_visitor(
    store: StatsStore, mark_key: str, group: list[StreamClick], marks: VisitorMarks
) -> Optional[dict[str, Verdict]]:
    """The group's verdicts, once the marks they add are written; None if they could not be (another
    shard keeps writing this visitor's marks, or the write failed): the visitor's first click and
    what follows it are redelivered, the rest of the batch is folded."""
    for attempt in range(1, _ATTEMPTS + 1):
        decided, added = decisions.decide_visitor(group, marks)
        try:
            if added is not None:
                store.add_visitor_marks(mark_key, marks, added)
            return decided
        except ChangedMeanwhile:
            if attempt < _ATTEMPTS:
                marks = store.read_visitor_marks([mark_key]).get(mark_key, VisitorMarks())
        except Exception:
            logger.exception("stats: visitor marks not written", mark_key=mark_key)
            return None
    return None


# --- counters ----------------------------------------------------------------------------------------


def _write_counters(contributions: list[Contribution], mark_name: str) -> tuple[list[int], TakenIn]:
    """One conditional write per counter item. Returns the sequence numbers to report as failed,
    and what each item written took in."""
    by_item = decisions.by_counter_item(contributions)
    taken_in: TakenIn = {}
    if not by_item:
        return [], taken_in
    store = stats_store()
    states = store.read_counters(list(by_item), mark_name)
    failed: list[int] = []
    for key, parts in by_item.items():
        took = _write_item(store, key, parts, states, mark_name)
        if took is None:
            failed.append(min(seq for seq, _ in parts))
        else:
            taken_in[key] = took
    return failed, taken_in


def _write_item(
    store: StatsStore, key: tuple[str, str], parts: list[tuple[int, Counts]],
    states: dict[tuple[str, str], CounterState], mark_name: str,
) -> Optional[dict[str, int]]:
    """Fold the parts the item has not taken in yet; what it took in ({}: nothing new), None: not written."""
    for attempt in range(1, _ATTEMPTS + 1):
        add = decisions.counter_add(key, parts, states.get(key, CounterState()), mark_name)
        if add is None:
            return {}  # all of it was folded in by the delivery this one retries
        try:
            store.add_to_counter(add)
            return dict(add.numbers)
        except ChangedMeanwhile:
            if attempt < _ATTEMPTS:
                states.update(store.read_counters([key], mark_name))
        except Exception:
            logger.exception("stats: counter not written", scope=key[0], bucket=key[1])
            return None
    return None


def _count_clicks(taken_in: TakenIn) -> None:
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
