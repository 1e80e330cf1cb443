"""What the stats make of stream records, decided on plain values (no I/O): a click's reading,
unique and automated clicks (against a visitor's marks), what each click or conversion adds to
which counter item, and what one counter item takes in of a batch (exactly once, breakdowns
capped). The aggregator (`stats/aggregator.py`) reads and writes; this module only decides.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from typing import Any, Iterable, Optional

from chalicelib.storage import keys
from chalicelib.storage.stats import CounterAdd, CounterState, MarksAdded, VisitorMarks

HUMAN_CLICKS_PER_MINUTE = 20
BREAKDOWN_CAP = 100  # distinct referrers (or sources) an item keeps; the rest go to `other`
MARK_DAYS = 15  # visitor marks outlive the stream's retention and a click's stay in the spool

Verdict = tuple[bool, bool]  # (human, unique)


class Unreadable(ValueError):
    """A stream record the stats cannot read."""


@dataclass
class Counts:
    """What one record adds to one counter item: numbers to add, strings to set."""

    numbers: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    strings: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Contribution:
    seq: int  # the stream record's sequence number
    scope: str
    bucket: str
    counts: Counts


@dataclass(frozen=True)
class StreamClick:
    """A click as a stream record shows it, with the record's sequence number."""

    seq: int
    click_id: str
    code: str
    creator_id: str
    brand_id: str
    day: str  # YYYY-MM-DD (UTC)
    minute: str  # HH:MM
    visitor: str
    is_bot: bool
    country: str
    device: str
    app: str
    via: str
    referrer: str
    source: Optional[str]


# --- reading -------------------------------------------------------------------------------------


def _text(values: dict[str, Any], name: str) -> str:
    value = values.get(name)
    if not isinstance(value, str) or not value:
        raise Unreadable(f"{name} missing")
    return value


def stream_click(seq: int, values: dict[str, Any]) -> StreamClick:
    """The click of a stream image (its plain values, `storage.tap.click_values`); Unreadable
    without its ids or a timestamp; the breakdowns a click leaves out take their defaults."""
    clicked_at = _text(values, "clicked_at")
    try:
        datetime.strptime(clicked_at, "%Y-%m-%dT%H:%M:%SZ")
    except ValueError:
        raise Unreadable("clicked_at is not a timestamp") from None
    return StreamClick(
        seq=seq,
        click_id=_text(values, "click_id"),
        code=_text(values, "code"),
        creator_id=_text(values, "creator_id"),
        brand_id=_text(values, "brand_id"),
        day=clicked_at[:10],
        minute=clicked_at[11:16],
        visitor=_text(values, "visitor_hash"),
        is_bot=bool(values.get("is_bot")),
        country=values.get("country") or "unknown",
        device=values.get("device") or "other",
        app=values.get("app") or "browser",
        via=values.get("via") or "link",
        referrer=values.get("referrer") or "direct",
        source=values.get("source"),
    )


def before(cutoff: Optional[int], items: Iterable[Any]) -> list[Any]:
    """The items (with a `seq`) before the cutoff (None: all): what may be folded when the record
    `cutoff` failed, since the shard's mark never passes a failed record."""
    return [item for item in items if cutoff is None or item.seq < cutoff]


# --- unique and automated clicks ------------------------------------------------------------------


def visitor_groups(clicks: Iterable[StreamClick]) -> dict[str, list[StreamClick]]:
    """The clicks by visitor mark (visitor, link, UTC day), each group in stream order."""
    groups: dict[str, list[StreamClick]] = defaultdict(list)
    for click in sorted(clicks, key=lambda c: c.seq):
        groups[keys.visitor_mark(click.code, click.day, click.visitor)].append(click)
    return dict(groups)


