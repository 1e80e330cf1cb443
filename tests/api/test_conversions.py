"""Sales and refunds reported by brands: exactly once, attributed as §4 says,
with the commission fixed when received; and the conversions listing."""
from __future__ import annotations

import json
import threading
from datetime import datetime, timedelta, timezone

import pytest

from chalicelib.base.timeutil import format_timestamp
from chalicelib.money import conversions
from chalicelib.storage.accounts import Membership
from chalicelib.storage.money import Conversion, MonthAdjustment, Refund
from chalicelib.storage.tap import Click
from tests.helpers import ADMIN, Stored, bearer, call, make_brand, make_creator, new_handle, new_id, stored_items

NOW = datetime(2026, 11, 26, 10, 0, 0, tzinfo=timezone.utc)
CLOCK_STARTS_AT = NOW  # the `clock` fixture (tests/api/conftest.py) stands still here


@pytest.fixture
def brand(client, clock):
    return make_brand(client, attribution_window_days=7)


@pytest.fixture
def creator(client, clock):
    return make_creator(client)


def make_click(brand: dict, creator: dict, clicked_at: datetime = NOW - timedelta(hours=1), **fields) -> str:
    click_id = fields.pop("click_id", f"clk{int(clicked_at.timestamp())}{brand['brand_id'][-6:]}")
    Click(
        click_id,
        code=fields.pop("code", "glow-serum"),
        creator_id=creator["creator_id"],
        brand_id=brand["brand_id"],
        clicked_at=format_timestamp(clicked_at),
        visitor_hash="v" * 16,
        referrer="tiktok.com",
        country="US",
        device="mobile",
        app="tiktok",
        via="link",
        is_bot=False,
        source=None,
        expires_at=fields.pop("expires_at", clicked_at + timedelta(days=120)),
    ).save()
    return click_id


def sale(order_id: str = "order-1001", **fields) -> dict:
    return {"type": "sale", "order_id": order_id, "amount": 2599, "currency": "USD", **fields}


def report(client, brand: dict, body=None, raw: bytes | None = None):
    return call(client, "POST", "/conversions", body, bearer(brand["api_key"]), raw=raw)


def stored_conversions() -> list[Conversion]:
    """The conversions this test wrote, as they are now."""
    return stored_items(Conversion)


def stored_refunds() -> list[Refund]:
    """The refunds this test wrote, as they are now."""
    return stored_items(Refund)


# --- sales ----------------------------------------------------------------------------


def test_new_attributed_sale_is_201_pending_with_commission(client, brand, creator):
    click_id = make_click(brand, creator)

    response = report(client, brand, sale(click_id=click_id, occurred_at="2026-11-26T11:30:00+02:00"))

    assert response.status_code == 201, response.body
    body = response.json
    assert body == {
        "conversion_id": body["conversion_id"],
        "order_id": "order-1001",
        "brand_id": brand["brand_id"],
        "creator_id": creator["creator_id"],
        "link_code": "glow-serum",
        "click_id": click_id,
        "amount": 2599,
        "refunded_amount": 0,
        "currency": "USD",
        "commission": {"amount": 260, "currency": "USD"},
        "status": "pending",
        "occurred_at": "2026-11-26T09:30:00Z",
        "received_at": "2026-11-26T10:00:00Z",
        "statement_month": None,
    }
    [stored] = stored_conversions()
    assert stored.conversion_id == body["conversion_id"]
    assert stored.listing_key == f"{int(NOW.timestamp() * 1000):013d}#{body['conversion_id']}"
    assert stored.pending_shard in {f"pending#{n}" for n in range(10)}
    # occurred_at + hold_days (30 by default), then the id
    assert stored.eligible_key == f"2026-12-26T09:30:00Z#{body['conversion_id']}"
    assert (stored.hold_days, stored.attribution_window_days) == (30, 7)


