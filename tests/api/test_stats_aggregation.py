"""The stats aggregator (issue 9): stream batches folded into per-day counters, exactly once
under Lambda's redeliveries, one write per counter item per batch."""
from __future__ import annotations

import json
from collections import Counter
from datetime import timedelta

import pytest

from app import aggregate_click_stats, aggregate_conversion_stats
from chalicelib.base import aws as aws_clients
from chalicelib.storage import keys
from chalicelib.storage.stats import StatsCounter
from chalicelib.storage.tap import Click
from tests.helpers import STATS_DAY as DAY
from tests.helpers import STREAM_TIKTOK as TIKTOK
from tests.helpers import Shard, conversion_image, emitted_metrics, fresh
from tests.helpers import click_image as click


def counters(scope: str, bucket: str) -> dict[str, int]:
    item = aws_clients.client("dynamodb").get_item(TableName=StatsCounter.Meta.table_name,
                                   Key={"scope": {"S": scope}, "bucket": {"S": bucket}}, ConsistentRead=True)
    return {name: int(value["N"]) for name, value in item.get("Item", {}).items() if "N" in value}


def day(code: str, moment=DAY) -> dict[str, int]:
    return counters(f"link#{code}", keys.stats_day(moment.strftime("%Y-%m-%d")))


@pytest.fixture
def code():
    return f"c{fresh()}"


def test_humans_bots_and_a_repeated_visitor_over_two_days(aws, code):
    shard = Shard()
    records = [
        shard.record("INSERT", click(code, visitor="anna")),
        shard.record("INSERT", click(code, visitor="anna", at=DAY + timedelta(minutes=3))),  # not unique again
        shard.record("INSERT", click(code, visitor="ben", app="instagram", country="US", referrer="direct")),
        shard.record("INSERT", click(code, visitor="crawler", bot=True)),
        shard.record("INSERT", click(code, visitor="anna", at=DAY + timedelta(days=1))),  # a new day: unique again
    ]
    assert aggregate_click_stats(shard.event(records), None) == {"batchItemFailures": []}
    first = day(code)
    assert (first["clicks"], first["unique_clicks"], first["bot_clicks"]) == (3, 2, 1)
    assert (first["app#tiktok"], first["app#instagram"]) == (2, 1)
    assert (first["country#FR"], first["country#US"], first["referrer#tiktok.com"], first["referrer#direct"]) == (
        2, 1, 2, 1)
    assert (first["device#mobile"], first["via#link"], first["source#tiktok:video:7312"]) == (3, 3, 3)
    assert "app#browser" not in first  # bots are only in bot_clicks
    second = day(code, DAY + timedelta(days=1))
    assert (second["clicks"], second["unique_clicks"]) == (1, 1)
    creator_day = counters("creator#cr_1", keys.stats_day("2026-11-20"))
    assert creator_day["clicks"] >= 3
    link_row = counters("creator#cr_1", keys.stats_link_day("2026-11-20", code))
    assert (link_row["clicks"], link_row["unique_clicks"]) == (3, 2)


def test_a_batch_delivered_again_whole_counts_once(aws, code):
    shard = Shard()
    records = [shard.record("INSERT", click(code, visitor=f"v{i}")) for i in range(5)]
    aggregate_click_stats(shard.event(records), None)
    aggregate_click_stats(shard.event(records), None)
    assert (day(code)["clicks"], day(code)["unique_clicks"]) == (5, 5)


def test_a_failing_record_is_reported_alone_and_the_retry_from_it_counts_everything_once(aws, code):
    shard = Shard()
    records = [shard.record("INSERT", click(code, visitor=f"v{i}")) for i in range(6)]
    broken = dict(records[3], dynamodb={**records[3]["dynamodb"], "NewImage": {"code": {"S": code}}})
    # When the batch holds an unreadable record in its middle
    answer = aggregate_click_stats(shard.event(records[:3] + [broken] + records[4:]), None)
    # Then exactly that record is reported, and only those before it are counted
    assert answer == {"batchItemFailures": [{"itemIdentifier": records[3]["dynamodb"]["SequenceNumber"]}]}
    assert day(code)["clicks"] == 3
    # When Lambda redelivers from it (mended), along with records already seen by other items
    assert aggregate_click_stats(shard.event(records[3:]), None) == {"batchItemFailures": []}
    assert aggregate_click_stats(shard.event(records), None) == {"batchItemFailures": []}  # and everything again
    assert (day(code)["clicks"], day(code)["unique_clicks"]) == (6, 6)