def decide_visitor(group: list[StreamClick], marks: VisitorMarks) -> tuple[dict[str, Verdict], Optional[MarksAdded]]:
    """Each click's verdict (human, unique) against the visitor's marks, and what to add to them
    (None: nothing). The first 20 clicks of a visitor in a minute are human; the first human click
    of the day is the unique one; a click seen before (a retry) keeps the verdict it got."""
    added_ids: dict[str, set[str]] = defaultdict(set)
    added_humans: dict[str, set[str]] = defaultdict(set)
    decided: dict[str, Verdict] = {}
    new_first: Optional[str] = None
    for click in group:
        known_humans = marks.humans.get(click.minute, frozenset())
        if click.click_id in marks.ids.get(click.minute, frozenset()):
            human = click.click_id in known_humans
        else:
            human = len(known_humans) + len(added_humans[click.minute]) < HUMAN_CLICKS_PER_MINUTE
            added_ids[click.minute].add(click.click_id)
            if human:
                added_humans[click.minute].add(click.click_id)
        if human and marks.first is None and new_first is None:
            new_first = click.click_id
        decided[click.click_id] = (human, human and click.click_id == (marks.first or new_first))
    if not added_ids and new_first is None:
        return decided, None
    return decided, MarksAdded(
        ids={minute: frozenset(ids) for minute, ids in added_ids.items()},
        humans={minute: frozenset(ids) for minute, ids in added_humans.items() if ids},
        first=new_first,
        expires_at=mark_expiry(group[0].day),
    )


def mark_expiry(day: str) -> int:
    """When a visitor mark of `day` may go (epoch seconds): `MARK_DAYS` after the day ends."""
    start = datetime.combine(date.fromisoformat(day), datetime.min.time(), timezone.utc)
    return int((start + timedelta(days=1 + MARK_DAYS)).timestamp())


# --- contributions -----------------------------------------------------------------------------


def click_contributions(clicks: Iterable[StreamClick], verdicts: dict[str, Verdict]) -> list[Contribution]:
    """What each click adds: the day items of its link, creator and brand, and (a human click) the
    link's row under its creator and brand. A click without a verdict counts as a bot's."""
    contributions = []
    for click in clicks:
        human, unique = verdicts.get(click.click_id, (False, False))
        day_counts, link_counts = _click_counts(click, human, unique)
        # The link's own day items name its creator: a stats read proves ownership with them.
        link_day = Counts(numbers=day_counts.numbers, strings={"creator_id": click.creator_id})
        day_bucket = keys.stats_day(click.day)
        contributions.append(Contribution(click.seq, f"link#{click.code}", day_bucket, link_day))
        parties = (f"creator#{click.creator_id}", f"brand#{click.brand_id}")
        contributions += [Contribution(click.seq, scope, day_bucket, day_counts) for scope in parties]
        if human:
            link_bucket = keys.stats_link_day(click.day, click.code)
            contributions += [Contribution(click.seq, scope, link_bucket, link_counts) for scope in parties]
    return contributions


def _click_counts(click: StreamClick, human: bool, unique: bool) -> tuple[Counts, Counts]:
    day_counts = Counts()
    link_counts = Counts(strings={"creator_id": click.creator_id})
    if not human:
        day_counts.numbers["bot_clicks"] += 1
        return day_counts, link_counts
    for counts in (day_counts, link_counts):
        counts.numbers["clicks"] += 1
        counts.numbers["unique_clicks"] += int(unique)
    for name in (f"country#{click.country}", f"device#{click.device}", f"app#{click.app}",
                 f"via#{click.via}", f"referrer#{click.referrer}"):
        day_counts.numbers[name] += 1
    if click.source:
        day_counts.numbers[f"source#{click.source}"] += 1
    return day_counts, link_counts