def test_occurred_at_defaults_to_now_and_currency_is_returned_upper_case(client, brand):
    response = report(client, brand, sale(currency="usd"))
    assert response.status_code == 201
    assert response.json["occurred_at"] == "2026-11-26T10:00:00Z"
    assert response.json["currency"] == "USD"


def test_replay_returns_200_and_the_same_conversion_whatever_occurred_at_says(client, brand, creator):
    click_id = make_click(brand, creator)
    first = report(client, brand, sale(click_id=click_id, occurred_at="2026-11-26T09:00:00Z"))

    again = report(client, brand, sale(click_id=click_id, occurred_at="2026-11-20T00:00:00Z"))
    without = report(client, brand, sale(click_id=click_id))

    assert first.status_code == 201
    assert again.status_code == 200 and without.status_code == 200
    assert again.json == first.json == without.json
    assert len(stored_conversions()) == 1


@pytest.mark.parametrize(
    "change",
    [{"amount": 2600}, {"currency": "EUR"}, {"click_id": "another-click"}, {"click_id": None}],
    ids=["amount", "currency", "click", "no-click"],
)
def test_conflicting_replay_is_409_and_changes_nothing(client, brand, creator, change):
    click_id = make_click(brand, creator)
    first = report(client, brand, sale(click_id=click_id))

    response = report(client, brand, {**sale(click_id=click_id), **change})

    assert response.status_code == 409
    [stored] = stored_conversions()
    assert stored.conversion_id == first.json["conversion_id"] and int(stored.amount) == 2599


