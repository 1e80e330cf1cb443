"""Stats reads (§2): `GET /links/{code}/stats` and `GET /me/stats` over counters seeded
directly in the `stats` table (the aggregator that feeds it is tested on its own)."""

from __future__ import annotations

from collections import Counter
from contextlib import contextmanager
from datetime import date, datetime, timedelta, timezone
from typing import Any, Iterator, Union
from urllib.parse import quote

import pytest

from chalicelib.base import aws as aws_clients
from chalicelib.storage import keys, stats
from tests.helpers import bearer, call, fresh, make_brand, make_creator, make_link

CLOCK_STARTS_AT = datetime(2026, 11, 26, 10, 0, 15, tzinfo=timezone.utc)
TODAY = "2026-11-26"
DEFAULT_FROM = "2026-10-28"  # 29 days before today: 30 days

ZERO_DAY = {"clicks": 0, "unique_clicks": 0, "bot_clicks": 0, "conversions": 0, "sales": {}, "commission": {}}
ZERO_TOTALS = {
    **ZERO_DAY,
    "by_country": {},
    "by_device": {},
    "by_app": {},
    "by_referrer": {},
    "by_source": {},
    "by_via": {},
}


# --- seeding counters -------------------------------------------------------------------------


def seed(scope: str, bucket: str, counters: dict[str, Union[int, str]]) -> None:
    """One counter item as the aggregator writes it: numbers are counters, strings anything else."""
    item: dict[str, Any] = {"scope": {"S": scope}, "bucket": {"S": bucket}}
    for name, value in counters.items():
        item[name] = {"S": value} if isinstance(value, str) else {"N": str(value)}
    aws_clients.client("dynamodb").put_item(TableName=stats.StatsCounter.Meta.table_name, Item=item)


def seed_link_day(code: str, day: str, counters: dict[str, Union[int, str]]) -> None:
    seed(f"link#{code}", keys.stats_day(day), counters)


def seed_party_link_day(scope: str, day: str, code: str, creator_id: str, counters: dict[str, int]) -> None:
    seed(scope, keys.stats_link_day(day, code), {**counters, "creator_id": creator_id})


@contextmanager
def counting_stats_calls() -> Iterator[Counter]:
    """Every call the stats table's client makes inside the block, by operation."""
    calls: Counter = Counter()

    def after_call(model: Any, **_: Any) -> None:
        calls[model.name] += 1

    events = aws_clients.client("dynamodb").meta.events
    events.register("after-call.dynamodb", after_call)
    try:
        yield calls
    finally:
        events.unregister("after-call.dynamodb", after_call)


def link_stats(client, creator: dict, code: str, query: str = ""):
    return call(client, "GET", f"/links/{code}/stats{query}", headers=bearer(creator["api_key"]))


def my_stats(client, key: str, query: str = ""):
    return call(client, "GET", f"/me/stats{query}", headers=bearer(key))


@pytest.fixture
def owned(client):
    """A creator, a brand and a link of the creator to the brand."""
    brand, creator = make_brand(client), make_creator(client)
    return {"brand": brand, "creator": creator, "link": make_link(client, creator, brand)}


# --- one link ---------------------------------------------------------------------------------


def test_a_link_without_stats_has_30_zero_days_ending_today(client, clock, owned):
    # When
    response = link_stats(client, owned["creator"], owned["link"]["code"])

    # Then
    assert response.status_code == 200
    assert response.json == {
        "code": owned["link"]["code"],
        "from": DEFAULT_FROM,
        "to": TODAY,
        "totals": ZERO_TOTALS,
        "days": [
            {"date": (date(2026, 10, 28) + timedelta(days=offset)).isoformat(), **ZERO_DAY} for offset in range(30)
        ],
    }


