"""The tap's store: the link and its brand's redirect terms read in one go, the tap's one write,
the spool's write that lands once; on the in-memory twin and on DynamoDB (moto)."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from chalicelib.base import aws
from chalicelib.storage.accounts import Brand, Membership
from chalicelib.storage.errors import AlreadyExists
from chalicelib.storage.links import Link
from chalicelib.storage.memory.tap import InMemoryTapStore
from chalicelib.storage.tap import DynamoTapStore, click_item, click_values
from tests.helpers import fresh

AT = datetime(2026, 11, 26, 10, 0, 15, tzinfo=timezone.utc)


@pytest.fixture
def store(implementation):
    return InMemoryTapStore() if implementation == "memory" else DynamoTapStore()


def put(store: Any, table: type, item: dict[str, Any]) -> None:
    """Another capability's item, stored where this store reads it."""
    if isinstance(store, InMemoryTapStore):
        if table is Link:
            store.links[item["code"]["S"]] = item
        elif table is Brand:
            store.brands[item["brand_id"]["S"]] = item
        else:
            store.memberships[(item["brand_id"]["S"], item["creator_id"]["S"])] = item
    else:
        aws.client("dynamodb").put_item(TableName=table.Meta.table_name, Item=item)


def link_of(code: str, brand_id: str, creator_id: str) -> dict[str, Any]:
    return {"code": {"S": code}, "brand_id": {"S": brand_id}, "creator_id": {"S": creator_id},
            "destination": {"S": "https://shop.example/serum"}, "disabled": {"BOOL": False},
            "created_at": {"S": "2026-11-01T00:00:00Z"}, "listing_key": {"S": f"2026-11-01#{code}"}}


def brand_of(brand_id: str) -> dict[str, Any]:
    return {"brand_id": {"S": brand_id}, "name": {"S": "Shop"}, "program": {"S": "approval"},
            "allowed_domains": {"L": [{"S": "shop.example"}]}, "webhook_secret": {"S": "whsec_secret"},
            "api_key_hash": {"S": "hash"}}


def a_click(click_id: str) -> dict[str, Any]:
    return click_item({
        "click_id": click_id, "code": "serum", "creator_id": "cr_1", "brand_id": "br_1",
        "clicked_at": "2026-11-26T10:00:15Z", "visitor_hash": "v" * 32, "user_agent": None,
        "referrer": "direct", "country": "FR", "device": "mobile", "app": "browser", "via": "link",
        "is_bot": False, "source": None, "expires_at": AT + timedelta(days=120),
    })


def test_an_unknown_code_has_no_link_nor_terms(store):
    assert store.read_link_and_terms(f"nope-{fresh()}") == (None, None, None)


def test_the_link_comes_with_its_brand_s_terms_and_the_creator_s_standing(store):
    code, brand_id, creator_id = f"c-{fresh()}", f"br_{fresh()}", f"cr_{fresh()}"
    put(store, Link, link_of(code, brand_id, creator_id))
    put(store, Brand, brand_of(brand_id))
    put(store, Membership, {"brand_id": {"S": brand_id}, "creator_id": {"S": creator_id},
                            "status": {"S": "approved"}, "updated_at": {"S": "2026-11-01T00:00:00Z"}})
    link, brand, status = store.read_link_and_terms(code)
    assert (link.code, link.creator_id, link.destination) == (code, creator_id, "https://shop.example/serum")
    assert (brand.brand_id, brand.program, list(brand.allowed_domains)) == (brand_id, "approval", ["shop.example"])
    assert brand.webhook_secret is None and brand.api_key_hash is None  # the terms, never the secrets
    assert status == "approved"


def test_a_creator_without_a_membership_has_no_standing_and_a_missing_brand_no_terms(store):
    code, creator_id = f"c-{fresh()}", f"cr_{fresh()}"
    put(store, Link, link_of(code, f"br_{fresh()}", creator_id))
    link, brand, status = store.read_link_and_terms(code)
    assert link.code == code and brand is None and status is None


def test_the_tap_s_click_is_stored_as_written_and_read_back(store):
    click_id = fresh(22)
    store.put_click_once(a_click(click_id))
    store.put_click_once(a_click(click_id))  # botocore's retry of a write that landed: the same item
    found = store.find_click(click_id)
    assert found.serialize() == a_click(click_id)
    assert click_values(found.serialize())["expires_at"] == AT + timedelta(days=120)


def test_a_spooled_click_lands_once_and_its_redelivery_is_refused(store):
    click_id = fresh(22)
    store.put_spooled_click(a_click(click_id))
    with pytest.raises(AlreadyExists):
        store.put_spooled_click(a_click(click_id))
    assert store.find_click(click_id).code == "serum"


def test_a_click_the_tap_wrote_is_not_written_again_from_the_spool(store):
    click_id = fresh(22)
    store.put_click_once(a_click(click_id))
    with pytest.raises(AlreadyExists):
        store.put_spooled_click(a_click(click_id))


def test_an_unknown_click_is_none(store):
    assert store.find_click(fresh(22)) is None
