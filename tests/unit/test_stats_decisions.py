"""The stats' decisions on plain values (no I/O): a click's reading, unique and automated clicks,
what a click or a conversion adds where, what a counter item takes in; and the aggregator on the
stats store's in-memory twin (no moto)."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from chalicelib.stats import aggregator, decisions
from chalicelib.stats.decisions import Contribution, Counts, StreamClick, Unreadable
from chalicelib.storage import keys, seam
from chalicelib.storage.memory.stats import InMemoryStatsStore
from chalicelib.storage.stats import CounterState, VisitorMarks
from chalicelib.storage.tap import click_item, click_values

AT = datetime(2026, 11, 20, 10, 0, 5, tzinfo=timezone.utc)


def values(click_id: str, *, at: datetime = AT, visitor: str = "v1", bot: bool = False, **more) -> dict:
    return {"click_id": click_id, "code": "serum", "creator_id": "cr_1", "brand_id": "br_1",
            "clicked_at": at.strftime("%Y-%m-%dT%H:%M:%SZ"), "visitor_hash": visitor, "user_agent": "agent",
            "referrer": "tiktok.com", "country": "FR", "device": "mobile", "app": "tiktok", "via": "link",
            "is_bot": bot, "source": None, "expires_at": at + timedelta(days=120), **more}


def clicks(count: int, start: int = 1, **more) -> list[StreamClick]:
    return [decisions.stream_click(seq, values(f"k{seq}", **more)) for seq in range(start, start + count)]


# --- reading a click -----------------------------------------------------------------------------


def test_the_codec_decodes_what_it_encodes_and_the_stats_read_it():
    item = click_item(values("k1", source="tiktok:video:1"))
    assert click_values(item) == values("k1", source="tiktok:video:1")
    click = decisions.stream_click(5, click_values(item))
    assert (click.seq, click.day, click.minute, click.source) == (5, "2026-11-20", "10:00", "tiktok:video:1")


def test_a_click_without_its_breakdowns_takes_the_defaults():
    bare = {name: value for name, value in values("k1").items()
            if name not in ("country", "device", "app", "via", "referrer", "is_bot")}
    click = decisions.stream_click(1, bare)
    assert (click.country, click.device, click.app, click.via, click.referrer, click.is_bot) == (
        "unknown", "other", "browser", "link", "direct", False)


@pytest.mark.parametrize("broken", [{"click_id": None}, {"code": ""}, {"clicked_at": "yesterday"}])
def test_a_click_without_its_ids_or_a_timestamp_is_unreadable(broken):
    with pytest.raises(Unreadable):
        decisions.stream_click(1, {**values("k1"), **broken})


# --- unique and automated ------------------------------------------------------------------------


def test_a_visitor_s_first_human_click_is_the_unique_one_and_the_21st_of_a_minute_is_automation():
    group = clicks(21)
    decided, added = decisions.decide_visitor(group, VisitorMarks())
    assert decided["k1"] == (True, True)
    assert [decided[f"k{seq}"] for seq in range(2, 21)] == [(True, False)] * 19
    assert decided["k21"] == (False, False)
    assert added.first == "k1" and len(added.ids["10:00"]) == 21 and len(added.humans["10:00"]) == 20
    assert added.expires_at == int(datetime(2026, 12, 6, tzinfo=timezone.utc).timestamp())


def test_a_click_seen_before_keeps_its_verdict_and_adds_nothing():
    marks = VisitorMarks(first="k1", ids={"10:00": frozenset({"k1", "k2"})}, humans={"10:00": frozenset({"k1"})})
    decided, added = decisions.decide_visitor(clicks(2), marks)
    assert decided == {"k1": (True, True), "k2": (False, False)}
    assert added is None


def test_a_visitor_counted_earlier_that_day_has_no_second_unique_click():
    marks = VisitorMarks(first="k0", ids={"09:00": frozenset({"k0"})}, humans={"09:00": frozenset({"k0"})})
    decided, added = decisions.decide_visitor(clicks(1), marks)
    assert decided == {"k1": (True, False)} and added.first is None


def test_visitors_are_grouped_by_link_day_and_visitor():
    groups = decisions.visitor_groups(clicks(2) + clicks(1, start=3, visitor="v2"))
    assert {key: [c.click_id for c in group] for key, group in groups.items()} == {
        keys.visitor_mark("serum", "2026-11-20", "v1"): ["k1", "k2"],
        keys.visitor_mark("serum", "2026-11-20", "v2"): ["k3"],
    }


# --- contributions -----------------------------------------------------------------------------


def test_a_human_click_counts_on_its_link_creator_and_brand_and_a_bot_only_as_a_bot():
    human, bot = clicks(2)
    found = decisions.click_contributions([human, bot], {"k1": (True, True), "k2": (False, False)})
    by_place = {(c.seq, c.scope, c.bucket): c.counts for c in found}
    link_day = by_place[(1, "link#serum", "day#2026-11-20")]
    assert link_day.numbers["clicks"] == 1 and link_day.numbers["unique_clicks"] == 1
    assert link_day.numbers["country#FR"] == 1 and link_day.strings == {"creator_id": "cr_1"}
    assert by_place[(1, "creator#cr_1", keys.stats_link_day("2026-11-20", "serum"))].numbers["clicks"] == 1
    assert dict(by_place[(2, "brand#br_1", "day#2026-11-20")].numbers) == {"bot_clicks": 1}
    assert (2, "brand#br_1", keys.stats_link_day("2026-11-20", "serum")) not in by_place
    assert len(found) == 5 + 3


def sale(**more) -> dict:
    return {"creator_id": "cr_1", "brand_id": "br_1", "link_code": "serum", "status": "pending", "amount": 10_000,
            "refunded_amount": 0, "currency": "EUR", "commission_amount": 1_000, "commission_currency": "EUR",
            "occurred_at": "2026-11-20T12:00:00Z", **more}


def test_a_refund_takes_its_amount_and_commission_off_and_a_full_one_the_conversion():
    found = decisions.conversion_contributions(9, "MODIFY", sale(refunded_amount=10_000, commission_amount=0),
                                               sale(refunded_amount=4_000, commission_amount=600))
    assert {(c.scope, c.bucket) for c in found} == {
        ("link#serum", "day#2026-11-20"), ("creator#cr_1", "day#2026-11-20"), ("brand#br_1", "day#2026-11-20"),
        ("creator#cr_1", keys.stats_link_day("2026-11-20", "serum")),
        ("brand#br_1", keys.stats_link_day("2026-11-20", "serum"))}
    assert dict(found[0].counts.numbers) == {"conversions": -1, "sales#EUR": -6_000, "commission#EUR": -600}


def test_conversions_that_change_no_counter_add_nothing_and_one_without_amounts_is_unreadable():
    assert decisions.conversion_contributions(1, "REMOVE", None, sale()) == []
    assert decisions.conversion_contributions(1, "INSERT", sale(status="unattributed"), None) == []
    assert decisions.conversion_contributions(1, "MODIFY", sale(), sale()) == []
    with pytest.raises(Unreadable):
        decisions.conversion_contributions(1, "INSERT", sale(amount=None), None)
    with pytest.raises(Unreadable):
        decisions.conversion_contributions(1, "INSERT", None, None)


# --- what a counter item takes in -----------------------------------------------------------------


def test_a_counter_item_takes_in_only_what_follows_its_mark():
    parts = [(seq, Counts(numbers={"clicks": 1})) for seq in (3, 5, 8)]
    add = decisions.counter_add(("link#serum", "day#2026-11-20"), parts, CounterState(applied=f"{5:040d}"), "m")
    assert (add.numbers, add.applied, add.new_applied) == ({"clicks": 1}, f"{5:040d}", f"{8:040d}")
    assert decisions.counter_add(("s", "b"), parts, CounterState(applied=f"{8:040d}"), "m") is None


def test_referrers_beyond_a_hundred_names_are_other():
    known = frozenset(f"referrer#r{index}.com" for index in range(100))
    parts = [(1, Counts(numbers={"referrer#new.com": 1, "referrer#r1.com": 1, "country#FR": 1}))]
    add = decisions.counter_add(("s", "b"), parts, CounterState(names=known), "m")
    assert add.numbers == {"referrer#other": 1, "referrer#r1.com": 1, "country#FR": 1}


def test_contributions_are_grouped_by_counter_item_in_stream_order():
    a, b = Counts(), Counts()
    grouped = decisions.by_counter_item([Contribution(1, "s", "b", a), Contribution(2, "t", "b", b),
                                         Contribution(3, "s", "b", b)])
    assert grouped == {("s", "b"): [(1, a), (3, b)], ("t", "b"): [(2, b)]}


# --- the aggregator on the twin -------------------------------------------------------------------


def event(images: list[dict], shard: str = "shard-1") -> dict:
    records = [{"eventName": "INSERT", "dynamodb": {"SequenceNumber": str(100 + index), "NewImage": image}}
               for index, image in enumerate(images)]
    return {"Records": records, "shardId": shard, "window": {"start": "x"}}


def test_a_batch_delivered_twice_counts_once_and_a_broken_record_stops_the_fold_at_it():
    store = InMemoryStatsStore()
    images = [click_item(values(f"k{index}", visitor=f"v{index % 2}")) for index in range(4)]
    broken = {**images[2], "clicked_at": {"S": "later"}}
    with seam.replaced(stats=store):
        answer = aggregator.handle_click_batch(event(images[:2] + [broken] + images[3:]))
        assert answer == {"batchItemFailures": [{"itemIdentifier": "102"}], "state": {}}
        assert aggregator.handle_click_batch(event(images)) == {"batchItemFailures": [], "state": {}}
        assert aggregator.handle_click_batch(event(images)) == {"batchItemFailures": [], "state": {}}
        [day] = store.counter_items("link#serum", "day#2026-11-20", "day#2026-11-20")
    assert (day["clicks"], day["unique_clicks"], day["creator_id"]) == (4, 2, "cr_1")


def test_a_conversion_batch_folds_on_the_twin():
    store = InMemoryStatsStore()
    typed = {name: ({"N": str(value)} if isinstance(value, int) else {"S": value}) for name, value in sale().items()}
    with seam.replaced(stats=store):
        assert aggregator.handle_conversion_batch(event([typed])) == {"batchItemFailures": [], "state": {}}
        [day] = store.counter_items("brand#br_1", "day#2026-11-20", "day#2026-11-20")
    assert (day["conversions"], day["sales#EUR"], day["commission#EUR"]) == (1, 10_000, 1_000)