def test_days_are_zero_filled_oldest_first_and_only_the_range_counts(client, clock, owned):
    # Given counters on two days of the range, and one on each side of it
    code = owned["link"]["code"]
    seed_link_day(code, "2026-11-19", {"clicks": 1000})
    seed_link_day(code, "2026-11-20", {"clicks": 4, "unique_clicks": 3})
    seed_link_day(code, "2026-11-22", {"clicks": 1, "unique_clicks": 1})
    seed_link_day(code, "2026-11-25", {"clicks": 1000})

    # When
    response = link_stats(client, owned["creator"], code, "?from=2026-11-20&to=2026-11-24")

    # Then
    assert response.status_code == 200
    assert (response.json["from"], response.json["to"]) == ("2026-11-20", "2026-11-24")
    assert [(day["date"], day["clicks"], day["unique_clicks"]) for day in response.json["days"]] == [
        ("2026-11-20", 4, 3),
        ("2026-11-21", 0, 0),
        ("2026-11-22", 1, 1),
        ("2026-11-23", 0, 0),
        ("2026-11-24", 0, 0),
    ]
    assert response.json["days"][1] == {"date": "2026-11-21", **ZERO_DAY}
    assert response.json["totals"]["clicks"] == 5
    assert response.json["totals"]["unique_clicks"] == 4


def test_totals_and_breakdowns_add_up_the_days_and_bots_are_only_bot_clicks(client, clock, owned):
    # Given two days of human clicks, bots, sales and commission in two currencies
    code = owned["link"]["code"]
    seed_link_day(
        code,
        "2026-11-24",
        {
            "clicks": 3, "unique_clicks": 2, "bot_clicks": 7,
            "country#US": 2, "country#unknown": 1, "device#mobile": 3, "app#tiktok": 2, "app#browser": 1,
            "via#link": 2, "via#qr": 1, "referrer#tiktok.com": 2, "referrer#direct": 1, "source#live:2026-11-24": 3,
            "conversions": 1, "sales#USD": 2599, "commission#USD": 260,
            "applied#clicks#shardId-000000000001": "0" * 39 + "7",
        },
    )
    seed_link_day(
        code,
        "2026-11-26",
        {
            "clicks": 1, "unique_clicks": 1, "bot_clicks": 2,
            "country#US": 1, "country#FR": 0, "device#desktop": 1, "app#browser": 1, "via#link": 1,
            "referrer#tiktok.com": 1, "source#live:2026-11-24": 1,
            "conversions": 2, "sales#USD": 1000, "sales#EUR": 4000, "commission#USD": 100, "commission#EUR": 400,
            "sales#JPY": 0, "distinct#referrer": 1, "applied#conversions#shardId-000000000002": "0" * 39 + "9",
        },
    )

    # When
    response = link_stats(client, owned["creator"], code)

    # Then the totals are the sums, breakdowns name only what has clicks, watermarks are ignored
    assert response.status_code == 200
    assert response.json["totals"] == {
        "clicks": 4,
        "unique_clicks": 3,
        "bot_clicks": 9,
        "conversions": 3,
        "sales": {"EUR": 4000, "USD": 3599},
        "commission": {"EUR": 400, "USD": 360},
        "by_country": {"US": 3, "unknown": 1},
        "by_device": {"desktop": 1, "mobile": 3},
        "by_app": {"browser": 2, "tiktok": 2},
        "by_referrer": {"direct": 1, "tiktok.com": 3},
        "by_source": {"live:2026-11-24": 4},
        "by_via": {"link": 3, "qr": 1},
    }
    # And every breakdown counts the human clicks, not the bots
    for breakdown in ("by_country", "by_device", "by_app", "by_referrer", "by_source", "by_via"):
        assert sum(response.json["totals"][breakdown].values()) == response.json["totals"]["clicks"]
    # And each day has its own counters
    days = {day["date"]: day for day in response.json["days"]}
    assert days["2026-11-24"] == {
        "date": "2026-11-24", "clicks": 3, "unique_clicks": 2, "bot_clicks": 7, "conversions": 1,
        "sales": {"USD": 2599}, "commission": {"USD": 260},
    }
    assert days["2026-11-26"] == {
        "date": "2026-11-26", "clicks": 1, "unique_clicks": 1, "bot_clicks": 2, "conversions": 2,
        "sales": {"EUR": 4000, "USD": 1000}, "commission": {"EUR": 400, "USD": 100},
    }
    assert days["2026-11-25"] == {"date": "2026-11-25", **ZERO_DAY}


