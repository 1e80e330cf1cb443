"""The shop integrations store's contract, on the in-memory twin and on DynamoDB (moto): secrets,
payments and delivery marks as stored, a parked delivery kept once, parked deliveries newest first."""
from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone

import pytest

from chalicelib.base.errors import InvalidInput
from chalicelib.storage import keys
from chalicelib.storage.errors import AlreadyExists
from chalicelib.storage.integrations import DynamoIntegrationsStore, IntegrationRecord
from chalicelib.storage.memory.integrations import InMemoryIntegrationsStore

RECEIVED = datetime(2026, 12, 1, 10, 0, 0, 123000, tzinfo=timezone.utc)
EXPIRES = datetime(2026, 12, 31, 10, 0, 0, tzinfo=timezone.utc)


@pytest.fixture
def store(implementation):
    return InMemoryIntegrationsStore() if implementation == "memory" else DynamoIntegrationsStore()


def fresh(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex[:16]}"


def stored_record(store, record_key: str):
    """The record as it is stored (the twin's dict, or DynamoDB's item)."""
    if isinstance(store, InMemoryIntegrationsStore):
        item = store.records.get(record_key)
        return IntegrationRecord.from_raw_data(item) if item is not None else None
    return IntegrationRecord.get(record_key, consistent_read=True)


def park(store, *, brand_id, delivery_id, received=RECEIVED, reason="a shape not understood", **overrides):
    values = {"platform": "shopify", "headers": {"x-shopify-topic": "orders/paid"}, "body": '{"id": 1}',
              **overrides}
    return store.park_delivery(brand_id=brand_id, delivery_id=delivery_id, reason=reason, received=received,
                               **values)


def test_a_secret_reads_back_and_a_new_one_replaces_it(store):
    brand_id = fresh("br")
    store.save_secret(brand_id, "shopify", secret="shpss_first_secret", updated_at="2026-12-01T10:00:00Z")
    store.save_secret(brand_id, "shopify", secret="shpss_second_secret", updated_at="2026-12-02T10:00:00Z")
    secret = store.find_secret(brand_id, "shopify")
    assert (secret.brand_id, secret.platform, secret.secret, secret.updated_at) == (
        brand_id, "shopify", "shpss_second_secret", "2026-12-02T10:00:00Z")


def test_secrets_are_per_brand_and_platform(store):
    brand_id = fresh("br")
    store.save_secret(brand_id, "stripe", secret="whsec_0123456789", updated_at="2026-12-01T10:00:00Z")
    assert store.find_secret(brand_id, "shopify") is None
    assert store.find_secret(fresh("br"), "stripe") is None
    assert store.find_secret(brand_id, "stripe").secret == "whsec_0123456789"


def test_a_payment_reads_back_as_recorded(store):
    brand_id = fresh("br")
    store.save_payment(brand_id, "stripe", "pi_1", order_id="cs_1", amount_total=12_000, commissionable=10_000,
                       taxes_included=True, recorded=RECEIVED)
    payment = store.find_payment(brand_id, "stripe", "pi_1")
    assert (payment.order_id, payment.amount_total, payment.commissionable, payment.taxes_included) == (
        "cs_1", 12_000, 10_000, True)
    assert payment.recorded_at == "2026-12-01T10:00:00Z" and payment.expires_at is None


def test_an_unknown_payment_is_none_and_payments_are_per_platform(store):
    brand_id = fresh("br")
    store.save_payment(brand_id, "stripe", "pi_1", order_id="cs_1", amount_total=100, commissionable=100,
                       taxes_included=False, recorded=RECEIVED)
    assert store.find_payment(brand_id, "shopify", "pi_1") is None
    assert store.find_payment(brand_id, "stripe", "pi_2") is None
    assert store.find_payment(fresh("br"), "stripe", "pi_1") is None


