"""The stats reads (`GET /links/{code}/stats`, `GET /me/stats`): counters of UTC days,
pre-aggregated in the `stats` table (`storage/stats.py`), summed over a range of days.

Never computed from raw clicks. A link's range is one `Query` of its `day#` buckets; a
creator's or brand's is one `Query` of its `day#` buckets (totals and days) and one of its
`link#<day>#<code>` buckets (the top links). Days without an item are zeros.
"""
from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any, Iterator, Optional

from chalicelib.accounts.auth import BRAND, CREATOR
from chalicelib.base.clock import now
from chalicelib.base.errors import Forbidden, InvalidInput
from chalicelib.links.short_links import own_link
from chalicelib.storage import keys
from chalicelib.storage.stats import stats_store

DEFAULT_DAYS = 30
MAX_DAYS = 366
TOP_LINKS = 100

COUNTERS = ("clicks", "unique_clicks", "bot_clicks", "conversions")
LINK_COUNTERS = ("clicks", "unique_clicks", "conversions")
MONEY = ("sales", "commission")
BREAKDOWNS = {
    "country": "by_country",
    "device": "by_device",
    "app": "by_app",
    "referrer": "by_referrer",
    "source": "by_source",
    "via": "by_via",
}

_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", re.ASCII)


# --- the range of days ------------------------------------------------------------------------


def day_range(from_text: Optional[str], to_text: Optional[str]) -> tuple[date, date]:
    """`(from, to)`: `to` defaults to today (UTC), `from` to 29 days before `to`; at most 366 days."""
    last = _day("to", to_text) if to_text is not None else now().date()
    if from_text is not None:
        first = _day("from", from_text)
    else:
        try:
            first = last - timedelta(days=DEFAULT_DAYS - 1)
        except OverflowError:
            raise InvalidInput("to: too early for the default range of 30 days; give from") from None
    if first > last:
        raise InvalidInput(f"from ({first.isoformat()}) is after to ({last.isoformat()})")
    if (last - first).days + 1 > MAX_DAYS:
        raise InvalidInput(f"at most {MAX_DAYS} days from from to to, both included")
    return first, last


def _day(name: str, text: str) -> date:
    if not _DAY.fullmatch(text):
        raise InvalidInput(f"{name}: expected a day YYYY-MM-DD")
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidInput(f"{name}: {text} is not a real day") from None


def _days(first: date, last: date) -> Iterator[str]:
    for offset in range((last - first).days + 1):
        yield (first + timedelta(days=offset)).isoformat()


# --- the reads --------------------------------------------------------------------------------


def link_stats(creator_id: str, code: str, from_text: Optional[str], to_text: Optional[str]) -> dict:
    """One of the creator's links, day by day over the range (another creator's link: NotFound).

    One Query when the link's counters in the range all name this creator. Otherwise (no
    counters yet, older ones that name nobody, or any other name) the link itself decides."""
    first, last = day_range(from_text, to_text)
    items = _link_days(code, first, last)
    owners = {item.get("creator_id") for item in items}
    if not items or owners != {creator_id}:
        own_link(creator_id, code)  # NotFound for another creator's link
    return {"code": code, "from": first.isoformat(), "to": last.isoformat(), **_totals_and_days(items, first, last)}


def read_link_stats(code: str, from_text: Optional[str], to_text: Optional[str]) -> dict:
    """`link_stats` for a caller who has read the link already, and so knows it is theirs."""
    first, last = day_range(from_text, to_text)
    items = _link_days(code, first, last)
    return {"code": code, "from": first.isoformat(), "to": last.isoformat(), **_totals_and_days(items, first, last)}


def _link_days(code: str, first: date, last: date) -> list[dict[str, Any]]:
    return _query(f"link#{code}", keys.stats_day(first.isoformat()), keys.stats_day(last.isoformat()))


def my_stats(role: str, party_id: str, from_text: Optional[str], to_text: Optional[str]) -> dict:
    """All of a creator's links, or all links to a brand: totals, days and the top 100 links."""
    first, last = _party_range(role, from_text, to_text)
    return {**party_totals(role, party_id, from_text, to_text), "links": _links_of(role, party_id, first, last)}


def party_totals(role: str, party_id: str, from_text: Optional[str], to_text: Optional[str]) -> dict:
    """`my_stats` without its top links (one Query): what an overview without them needs."""
    first, last = _party_range(role, from_text, to_text)
    day_items = _query(f"{role}#{party_id}", keys.stats_day(first.isoformat()), keys.stats_day(last.isoformat()))
    return {"from": first.isoformat(), "to": last.isoformat(), **_totals_and_days(day_items, first, last)}