def test_to_alone_gives_the_30_days_ending_then_and_from_alone_ends_today(client, clock, owned):
    code = owned["link"]["code"]

    only_to = link_stats(client, owned["creator"], code, "?to=2026-03-01")
    only_from = link_stats(client, owned["creator"], code, "?from=2026-11-01")

    assert (only_to.json["from"], only_to.json["to"], len(only_to.json["days"])) == ("2026-01-31", "2026-03-01", 30)
    assert (only_from.json["from"], only_from.json["to"], len(only_from.json["days"])) == ("2026-11-01", TODAY, 26)


def test_one_day_is_a_range(client, clock, owned):
    response = link_stats(client, owned["creator"], owned["link"]["code"], f"?from={TODAY}&to={TODAY}")

    assert response.status_code == 200
    assert response.json["days"] == [{"date": TODAY, **ZERO_DAY}]


def test_a_range_of_366_days_is_allowed_and_367_is_not(client, clock, owned):
    # Given a counter on the first day of the longest range
    code = owned["link"]["code"]
    seed_link_day(code, "2025-11-26", {"clicks": 5})

    # When
    longest = link_stats(client, owned["creator"], code, "?from=2025-11-26&to=2026-11-26")
    too_long = link_stats(client, owned["creator"], code, "?from=2025-11-25&to=2026-11-26")

    # Then
    assert longest.status_code == 200
    assert len(longest.json["days"]) == 366
    assert longest.json["days"][0] == {"date": "2025-11-26", **ZERO_DAY, "clicks": 5}
    assert longest.json["days"][-1]["date"] == "2026-11-26"
    assert too_long.status_code == 400


def test_a_range_over_a_leap_day_counts_it(client, clock, owned):
    response = link_stats(client, owned["creator"], owned["link"]["code"], "?from=2028-02-28&to=2028-03-01")

    assert [day["date"] for day in response.json["days"]] == ["2028-02-28", "2028-02-29", "2028-03-01"]


def test_from_after_to_is_refused(client, clock, owned):
    response = link_stats(client, owned["creator"], owned["link"]["code"], "?from=2026-11-20&to=2026-11-19")

    assert response.status_code == 400
    assert response.json["Code"] == "BadRequest"


@pytest.mark.parametrize("bad", ["2026-02-30", "2026-1-01", "２０２６-01-01", "", "2026-11-26T00:00:00Z", "20261126",
                                 "2026-13-01", "0000-01-01", " 2026-11-01", "2026-11-01\n", "+2026-11-01"])
@pytest.mark.parametrize("name", ["from", "to"])
def test_a_bad_day_is_refused(client, clock, owned, name, bad):
    response = link_stats(client, owned["creator"], owned["link"]["code"], f"?{name}={quote(bad)}")

    assert response.status_code == 400
    assert response.json["Code"] == "BadRequest"


def test_a_default_range_that_would_start_before_year_1_is_refused(client, clock, owned):
    response = link_stats(client, owned["creator"], owned["link"]["code"], "?to=0001-01-10")

    assert response.status_code == 400


def test_another_creators_link_is_not_found_even_with_stats(client, clock, owned):
    # Given the link has counters
    seed_link_day(owned["link"]["code"], TODAY, {"clicks": 3})
    intruder = make_creator(client)

    # When
    response = link_stats(client, intruder, owned["link"]["code"])
    unknown = link_stats(client, intruder, f"nope-{fresh()}")

    # Then
    assert response.status_code == 404
    assert unknown.status_code == 404
    assert "clicks" not in response.body.decode()


def test_a_bad_range_is_refused_before_the_link_is_looked_up(client, clock, owned):
    response = link_stats(client, make_creator(client), owned["link"]["code"], "?from=2026-02-30")

    assert response.status_code == 400