def test_twenty_concurrent_identical_deliveries_make_one_conversion(client, brand, creator):
    click_id = make_click(brand, creator)
    body = sale(click_id=click_id)
    start = threading.Barrier(20)
    results: list = []
    errors: list = []

    def deliver():
        try:
            start.wait()
            results.append(conversions.record_conversion(brand["brand_id"], dict(body)))
        except Exception as error:  # surfaced below
            errors.append(error)

    threads = [threading.Thread(target=deliver) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert sorted(recorded.created for recorded in results) == [False] * 19 + [True]
    assert len({recorded.conversion["conversion_id"] for recorded in results}) == 1
    assert len(stored_conversions()) == 1


def test_same_order_id_at_two_brands_is_two_conversions(client, brand):
    other = make_brand(client, name="Other")
    assert report(client, brand, sale()).status_code == 201
    assert report(client, other, sale()).status_code == 201
    assert len(stored_conversions()) == 2


# --- attribution ------------------------------------------------------------------------

CLICKED = NOW - timedelta(days=8)  # brand's window: 7 days


@pytest.mark.parametrize(
    "occurred, attributed",
    [
        (CLICKED - timedelta(minutes=5), True),
        (CLICKED - timedelta(minutes=5, seconds=1), False),
        (CLICKED, True),
        (CLICKED + timedelta(days=7), True),
        (CLICKED + timedelta(days=7, seconds=1), False),
    ],
    ids=["click-5min", "click-5min-1s", "click", "click+window", "click+window+1s"],
)
def test_attribution_window_edges(client, brand, creator, occurred, attributed):
    click_id = make_click(brand, creator, CLICKED)

    response = report(client, brand, sale(click_id=click_id, occurred_at=format_timestamp(occurred)))

    assert response.status_code == 201
    if attributed:
        assert response.json["status"] == "pending"
        assert response.json["creator_id"] == creator["creator_id"]
        assert response.json["commission"] == {"amount": 260, "currency": "USD"}
    else:
        assert_unattributed(response.json, click_id)


def assert_unattributed(view: dict, click_id, currency: str = "USD") -> None:
    assert view["status"] == "unattributed"
    assert view["creator_id"] is None and view["link_code"] is None
    assert view["click_id"] == click_id
    assert view["commission"] == {"amount": 0, "currency": currency}
    [stored] = stored_conversions()
    assert stored.pending_shard is None and stored.eligible_key is None


def test_another_brands_click_is_not_attributed(client, brand, creator):
    other = make_brand(client, name="Other")
    click_id = make_click(other, creator)
    response = report(client, brand, sale(click_id=click_id))
    assert response.status_code == 201
    assert_unattributed(response.json, click_id)


def test_unknown_click_is_stored_unattributed(client, brand):
    response = report(client, brand, sale(click_id="no-such-click"))
    assert response.status_code == 201
    assert_unattributed(response.json, "no-such-click")


def test_sale_without_click_is_stored_unattributed(client, brand):
    response = report(client, brand, sale())
    assert response.status_code == 201
    assert_unattributed(response.json, None)


def test_sale_through_a_blocked_creator_is_not_attributed(client, brand, creator):
    click_id = make_click(brand, creator)
    blocked = call(client, "PUT", f"/me/creators/{creator['creator_id']}", {"status": "blocked"},
                   bearer(brand["api_key"]))
    assert blocked.status_code == 200
    response = report(client, brand, sale(click_id=click_id))
    assert_unattributed(response.json, click_id)


def test_an_approved_creator_is_attributed(client, brand, creator):
    Membership(
        brand["brand_id"], creator["creator_id"], status="approved", updated_at="2026-11-01T00:00:00Z"
    ).save()
    click_id = make_click(brand, creator)
    assert report(client, brand, sale(click_id=click_id)).json["status"] == "pending"


def test_a_click_past_its_ttl_is_as_good_as_gone(client, brand, creator):
    click_id = make_click(brand, creator, expires_at=NOW - timedelta(seconds=1))
    response = report(client, brand, sale(click_id=click_id))
    assert_unattributed(response.json, click_id)


def test_unattributed_flat_commission_is_zero_in_the_flat_currency(client, clock):
    flat = make_brand(client, commission={"type": "flat", "amount": 500, "currency": "eur"})
    response = report(client, flat, sale(currency="JPY", amount=12000))
    assert_unattributed(response.json, None, currency="EUR")


# --- commission -------------------------------------------------------------------------


def test_flat_commission_on_a_sale_in_another_currency(client, clock, creator):
    flat = make_brand(client, commission={"type": "flat", "amount": 500, "currency": "EUR"})
    click_id = make_click(flat, creator)
    response = report(client, flat, sale(click_id=click_id, amount=12000, currency="JPY"))
    assert response.json["currency"] == "JPY" and response.json["amount"] == 12000
    assert response.json["commission"] == {"amount": 500, "currency": "EUR"}


@pytest.mark.parametrize(
    "rate_bps, amount, currency, expected",
    [(100, 50, "USD", 1), (1000, 2599, "USD", 260), (1000, 1235, "JPY", 124), (250, 1005, "KWD", 25)],
)
def test_percent_commission_rounds_half_up_in_minor_units(
    client, clock, creator, rate_bps, amount, currency, expected
):
    percent = make_brand(client, commission={"type": "percent", "rate_bps": rate_bps})
    click_id = make_click(percent, creator)
    response = report(client, percent, sale(click_id=click_id, amount=amount, currency=currency))
    assert response.json["commission"] == {"amount": expected, "currency": currency}


def test_terms_in_force_when_received_are_copied_onto_the_conversion(client, brand, creator):
    click_id = make_click(brand, creator)
    first = report(client, brand, sale("o-1", click_id=click_id))
    new_terms = {"commission": {"type": "percent", "rate_bps": 2000}, "hold_days": 3}
    changed = call(client, "PATCH", "/me", new_terms, bearer(brand["api_key"]))
    assert changed.status_code == 200
    second = report(client, brand, sale("o-2", click_id=click_id))

    assert first.json["commission"]["amount"] == 260
    assert second.json["commission"]["amount"] == 520
    # a refund of the first one still uses the rule it was received with
    refund = report(client, brand, {"type": "refund", "order_id": "o-1", "refund_id": "r-1", "amount": 599})
    assert refund.json["commission"]["amount"] == 200
    by_order = {c.order_id: c for c in stored_conversions()}
    assert (by_order["o-1"].hold_days, by_order["o-2"].hold_days) == (30, 3)


# --- bad input ----------------------------------------------------------------------------

TOO_LONG = "x" * 129


BAD_BODIES = [
    b'{"type": "sale", "order_id": "o-1", "amount": 2599, "currency": "USD"',
    b"[]",
    b"",
    b'{"type": "sale", "order_id": "o-1", "amount": NaN, "currency": "USD"}',
    sale(amount=2599.0),
    sale(amount=25.99),
    sale(amount=-1),
    sale(amount=2**53),
    sale(amount=True),
    sale(amount="2599"),
    sale(amount=None),
    sale(currency="XYZ"),
    sale(currency="XAU"),
    sale(currency=None),
    sale(order_id=TOO_LONG),
    sale(order_id=""),
    sale(order_id=42),
    sale(click_id=TOO_LONG),
    sale(click_id=""),
    sale(occurred_at="2026-11-26 10:00:00"),
    sale(occurred_at="2026-02-30T10:00:00Z"),
    sale(occurred_at="0001-01-01T00:00:00+01:00"),
    sale(occurred_at="1969-12-31T23:59:59Z"),
    sale(occurred_at=format_timestamp(NOW + timedelta(minutes=5, seconds=1))),
    sale(type="purchase"),
    {"order_id": "o-1", "amount": 2599, "currency": "USD"},
    sale(brand_id="br_someone_else"),
    sale(refund_id="r-1"),
    {"type": "refund", "order_id": "o-1", "refund_id": TOO_LONG, "amount": 1},
    {"type": "refund", "order_id": "o-1", "refund_id": "r-1", "amount": 0},
    {"type": "refund", "order_id": "o-1", "refund_id": "r-1", "amount": 1.0},
    {"type": "refund", "order_id": "o-1", "amount": 1},
    {"type": "refund", "order_id": "o-1", "refund_id": "r-1", "amount": 1, "currency": "USD"},
]


def test_bad_input_is_400_and_writes_nothing(client, brand):
    # Given a sale, so that refunds of o-1 fail on their input, not on a 404
    report(client, brand, sale("o-1"))
    stored = Stored()
    for body in BAD_BODIES:
        # When
        raw = body if isinstance(body, bytes) else json.dumps(body).encode()
        response = report(client, brand, raw=raw)
        # Then
        assert response.status_code == 400, (body, response.body)
        assert response.json["Message"], body
    assert stored.changes() == {}
    [only] = stored_conversions()
    assert only.order_id == "o-1" and int(only.refunded_amount) == 0
    assert stored_refunds() == []


def test_occurred_at_up_to_five_minutes_ahead_is_accepted(client, brand):
    response = report(client, brand, sale(occurred_at=format_timestamp(NOW + timedelta(minutes=5))))
    assert response.status_code == 201


def test_largest_safe_amount_is_accepted(client, brand):
    response = report(client, brand, sale(amount=2**53 - 1))
    assert response.status_code == 201 and response.json["amount"] == 2**53 - 1


def test_body_over_64_kib_is_413(client, brand):
    raw = json.dumps(sale(order_id="o", padding="x" * 70_000)).encode()
    assert report(client, brand, raw=raw).status_code == 413


@pytest.mark.parametrize("who", ["admin", "creator", "none"])
def test_only_brands_may_post_conversions(client, brand, creator, who):
    headers = {"admin": ADMIN, "creator": bearer(creator["api_key"]), "none": {}}[who]
    stored = Stored()
    response = call(client, "POST", "/conversions", sale(), headers)
    assert response.status_code == (401 if who == "none" else 403)
    assert stored.changes() == {}
    assert stored_conversions() == []


# --- refunds --------------------------------------------------------------------------------


def refund(refund_id: str, amount: int, order_id: str = "order-1001", **fields) -> dict:
    return {"type": "refund", "order_id": order_id, "refund_id": refund_id, "amount": amount, **fields}


@pytest.fixture
def attributed_sale(client, brand, creator) -> dict:
    click_id = make_click(brand, creator)
    response = report(client, brand, sale(click_id=click_id))
    assert response.status_code == 201
    return response.json


def test_partial_refunds_add_up_and_recompute_percent_commission(client, brand, attributed_sale):
    first = report(client, brand, refund("r-1", 1000))
    second = report(client, brand, refund("r-2", 599, occurred_at="2026-11-26T09:00:00Z"))

    assert first.status_code == 200
    assert (first.json["refunded_amount"], first.json["commission"]["amount"]) == (1000, 160)
    assert (second.json["refunded_amount"], second.json["commission"]["amount"]) == (1599, 100)
    assert second.json["status"] == "pending"
    assert second.json["conversion_id"] == attributed_sale["conversion_id"]
    deltas = {r.refund_id: int(r.commission_delta) for r in stored_refunds()}
    assert deltas == {"r-1": -100, "r-2": -60}
    assert all(r.adjustment_month is None for r in stored_refunds())


def test_repeated_refund_id_is_200_with_no_change(client, brand, attributed_sale):
    first = report(client, brand, refund("r-1", 1000))
    again = report(client, brand, refund("r-1", 1000))
    assert again.status_code == 200
    assert again.json == first.json
    assert len(stored_refunds()) == 1
    [stored] = stored_conversions()
    assert int(stored.refunded_amount) == 1000


def test_refund_beyond_what_is_left_is_400_and_writes_nothing(client, brand, attributed_sale):
    report(client, brand, refund("r-1", 2000))
    response = report(client, brand, refund("r-2", 600))
    assert response.status_code == 400
    assert [r.refund_id for r in stored_refunds()] == ["r-1"]
    [stored] = stored_conversions()
    assert int(stored.refunded_amount) == 2000


def test_refund_of_an_unknown_order_is_404(client, brand, attributed_sale):
    response = report(client, brand, refund("r-1", 1, order_id="no-such-order"))
    assert response.status_code == 404
    assert stored_refunds() == []


def test_refund_of_another_brands_order_is_404(client, brand, attributed_sale):
    other = make_brand(client, name="Other")
    assert report(client, other, refund("r-1", 1)).status_code == 404
    assert stored_refunds() == []


def test_full_refund_makes_an_attributed_sale_refunded_and_leaves_the_close(client, brand, attributed_sale):
    response = report(client, brand, refund("r-1", 2599))
    assert response.json["status"] == "refunded"
    assert response.json["commission"] == {"amount": 0, "currency": "USD"}
    [stored] = stored_conversions()
    assert stored.pending_shard is None and stored.eligible_key is None
    # nothing left: any further refund is too much, the same one is fine
    assert report(client, brand, refund("r-2", 1)).status_code == 400
    assert report(client, brand, refund("r-1", 2599)).status_code == 200


def test_flat_commission_stays_until_fully_refunded(client, clock, creator):
    flat = make_brand(client, commission={"type": "flat", "amount": 500, "currency": "EUR"})
    click_id = make_click(flat, creator)
    report(client, flat, sale(click_id=click_id, amount=12000, currency="JPY"))

    partial = report(client, flat, refund("r-1", 11999))
    full = report(client, flat, refund("r-2", 1))

    assert partial.json["commission"] == {"amount": 500, "currency": "EUR"}
    assert full.json["commission"] == {"amount": 0, "currency": "EUR"}
    assert full.json["status"] == "refunded"


def test_fully_refunded_unattributed_sale_stays_unattributed(client, brand):
    report(client, brand, sale())
    response = report(client, brand, refund("r-1", 2599))
    assert response.json["status"] == "unattributed"
    assert response.json["refunded_amount"] == 2599
    assert response.json["commission"] == {"amount": 0, "currency": "USD"}


def test_refund_of_an_approved_conversion_records_a_negative_adjustment(
    client, brand, creator, attributed_sale, clock
):
    # Given the November close approved it (simulated directly in the table)
    [stored] = stored_conversions()
    stored.update(actions=[
        Conversion.status.set("approved"),
        Conversion.statement_month.set("2026-11"),
        Conversion.pending_shard.remove(),
        Conversion.eligible_key.remove(),
    ])
    clock.move(timedelta(days=10))  # 2026-12-06

    # When part of it is refunded in December
    response = report(client, brand, refund("r-1", 1000))

    # Then the commission taken back is booked in December
    assert response.status_code == 200
    assert response.json["status"] == "approved"
    assert response.json["statement_month"] == "2026-11"
    assert response.json["commission"]["amount"] == 160
    [item] = stored_refunds()
    assert item.adjustment_month == "2026-12"
    assert int(item.commission_delta) == -100
    assert item.commission_currency == "USD"
    assert item.creator_id == creator["creator_id"]
    assert item.adjustment_key.startswith(f"{brand['brand_id']}#{creator['creator_id']}#USD#")
    [found] = december_adjustments(brand)
    assert found.refund_key.endswith("#r-1") and int(found.commission_delta) == -100
    assert found.adjustment_key == item.adjustment_key

    # And the rest of it, refunded too, makes it refunded with a second adjustment
    full = report(client, brand, refund("r-2", 1599))
    assert full.json["status"] == "refunded" and full.json["commission"]["amount"] == 0
    assert sum(int(r.commission_delta) for r in december_adjustments(brand)) == -260


def december_adjustments(brand: dict) -> list[MonthAdjustment]:
    """The brand's adjustments booked in 2026-12, read as the close reads them."""
    of_the_brand = MonthAdjustment.adjustment_key.startswith(f"{brand['brand_id']}#")
    return list(MonthAdjustment.query("2026-12", of_the_brand, consistent_read=True))


def test_concurrent_refunds_never_spend_the_same_remainder(client, brand, attributed_sale):
    start = threading.Barrier(8)
    outcomes: list = []

    def refund_half(n: int):
        start.wait()
        try:
            conversions.record_conversion(brand["brand_id"], refund(f"r-{n}", 1300))
            outcomes.append("refunded")
        except Exception as error:
            outcomes.append(type(error).__name__)

    threads = [threading.Thread(target=refund_half, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    [stored] = stored_conversions()
    assert outcomes.count("refunded") == 1
    assert outcomes.count("InvalidInput") == 7
    assert int(stored.refunded_amount) == 1300
    assert len(stored_refunds()) == 1


# --- GET /me/conversions ------------------------------------------------------------------


def list_conversions(client, account: dict, query: str = ""):
    return call(client, "GET", f"/me/conversions{query}", headers=bearer(account["api_key"]))


def test_me_conversions_shows_each_tenant_only_its_own(client, brand, creator):
    other_brand = make_brand(client, name="Other")
    other_creator = make_creator(client, new_handle("zoe.films"))
    mine = report(client, brand, sale("o-mine", click_id=make_click(brand, creator, click_id=new_id("c-mine")))).json
    theirs = report(client, other_brand, sale("o-theirs", click_id=make_click(other_brand, other_creator,
                                                                            click_id=new_id("c-theirs")))).json
    unattributed = report(client, brand, sale("o-none")).json

    brand_ids = [c["conversion_id"] for c in list_conversions(client, brand).json["items"]]
    other_ids = [c["conversion_id"] for c in list_conversions(client, other_brand).json["items"]]
    creator_ids = [c["conversion_id"] for c in list_conversions(client, creator).json["items"]]
    other_creator_ids = [c["conversion_id"] for c in list_conversions(client, other_creator).json["items"]]

    assert sorted(brand_ids) == sorted([mine["conversion_id"], unattributed["conversion_id"]])
    assert other_ids == [theirs["conversion_id"]]
    assert creator_ids == [mine["conversion_id"]]
    assert other_creator_ids == [theirs["conversion_id"]]


def test_me_conversions_is_newest_first_paginated_and_filtered(client, brand, creator, clock):
    click_id = make_click(brand, creator)
    made = []
    for n in range(5):
        made.append(report(client, brand, sale(f"o-{n}", click_id=click_id if n % 2 == 0 else None)).json)
        clock.move(timedelta(seconds=1))
    newest_first = [c["conversion_id"] for c in reversed(made)]

    first = list_conversions(client, brand, "?limit=2")
    second = list_conversions(client, brand, f"?limit=2&cursor={first.json['next_cursor']}")
    third = list_conversions(client, brand, f"?limit=2&cursor={second.json['next_cursor']}")
    pages = [first, second, third]
    assert [c["conversion_id"] for page in pages for c in page.json["items"]] == newest_first
    assert third.json["next_cursor"] is None

    pending = list_conversions(client, brand, "?status=pending").json["items"]
    assert [c["order_id"] for c in pending] == ["o-4", "o-2", "o-0"]
    assert [c["order_id"] for c in list_conversions(client, brand, "?status=unattributed").json["items"]] == [
        "o-3", "o-1"]
    assert list_conversions(client, creator, "?status=refunded").json == {"items": [], "next_cursor": None}

    filtered = list_conversions(client, brand, "?status=pending&limit=1")
    follow = list_conversions(client, brand, f"?status=pending&limit=1&cursor={filtered.json['next_cursor']}")
    assert [c["order_id"] for c in follow.json["items"]] == ["o-2"]


@pytest.mark.parametrize("query", ["?status=paid", "?status=", "?limit=0", "?limit=101", "?cursor=nope"])
def test_me_conversions_rejects_bad_parameters(client, brand, query):
    assert list_conversions(client, brand, query).status_code == 400


def test_a_cursor_of_another_tenant_is_400(client, brand, creator):
    other = make_brand(client, name="Other")
    for n in range(3):
        report(client, other, sale(f"o-{n}"))
    cursor = list_conversions(client, other, "?limit=1").json["next_cursor"]
    assert cursor
    assert list_conversions(client, brand, f"?cursor={cursor}").status_code == 400


def test_me_conversions_is_not_for_admins_or_anonymous_callers(client):
    assert call(client, "GET", "/me/conversions", headers=ADMIN).status_code == 403
    assert call(client, "GET", "/me/conversions").status_code == 401


def test_sales_received_within_one_second_still_list_newest_first(client, brand, clock):
    # Given six sales received 100 ms apart, all within one second
    for n in range(6):
        report(client, brand, sale(f"o{n}"))
        clock.move(timedelta(milliseconds=100))
    # Then the list is newest first
    orders = [c["order_id"] for c in list_conversions(client, brand).json["items"]]
    assert orders == ["o5", "o4", "o3", "o2", "o1", "o0"]


def test_refund_of_an_approved_sale_with_the_longest_four_byte_ids_is_booked(client, brand, creator, clock):
    # Given an approved sale whose order id is 128 four-byte characters
    order_id = "😀" * 128
    report(client, brand, sale(order_id, click_id=make_click(brand, creator, click_id=new_id("c-emoji"))))
    [stored] = stored_conversions()
    stored.update(actions=[Conversion.status.set("approved"), Conversion.statement_month.set("2026-11"),
                           Conversion.pending_shard.remove(), Conversion.eligible_key.remove()])
    # When it is refunded with a refund id of 128 four-byte characters
    response = report(client, brand, refund("🧾" * 128, 1000, order_id=order_id))
    # Then the adjustment is booked, never a 5xx
    assert response.status_code == 200
    [item] = stored_refunds()
    assert item.adjustment_month == "2026-11"
    assert len(item.adjustment_key.encode()) < 1024