def conversion_contributions(
    seq: int, event_name: Any, new: Optional[dict[str, Any]], old: Optional[dict[str, Any]]
) -> list[Contribution]:
    """What a conversion's change (its images as plain values) adds: the difference between its
    new and old state's counts, to its link's, creator's and brand's items."""
    if event_name not in ("INSERT", "MODIFY"):
        return []  # nothing removes a conversion but an operator; stats keep it
    if new is None:
        raise Unreadable(f"{event_name} without a new image")
    delta: dict[str, int] = defaultdict(int)
    for image, sign in ((new, 1), (old, -1)):
        if image is not None:
            for name, value in conversion_counts(image).items():
                delta[name] += sign * value
    delta = {name: value for name, value in delta.items() if value}
    creator_id = new.get("creator_id")
    if not delta or not creator_id:
        return []
    code, brand_id, day = _text(new, "link_code"), _text(new, "brand_id"), _text(new, "occurred_at")[:10]
    counts = Counts(numbers=defaultdict(int, delta))
    link_counts = Counts(numbers=defaultdict(int, delta), strings={"creator_id": creator_id})
    parties = (f"creator#{creator_id}", f"brand#{brand_id}")
    return (
        [Contribution(seq, f"link#{code}", keys.stats_day(day), link_counts)]
        + [Contribution(seq, scope, keys.stats_day(day), counts) for scope in parties]
        + [Contribution(seq, scope, keys.stats_link_day(day, code), link_counts) for scope in parties]
    )


def conversion_counts(values: dict[str, Any]) -> dict[str, int]:
    """What one state of a conversion adds to stats (§2): an attributed sale not fully
    refunded counts once, with its amount left and its current commission."""
    if not values.get("creator_id") or values.get("status") == "unattributed":
        return {}
    amount, refunded = values.get("amount"), values.get("refunded_amount") or 0
    commission = values.get("commission_amount")
    currency, commission_currency = values.get("currency"), values.get("commission_currency")
    if not isinstance(amount, int) or not isinstance(refunded, int) or not isinstance(commission, int) \
            or not currency or not commission_currency:
        raise Unreadable("conversion without its amounts")
    return {
        "conversions": int(refunded < amount),
        f"sales#{currency}": amount - refunded,
        f"commission#{commission_currency}": commission,
    }


# --- what a counter item takes in ---------------------------------------------------------------


def by_counter_item(contributions: Iterable[Contribution]) -> dict[tuple[str, str], list[tuple[int, Counts]]]:
    """The contributions by counter item (scope, bucket), in stream order: one write per item."""
    by_item: dict[tuple[str, str], list[tuple[int, Counts]]] = defaultdict(list)
    for contribution in contributions:
        by_item[(contribution.scope, contribution.bucket)].append((contribution.seq, contribution.counts))
    return dict(by_item)


def counter_add(
    key: tuple[str, str], parts: list[tuple[int, Counts]], state: CounterState, mark_name: str
) -> Optional[CounterAdd]:
    """The write that folds into the item the parts it has not taken in yet (those after its mark),
    moving its mark to the last of them; None when it took them all in already (a retry)."""
    fresh = [(seq, counts) for seq, counts in parts if state.applied is None or seq > int(state.applied)]
    if not fresh:
        return None
    totals: dict[str, int] = defaultdict(int)
    strings: dict[str, str] = {}
    known = set(state.names)
    for _seq, counts in fresh:
        for name, value in counts.numbers.items():
            capped = capped_name(name, known)
            totals[capped] += value
            known.add(capped)
        strings.update(counts.strings)
    return CounterAdd(
        scope=key[0], bucket=key[1], mark_name=mark_name, applied=state.applied,
        new_applied=f"{max(seq for seq, _ in fresh):040d}", numbers=dict(totals), strings=strings,
    )


def capped_name(name: str, known: set[str]) -> str:
    """Unbounded breakdowns (referrers, sources) keep `BREAKDOWN_CAP` names; the rest is `other`."""
    kind = name.split("#", 1)[0]
    if kind not in ("referrer", "source") or name in known:
        return name
    if sum(1 for existing in known if existing.startswith(f"{kind}#")) >= BREAKDOWN_CAP:
        return f"{kind}#other"
    return name