def test_reading_30_days_of_a_link_is_one_query(client, clock, owned):
    # Given a counter item on every day of the default range
    code = owned["link"]["code"]
    for offset in range(30):
        seed_link_day(code, (date(2026, 10, 28) + timedelta(days=offset)).isoformat(), {"clicks": 1})

    # When
    with counting_stats_calls() as calls:
        response = link_stats(client, owned["creator"], code)

    # Then
    assert response.status_code == 200
    assert response.json["totals"]["clicks"] == 30
    assert all(day["clicks"] == 1 for day in response.json["days"])
    assert calls == {"Query": 1}


# --- the caller's own stats -------------------------------------------------------------------


def test_a_brand_sees_its_creators_links_with_the_top_100_by_clicks_then_code(client, clock):
    # Given a brand whose day counters and per-link counters span two days of the range, one outside it
    brand = make_brand(client)
    scope = f"brand#{brand['brand_id']}"
    seed(scope, keys.stats_day("2026-11-25"), {"clicks": 10, "unique_clicks": 8, "bot_clicks": 1, "country#US": 10})
    seed(scope, keys.stats_day(TODAY), {"clicks": 5, "conversions": 1, "sales#USD": 2599, "commission#USD": 260})
    seed(scope, keys.stats_day("2026-10-27"), {"clicks": 1000})
    # 103 links: `top` leads on clicks summed over two days, three tie on 5 clicks, the others have fewer
    seed_party_link_day(scope, "2026-11-25", "top", "cr_a", {"clicks": 3, "unique_clicks": 3})
    seed_party_link_day(
        scope, TODAY, "top", "cr_a", {"clicks": 4, "unique_clicks": 2, "conversions": 1, "sales#USD": 2599,
                                      "commission#USD": 260}
    )
    for code in ("tie-c", "tie-a", "tie-b"):
        seed_party_link_day(scope, TODAY, code, "cr_b", {"clicks": 5, "unique_clicks": 5})
    for number in range(99):
        seed_party_link_day(scope, "2026-11-25", f"low-{number:03d}", "cr_c", {"clicks": 1 + number % 3})
    seed_party_link_day(scope, "2026-10-27", "old", "cr_a", {"clicks": 1000})

    # When
    response = my_stats(client, brand["api_key"])

    # Then
    assert response.status_code == 200
    body = response.json
    assert (body["from"], body["to"], len(body["days"])) == (DEFAULT_FROM, TODAY, 30)
    assert body["totals"] == {
        **ZERO_TOTALS,
        "clicks": 15, "unique_clicks": 8, "bot_clicks": 1, "conversions": 1,
        "sales": {"USD": 2599}, "commission": {"USD": 260}, "by_country": {"US": 10},
    }
    assert body["days"][-2:] == [
        {"date": "2026-11-25", **ZERO_DAY, "clicks": 10, "unique_clicks": 8, "bot_clicks": 1},
        {"date": TODAY, **ZERO_DAY, "clicks": 5, "conversions": 1, "sales": {"USD": 2599}, "commission": {"USD": 260}},
    ]
    links = body["links"]
    assert len(links) == 100
    assert links[0] == {
        "code": "top", "creator_id": "cr_a", "clicks": 7, "unique_clicks": 5, "conversions": 1,
        "sales": {"USD": 2599}, "commission": {"USD": 260},
    }
    assert [link["code"] for link in links[1:4]] == ["tie-a", "tie-b", "tie-c"]
    assert links[1] == {
        "code": "tie-a", "creator_id": "cr_b", "clicks": 5, "unique_clicks": 5, "conversions": 0,
        "sales": {}, "commission": {},
    }
    # And the other 96 of the 99 small links, by clicks (most first) then code: the last three are cut
    expected_rest = sorted((-(1 + number % 3), f"low-{number:03d}") for number in range(99))[:96]
    assert [(-link["clicks"], link["code"]) for link in links[4:]] == expected_rest
    assert "old" not in {link["code"] for link in links}


