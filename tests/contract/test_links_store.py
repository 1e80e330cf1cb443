"""The links store's contract, on the in-memory twin and on DynamoDB (moto)."""
from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone

import pytest

from chalicelib.base.errors import InvalidInput
from chalicelib.storage.errors import AlreadyExists, ChangedMeanwhile
from chalicelib.storage.links import DynamoLinksStore
from chalicelib.storage.memory.links import InMemoryLinksStore

CREATED = datetime(2026, 12, 1, 10, 0, 0, 123000, tzinfo=timezone.utc)


@pytest.fixture
def store(implementation):
    return InMemoryLinksStore() if implementation == "memory" else DynamoLinksStore()


def fresh(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex[:16]}"


def new_link(store, *, code=None, creator_id="cr_1", created=CREATED, **overrides):
    values = {"brand_id": "br_1", "destination": "https://shop.glow.example/p/1", "source": "tiktok",
              "expires_at": None, **overrides}
    return store.create_link(code=code or fresh("c"), creator_id=creator_id, created=created, **values)


def test_a_created_link_is_stored_enabled_and_dated(store):
    created = new_link(store, expires_at="2027-01-01T00:00:00Z")
    link = store.find_link(created.code)
    assert (link.creator_id, link.brand_id, link.destination, link.source, link.expires_at) == (
        "cr_1", "br_1", "https://shop.glow.example/p/1", "tiktok", "2027-01-01T00:00:00Z")
    assert link.disabled is False and link.created_at == "2026-12-01T10:00:00Z"
    assert (created.code, created.created_at) == (link.code, link.created_at)


def test_a_code_taken_is_refused_and_the_first_link_stays(store):
    link = new_link(store)
    with pytest.raises(AlreadyExists):
        new_link(store, code=link.code, creator_id="cr_2", destination="https://elsewhere.example/")
    assert store.find_link(link.code).creator_id == "cr_1"


def test_codes_are_case_sensitive(store):
    code = fresh("Aa")
    new_link(store, code=code)
    new_link(store, code=code.upper(), creator_id="cr_2")
    assert store.find_link(code).creator_id == "cr_1" and store.find_link(code.upper()).creator_id == "cr_2"


def test_an_unknown_code_is_none(store):
    assert store.find_link(fresh("c")) is None


def test_an_update_sets_and_removes_and_hands_back_the_link_as_stored(store):
    link = new_link(store, expires_at="2027-01-01T00:00:00Z")
    changes = {"destination": "https://shop.glow.example/p/2", "disabled": True, "expires_at": None}
    updated = store.update_link(link.code, "cr_1", changes)
    stored = store.find_link(link.code)
    for seen in (updated, stored):
        assert (seen.destination, seen.disabled, seen.expires_at) == ("https://shop.glow.example/p/2", True, None)
        assert (seen.creator_id, seen.source, seen.created_at) == ("cr_1", "tiktok", link.created_at)


def test_an_update_by_another_creator_is_refused_and_changes_nothing(store):
    link = new_link(store)
    with pytest.raises(ChangedMeanwhile):
        store.update_link(link.code, "cr_2", {"disabled": True})
    assert store.find_link(link.code).disabled is False


def test_an_update_of_no_link_is_refused_and_creates_nothing(store):
    code = fresh("c")
    with pytest.raises(ChangedMeanwhile):
        store.update_link(code, "cr_1", {"disabled": True})
    assert store.find_link(code) is None


def test_a_creators_links_page_newest_first_and_only_theirs(store):
    creator_id = fresh("cr")
    codes = [new_link(store, creator_id=creator_id, created=CREATED + timedelta(milliseconds=n)).code
             for n in range(5)]
    new_link(store, creator_id=fresh("cr"))
    scope = f"links:creator:{creator_id}"
    first = store.links_of_creator(creator_id, limit=2, cursor=None, scope=scope)
    second = store.links_of_creator(creator_id, limit=2, cursor=first.next_cursor, scope=scope)
    third = store.links_of_creator(creator_id, limit=2, cursor=second.next_cursor, scope=scope)
    assert [link.code for page in (first, second, third) for link in page.items] == codes[::-1]
    assert third.next_cursor is None
    with pytest.raises(InvalidInput):
        store.links_of_creator(fresh("cr"), limit=2, cursor=first.next_cursor, scope="links:creator:other")