def test_a_delivery_is_recorded_once_marked_and_the_mark_expires(store):
    brand_id, delivery_id = fresh("br"), fresh("shopify:wh")
    assert store.delivery_recorded(brand_id, delivery_id) is False
    store.remember_delivery(brand_id, delivery_id, recorded=RECEIVED, expires=EXPIRES)
    assert store.delivery_recorded(brand_id, delivery_id) is True
    assert store.delivery_recorded(fresh("br"), delivery_id) is False  # another brand's is another delivery
    mark = stored_record(store, keys.delivery_record(brand_id, delivery_id))
    assert (mark.recorded_at, mark.expires_at, mark.order_id) == ("2026-12-01T10:00:00Z", EXPIRES, None)


def test_a_parked_delivery_is_kept_whole(store):
    brand_id, delivery_id = fresh("br"), fresh("stripe:evt")
    parked = park(store, brand_id=brand_id, delivery_id=delivery_id, platform="stripe",
                  headers={"stripe-signature": "t=1,v1=ab"}, body='{"type": "charge.refunded"}')
    [listed] = [item for item in store.parked_deliveries(limit=100, cursor=None, scope="parked").items
                if item.brand_id == brand_id]
    for seen in (parked, listed):
        assert (seen.delivery_id, seen.platform, seen.reason, seen.body, seen.received_at) == (
            keys.parked_delivery(brand_id, delivery_id), "stripe", "a shape not understood",
            '{"type": "charge.refunded"}', "2026-12-01T10:00:00Z")
        assert seen.headers.as_dict() == {"stripe-signature": "t=1,v1=ab"}


def test_a_delivery_parked_again_is_refused_and_the_first_stays(store):
    brand_id, delivery_id = fresh("br"), fresh("shopify:wh")
    park(store, brand_id=brand_id, delivery_id=delivery_id, reason="first")
    with pytest.raises(AlreadyExists):
        park(store, brand_id=brand_id, delivery_id=delivery_id, reason="second", received=RECEIVED + timedelta(1))
    park(store, brand_id=fresh("br"), delivery_id=delivery_id, reason="another brand's")  # another delivery
    mine = [item for item in store.parked_deliveries(limit=100, cursor=None, scope="parked").items
            if item.brand_id == brand_id]
    assert [(item.reason, item.received_at) for item in mine] == [("first", "2026-12-01T10:00:00Z")]


def test_parked_deliveries_page_newest_first(store):
    # Later than anything else parked in the worker's shared table: these come first.
    start = datetime(2099, 1, 1, tzinfo=timezone.utc) + timedelta(seconds=uuid.uuid4().int % 10**6)
    brands = [fresh("br") for _ in range(5)]
    for n, brand_id in enumerate(brands):
        park(store, brand_id=brand_id, delivery_id="shopify:wh-1", received=start + timedelta(milliseconds=n))
    first = store.parked_deliveries(limit=2, cursor=None, scope="parked-deliveries")
    second = store.parked_deliveries(limit=2, cursor=first.next_cursor, scope="parked-deliveries")
    third = store.parked_deliveries(limit=1, cursor=second.next_cursor, scope="parked-deliveries")
    assert [item.brand_id for page in (first, second, third) for item in page.items] == brands[::-1]
    assert first.next_cursor and second.next_cursor
    with pytest.raises(InvalidInput):
        store.parked_deliveries(limit=2, cursor=first.next_cursor, scope="links:creator:other")


def test_the_pages_end_with_the_oldest_and_no_cursor(store):
    brand_id = fresh("br")
    park(store, brand_id=fresh("br"), delivery_id="shopify:wh-1")
    park(store, brand_id=brand_id, delivery_id="shopify:wh-1", received=datetime(1970, 1, 2, tzinfo=timezone.utc))
    pages, cursor = [], None
    while not pages or cursor is not None:
        pages.append(store.parked_deliveries(limit=50, cursor=cursor, scope="parked-deliveries"))
        cursor = pages[-1].next_cursor
    assert pages[-1].items[-1].brand_id == brand_id