def top_links(role: str, party_id: str, from_text: Optional[str], to_text: Optional[str]) -> list[dict]:
    """`my_stats`' top links alone (one Query): what a page listing links needs."""
    first, last = _party_range(role, from_text, to_text)
    return _links_of(role, party_id, first, last)


def _party_range(role: str, from_text: Optional[str], to_text: Optional[str]) -> tuple[date, date]:
    if role not in (CREATOR, BRAND):
        raise Forbidden(f"stats are not available to the {role} role")
    return day_range(from_text, to_text)


def _links_of(role: str, party_id: str, first: date, last: date) -> list[dict]:
    # `~` sorts after every character of a code: the last day's links are all before it.
    items = _query(f"{role}#{party_id}", keys.stats_link_day(first.isoformat(), ""),
                   keys.stats_link_day(last.isoformat(), "~"))
    return _top_links(items, party_id if role == CREATOR else None)


# --- summing counters -------------------------------------------------------------------------


def _query(scope: str, low: str, high: str) -> list[dict[str, Any]]:
    """Every item of `scope` whose bucket is between `low` and `high` (both included), all pages,
    as plain values."""
    return stats_store().counter_items(scope, low, high)


def _number(value: Any) -> Optional[int]:
    """A counter's value, or None for any other attribute (watermarks, ids)."""
    return value if isinstance(value, int) and not isinstance(value, bool) else None


class _Sums:
    """Counters, money per currency and breakdowns per name, added item by item."""

    def __init__(self, counters: tuple[str, ...], breakdowns: bool):
        self.counters = dict.fromkeys(counters, 0)
        self.money: dict[str, dict[str, int]] = {name: {} for name in MONEY}
        self.breakdowns: Optional[dict[str, dict[str, int]]] = (
            {name: {} for name in BREAKDOWNS} if breakdowns else None
        )

    def add(self, item: dict[str, Any]) -> None:
        for attribute, value in item.items():
            number = _number(value)
            if number is None:
                continue
            if attribute in self.counters:
                self.counters[attribute] += number
                continue
            kind, separator, name = attribute.partition("#")
            if not separator or not name:
                continue
            if kind in self.money:
                into = self.money[kind]
            elif self.breakdowns is not None and kind in self.breakdowns:
                into = self.breakdowns[kind]
            else:
                continue
            into[name] = into.get(name, 0) + number

    def view(self) -> dict[str, Any]:
        answer: dict[str, Any] = {**self.counters}
        answer.update({kind: _positive(sums) for kind, sums in self.money.items()})
        if self.breakdowns is not None:
            answer.update({BREAKDOWNS[kind]: _positive(sums) for kind, sums in self.breakdowns.items()})
        return answer


def _positive(sums: dict[str, int]) -> dict[str, int]:
    """Only the names with a count, in name order."""
    return {name: sums[name] for name in sorted(sums) if sums[name] > 0}


def _totals_and_days(items: list[dict[str, Any]], first: date, last: date) -> dict[str, Any]:
    totals = _Sums(COUNTERS, breakdowns=True)
    by_day: dict[str, _Sums] = {}
    for item in items:
        day = item["bucket"].removeprefix("day#")
        totals.add(item)
        by_day.setdefault(day, _Sums(COUNTERS, breakdowns=False)).add(item)
    days = [{"date": day, **by_day.get(day, _Sums(COUNTERS, breakdowns=False)).view()} for day in _days(first, last)]
    return {"totals": totals.view(), "days": days}


def _top_links(items: list[dict[str, Any]], creator_id: Optional[str]) -> list[dict[str, Any]]:
    """The links of the range by clicks, most first, ties by code; at most 100."""
    sums: dict[str, _Sums] = {}
    creators: dict[str, Optional[str]] = {}
    for item in items:
        # link#YYYY-MM-DD#<code>: the code is everything after the day (a code has no `#`, but be safe)
        code = item["bucket"].split("#", 2)[2]
        sums.setdefault(code, _Sums(LINK_COUNTERS, breakdowns=False)).add(item)
        owner = item.get("creator_id")
        creators[code] = owner or creators.get(code) or creator_id
    ranked = sorted(sums, key=lambda code: (-sums[code].counters["clicks"], code))[:TOP_LINKS]
    return [{"code": code, "creator_id": creators[code], **sums[code].view()} for code in ranked]