def test_more_than_twenty_clicks_of_one_visitor_in_a_minute_count_as_bot_clicks(aws, code):
    shard = Shard()
    records = [shard.record("INSERT", click(code, visitor="hammer", at=DAY + timedelta(seconds=i))) for i in range(25)]
    aggregate_click_stats(shard.event(records[:12]), None)
    aggregate_click_stats(shard.event(records), None)  # redelivered with the rest
    counts = day(code)
    assert (counts["clicks"], counts["unique_clicks"], counts["bot_clicks"]) == (20, 1, 5)


def test_expiry_of_a_click_changes_nothing(aws, code):
    shard = Shard()
    image = click(code)
    aggregate_click_stats(shard.event([shard.record("INSERT", image), shard.record("REMOVE", old=image)]), None)
    assert day(code)["clicks"] == 1


def test_a_sale_counts_and_its_refunds_lower_sales_and_commission(aws, code):
    shard = Shard()
    sale = conversion_image(code)
    refunded = conversion_image(code, refunded=4_000)
    full = conversion_image(code, refunded=10_000, status="refunded")
    aggregate_conversion_stats(shard.event([shard.record("INSERT", sale)]), None)
    assert {k: v for k, v in day(code).items() if k[0] in "cs"} == {
        "conversions": 1, "sales#EUR": 10_000, "commission#EUR": 1_000}
    aggregate_conversion_stats(shard.event([shard.record("MODIFY", refunded, sale)]), None)
    assert (day(code)["sales#EUR"], day(code)["commission#EUR"], day(code)["conversions"]) == (6_000, 600, 1)
    aggregate_conversion_stats(shard.event([shard.record("MODIFY", full, refunded)]), None)
    assert (day(code)["sales#EUR"], day(code)["commission#EUR"], day(code)["conversions"]) == (0, 0, 0)


def test_a_batch_of_1000_clicks_on_one_link_writes_each_counter_item_once(aws, code):
    shard = Shard()
    # 100 visitors, each tapping every ten minutes or so (never beyond 20 a minute)
    records = [shard.record("INSERT", click(code, visitor=f"v{i % 100}", at=DAY + timedelta(seconds=6 * i)))
               for i in range(1000)]
    writes: Counter = Counter()

    def count_write(params, **_):
        table = params["TableName"]
        writes["marks" if table.endswith("visitor_marks") else "counters"] += 1

    events = aws_clients.client("dynamodb").meta.events
    events.register("provide-client-params.dynamodb.UpdateItem", count_write, unique_id="count-writes")
    try:
        assert aggregate_click_stats(shard.event(records), None) == {"batchItemFailures": []}
    finally:
        events.unregister("provide-client-params.dynamodb.UpdateItem", unique_id="count-writes")
    # link day, creator day, brand day, the link's row under its creator and under its brand
    assert writes["counters"] == 5
    assert writes["marks"] == 100  # one per visitor, link and day: the unique markers
    assert (day(code)["clicks"], day(code)["unique_clicks"]) == (1000, 100)


def test_an_event_that_names_no_shard_is_refused_whole(aws, code):
    shard = Shard()
    with pytest.raises(RuntimeError):
        aggregate_click_stats({"Records": [shard.record("INSERT", click(code))]}, None)
    assert day(code) == {}


def test_referrers_are_kept_to_a_hundred_names_and_the_rest_are_other(aws, code):
    shard = Shard()
    records = [shard.record("INSERT", click(code, visitor=f"v{i}", referrer=f"site{i}.example")) for i in range(105)]
    aggregate_click_stats(shard.event(records), None)
    referrers = {name: n for name, n in day(code).items() if name.startswith("referrer#")}
    assert len(referrers) == 101 and referrers["referrer#other"] == 5
    assert sum(referrers.values()) == 105


def test_taps_from_tiktok_and_instagram_show_by_app_in_the_link_s_stats(client, clock):
    from tests.helpers import bearer, make_brand, make_creator, make_link, stored_items

    # Given two taps, from TikTok's and Instagram's in-app browsers, recorded by the redirect
    brand = make_brand(client)
    creator = make_creator(client)
    link = make_link(client, creator, brand)
    for agent in (TIKTOK, "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) Mobile/15E148 Instagram 309.0"):
        assert client.http.get(f"/{link['code']}", headers={"User-Agent": agent}).status_code == 302
    # When the clicks' stream delivers them to the aggregator
    shard = Shard()
    records = [shard.record("INSERT", stored.serialize()) for stored in stored_items(Click)]
    assert aggregate_click_stats(shard.event(records), None) == {"batchItemFailures": []}
    # Then the link's stats count one of each app
    stats = client.http.get(f"/links/{link['code']}/stats", headers=bearer(creator["api_key"]))
    totals = json.loads(stats.body)["totals"]
    assert totals["clicks"] == 2 and totals["by_app"] == {"instagram": 1, "tiktok": 1}


