"""The shop deliveries and the rate limits on the in-memory stores (no moto): a delivery parked
once however often it comes, a recorded one recognised when it comes again, the minute counter."""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
from datetime import datetime, timedelta, timezone

import pytest
from botocore.exceptions import ClientError

from chalicelib.accounts import brands
from chalicelib.base.errors import TooManyRequests, Unauthorized
from chalicelib.integrations import deliveries, secrets
from chalicelib.money import conversions
from chalicelib.money.sales import Recorded
from chalicelib.storage import seam
from chalicelib.storage.memory.accounts import InMemoryAccountsStore
from chalicelib.storage.memory.integrations import InMemoryIntegrationsStore
from chalicelib.storage.memory.money import InMemoryMoneyStore
from chalicelib.storage.memory.rate_limits import InMemoryRateLimitsStore
from chalicelib.web import rate_limits
from tests.faults import Faulty

SECRET = "shpss_0123456789abcdef0123456789abcdef"
WEBHOOK_ID = "b54557e4-bdd9-4b37-8a5f-bf7d70bcd043"
ORDER = {"id": 820982911946154508, "currency": "EUR", "processed_at": "2026-12-01T10:00:00+01:00",
         "line_items": [{"price": "59.99", "quantity": 1}]}
MOMENT = datetime(2026, 11, 26, 10, 0, 15, tzinfo=timezone.utc)


@pytest.fixture
def stores():
    integrations, money = InMemoryIntegrationsStore(), InMemoryMoneyStore()
    with seam.replaced(accounts=InMemoryAccountsStore(), integrations=integrations, money=money,
                       rate_limits=InMemoryRateLimitsStore()):
        yield integrations, money


@pytest.fixture
def integrations(stores):
    return stores[0]


@pytest.fixture
def brand_id(integrations):
    brand = brands.create_brand(
        {"name": "Glow", "allowed_domains": ["glow.example"], "commission": {"type": "percent", "rate_bps": 1000}}
    )
    secrets.set_secret(brand["brand_id"], "shopify", {"secret": SECRET}, "https://api.glow.example")
    return brand["brand_id"]


@pytest.fixture
def recorded(monkeypatch):
    """The sales `money.conversions` was asked to record (its own tests cover how)."""
    asked: list[dict] = []

    def record_conversion(brand_id, body, *, expected_refunded=None):
        asked.append(dict(body))
        return Recorded({"conversion_id": f"cv_{len(asked)}", "order_id": body["order_id"]}, created=True)

    monkeypatch.setattr(conversions, "record_conversion", record_conversion)
    return asked


def shopify_delivery(brand_id: str, body: bytes, topic: str = "orders/paid", **extra_headers: str):
    signature = base64.b64encode(hmac.new(SECRET.encode(), body, hashlib.sha256).digest()).decode()
    headers = {"X-Shopify-Topic": topic, "X-Shopify-Hmac-Sha256": signature, "X-Shopify-Webhook-Id": WEBHOOK_ID,
               **extra_headers}
    return deliveries.receive("shopify", brand_id, body, headers)


def test_a_secret_set_is_the_one_deliveries_are_verified_with(brand_id):
    assert secrets.secret_of(brand_id, "shopify") == SECRET
    assert secrets.secret_of(brand_id, "stripe") is None
    assert secrets.secret_of("x" * 1000, "shopify") is None


def test_a_delivery_that_cannot_be_used_is_parked_once_however_often_it_comes(brand_id, integrations, recorded):
    for _ in range(3):
        received = shopify_delivery(brand_id, b"{not json", Authorization="Bearer sk", Cookie="session=1")
        assert received.outcome == deliveries.PARKED and received.reason
    assert len(integrations.parked) == 1 and recorded == []
    [parked] = deliveries.list_parked(limit=10, cursor=None)["items"]
    assert (parked["brand_id"], parked["platform"], parked["body"]) == (brand_id, "shopify", "{not json")
    assert parked["delivery_id"].endswith(WEBHOOK_ID)
    assert "authorization" not in parked["headers"] and "cookie" not in parked["headers"]


def test_a_recorded_sale_delivered_again_is_a_duplicate(brand_id, integrations, recorded):
    body = json.dumps(ORDER).encode()
    first = shopify_delivery(brand_id, body)
    again = shopify_delivery(brand_id, body)
    assert (first.outcome, first.created, again.outcome) == (deliveries.RECORDED, True, deliveries.DUPLICATE)
    assert [sale["order_id"] for sale in recorded] == [str(ORDER["id"])]
    payment = deliveries._Ledger(brand_id, "shopify").payment(f"order:{ORDER['id']}")
    assert (payment.order_id, payment.amount_total, payment.commissionable) == (str(ORDER["id"]), 5999, 5999)


def test_a_topic_neither_sale_nor_refund_is_ignored_and_leaves_no_mark(brand_id, integrations, recorded):
    for _ in range(2):
        assert shopify_delivery(brand_id, b"{}", topic="customers/create").outcome == deliveries.IGNORED
    assert integrations.records == {} and integrations.parked == {} and recorded == []


def test_a_delivery_not_signed_with_the_brands_secret_is_refused_and_nothing_kept(brand_id, integrations):
    with pytest.raises(Unauthorized):
        deliveries.receive("shopify", brand_id, b"{not json", {"X-Shopify-Hmac-Sha256": "AAAA"})
    with pytest.raises(Unauthorized):
        deliveries.receive("stripe", brand_id, b"{not json", {"Stripe-Signature": "t=1,v1=00"})
    with pytest.raises(Unauthorized):
        shopify_delivery("br_unknown", b"{not json")
    assert integrations.parked == {} and integrations.records == {}


def test_what_was_refunded_of_an_order_is_read_off_its_conversion(brand_id, stores):
    money = stores[1]
    money.conversions[(brand_id, "cs_1")] = {"brand_id": {"S": brand_id}, "order_id": {"S": "cs_1"},
                                             "refunded_amount": {"N": "250"}}
    ledger = deliveries._Ledger(brand_id, "stripe")
    assert (ledger.refunded("cs_1"), ledger.refunded("cs_2"), ledger.refunded("x" * 1000)) == (250, None, None)


def test_the_minute_counter_counts_and_refuses_past_the_limit(stores):
    for _ in range(3):
        rate_limits.count_request("create-link", "cr_1", 3, MOMENT)
    with pytest.raises(TooManyRequests) as refused:
        rate_limits.count_request("create-link", "cr_1", 3, MOMENT)
    assert refused.value.retry_after == 45
    rate_limits.count_request("create-link", "cr_2", 3, MOMENT)  # another caller counts on their own
    rate_limits.count_request("create-link", "cr_1", 3, MOMENT + timedelta(seconds=45))  # the next minute


def test_a_throttled_counter_is_too_many_requests_and_other_failures_are_not(stores):
    def failure(code):
        return lambda: ClientError({"Error": {"Code": code, "Message": "x"}}, "UpdateItem")

    store = seam.current("rate_limits")
    with seam.replaced(rate_limits=Faulty(store, "add_request", error=failure("ThrottlingException"))):
        with pytest.raises(TooManyRequests):
            rate_limits.count_request("create-link", "cr_1", 60, MOMENT)
    with seam.replaced(rate_limits=Faulty(store, "add_request", error=failure("ValidationException"))):
        with pytest.raises(ClientError):
            rate_limits.count_request("create-link", "cr_1", 60, MOMENT)