def test_a_creator_sees_all_of_their_links(client, clock):
    # Given a creator with two links and their counters
    brand, creator = make_brand(client), make_creator(client)
    first, second = make_link(client, creator, brand), make_link(client, creator, brand)
    scope = f"creator#{creator['creator_id']}"
    seed(scope, keys.stats_day("2026-11-10"), {"clicks": 3, "unique_clicks": 3, "via#qr": 3, "bot_clicks": 4})
    for link, clicks in ((first, 1), (second, 2)):
        seed_party_link_day(scope, "2026-11-10", link["code"], creator["creator_id"], {"clicks": clicks})

    # When
    response = my_stats(client, creator["api_key"], "?from=2026-11-01&to=2026-11-30")

    # Then
    assert response.status_code == 200
    body = response.json
    assert (body["from"], body["to"], len(body["days"])) == ("2026-11-01", "2026-11-30", 30)
    assert body["totals"] == {**ZERO_TOTALS, "clicks": 3, "unique_clicks": 3, "bot_clicks": 4, "by_via": {"qr": 3}}
    assert body["days"][9] == {"date": "2026-11-10", **ZERO_DAY, "clicks": 3, "unique_clicks": 3, "bot_clicks": 4}
    assert body["links"] == [
        {"code": second["code"], "creator_id": creator["creator_id"], "clicks": 2, "unique_clicks": 0,
         "conversions": 0, "sales": {}, "commission": {}},
        {"code": first["code"], "creator_id": creator["creator_id"], "clicks": 1, "unique_clicks": 0,
         "conversions": 0, "sales": {}, "commission": {}},
    ]


def test_my_stats_without_any_counter_is_zeros_and_no_links(client, clock):
    creator = make_creator(client)

    response = my_stats(client, creator["api_key"], f"?from={TODAY}")

    assert response.status_code == 200
    assert response.json == {"from": TODAY, "to": TODAY, "totals": ZERO_TOTALS, "days": [{"date": TODAY, **ZERO_DAY}],
                             "links": []}


def test_my_stats_refuses_a_bad_range(client, clock):
    creator = make_creator(client)

    for query in ("?from=2026-11-27&to=2026-11-26", "?to=2026-02-29", "?from=2025-01-01"):
        assert my_stats(client, creator["api_key"], query).status_code == 400, query


def test_my_stats_is_two_queries(client, clock):
    creator = make_creator(client)

    with counting_stats_calls() as calls:
        response = my_stats(client, creator["api_key"])

    assert response.status_code == 200
    assert calls == {"Query": 2}


def test_a_brand_does_not_see_another_brands_stats(client, clock):
    # Given another brand with counters
    other = make_brand(client)
    seed(f"brand#{other['brand_id']}", keys.stats_day(TODAY), {"clicks": 9})
    seed_party_link_day(f"brand#{other['brand_id']}", TODAY, "theirs", "cr_x", {"clicks": 9})

    # When
    response = my_stats(client, make_brand(client)["api_key"])

    # Then
    assert response.json["totals"]["clicks"] == 0
    assert response.json["links"] == []


def test_counters_that_name_their_creator_make_a_link_s_read_one_call_and_keep_others_out(client, clock, owned):
    from bench.dynamodb_calls import counting_dynamodb_calls
    from chalicelib.stats import reads

    # Given the link's day counters name its creator, as the aggregator writes them
    code = owned["link"]["code"]
    seed_link_day(code, TODAY, {"clicks": 3, "creator_id": owned["creator"]["creator_id"]})
    # When its creator reads 30 days, then another creator tries
    with counting_dynamodb_calls() as calls:
        view = reads.link_stats(owned["creator"]["creator_id"], code, None, None)
    intruder = link_stats(client, make_creator(client), code)
    # Then one Query was enough, and the other creator gets 404 without a number
    assert view["totals"]["clicks"] == 3
    assert dict(calls.calls) == {"Query": 1}
    assert intruder.status_code == 404 and "clicks" not in intruder.body.decode()