def test_records_that_cannot_even_be_named_are_left_out_and_never_fail_the_batch(aws, code):
    shard = Shard()
    good = [shard.record("INSERT", click(code, visitor=f"v{i}")) for i in range(3)]
    nameless = [None, "text", {"eventName": "INSERT"}, {"eventName": "INSERT", "dynamodb": "x"},
                {"eventName": "INSERT", "dynamodb": {"SequenceNumber": "abc"}},
                {"eventName": "REMOVE", "dynamodb": {"SequenceNumber": ""}}]
    answer = aggregate_click_stats(shard.event([good[0], *nameless, *good[1:]]), None)
    assert answer == {"batchItemFailures": []}
    assert day(code)["clicks"] == 3


def test_a_visitor_whose_marks_cannot_be_written_is_reported_and_the_clicks_before_it_are_counted(aws, code):
    from chalicelib.storage import seam
    from chalicelib.storage.errors import ChangedMeanwhile
    from chalicelib.storage.stats import stats_store
    from tests.faults import Faulty

    shard = Shard()
    records = [shard.record("INSERT", click(code, visitor=visitor)) for visitor in ("calm", "hot", "later")]

    def contention() -> Exception:
        return ChangedMeanwhile("busy")  # another shard keeps writing the hot visitor's marks

    hot = Faulty(stats_store(), "add_visitor_marks", times=10**6, error=contention,
                 only_if=lambda mark_key, *_: "#hot" in mark_key[-5:])
    with seam.replaced(stats=hot):
        answer = aggregate_click_stats(shard.event(records), None)
    # Then the hot visitor's click is reported, and only the click before it is folded
    assert answer == {"batchItemFailures": [{"itemIdentifier": records[1]["dynamodb"]["SequenceNumber"]}]}
    assert day(code)["clicks"] == 1
    # And the redelivery from it counts the rest once
    assert aggregate_click_stats(shard.event(records[1:]), None) == {"batchItemFailures": []}
    assert (day(code)["clicks"], day(code)["unique_clicks"]) == (3, 3)


def test_a_background_function_writes_its_metrics_before_it_returns(aws, code, capsys):
    # (Lambda may recycle the instance after any invocation: metrics still in memory would be lost.)
    shard = Shard()
    capsys.readouterr()
    aggregate_click_stats(shard.event([shard.record("INSERT", click(code)), shard.record("INSERT", click(code))]),
                          None)
    assert emitted_metrics(capsys.readouterr().out).get("StatsRecords") == 2


def test_clicks_and_bot_clicks_metrics_count_each_click_once_whatever_lambda_delivers_again(aws, code, capsys):
    shard = Shard()
    records = [shard.record("INSERT", click(code, visitor=f"v{i}")) for i in range(4)]
    records.append(shard.record("INSERT", click(code, visitor="crawler", bot=True)))
    broken = dict(records[2], dynamodb={**records[2]["dynamodb"], "NewImage": {"code": {"S": code}}})
    capsys.readouterr()
    # When a batch holds an unreadable record: the two clicks before it are counted
    aggregate_click_stats(shard.event(records[:2] + [broken] + records[3:]), None)
    first = emitted_metrics(capsys.readouterr().out)
    assert (first.get("Clicks"), first.get("BotClicks")) == (2, None)
    # When Lambda redelivers from it (mended), then the whole batch once more
    aggregate_click_stats(shard.event(records[2:]), None)
    second = emitted_metrics(capsys.readouterr().out)
    aggregate_click_stats(shard.event(records), None)
    third = emitted_metrics(capsys.readouterr().out)
    # Then the rest is counted once, the bot among it, and nothing a second time
    assert (second.get("Clicks"), second.get("BotClicks")) == (3, 1)
    assert "Clicks" not in third and "BotClicks" not in third
    assert (day(code)["clicks"], day(code)["bot_clicks"]) == (4, 1)
