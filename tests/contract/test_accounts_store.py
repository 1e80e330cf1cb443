"""The accounts store's contract, on the in-memory twin and on DynamoDB (moto): what is stored,
what is refused, in which order listings come."""
from __future__ import annotations

import uuid

import pytest

from chalicelib.base.errors import InvalidInput
from chalicelib.base.money import CommissionRule
from chalicelib.storage.accounts import BRAND, CREATOR, DynamoAccountsStore
from chalicelib.storage.errors import AlreadyExists, ChangedMeanwhile
from chalicelib.storage.memory.accounts import InMemoryAccountsStore

CREATED = "2026-12-01T10:00:00Z"
LATER = "2026-12-02T10:00:00Z"


@pytest.fixture
def store(implementation):
    return InMemoryAccountsStore() if implementation == "memory" else DynamoAccountsStore()


def fresh(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex[:16]}"


def terms(**overrides) -> dict:
    return {
        "name": "Glow Cosmetics",
        "allowed_domains": ["shop.glow.example"],
        "commission": CommissionRule.percent(1000),
        "attribution_window_days": 30,
        "hold_days": 14,
        "program": "open",
        **overrides,
    }


def new_brand(store, brand_id=None, **overrides):
    return store.create_brand(
        brand_id=brand_id or fresh("br"), terms=terms(**overrides), api_key_hash=fresh("hash"),
        webhook_secret=fresh("whsec"), created_at=CREATED,
    )


def new_creator(store, handle=None):
    return store.create_creator(
        creator_id=fresh("cr"), handle=handle or fresh("h"), api_key_hash=fresh("hash"), created_at=CREATED
    )


def test_a_created_brand_is_stored_with_its_terms_and_its_key(store):
    created = new_brand(store, name="Shine")
    brand = store.find_brand(created.brand_id, consistent=True)
    assert brand is not None
    assert (brand.name, list(brand.allowed_domains), brand.commission) == (
        "Shine", ["shop.glow.example"], CommissionRule.percent(1000))
    assert (brand.hold_days, brand.program, brand.created_at, brand.updated_at) == (14, "open", CREATED, CREATED)
    assert brand.webhook_secret == created.webhook_secret
    key = store.find_key(created.api_key_hash)
    assert key is not None and (key.role, key.owner_id, key.created_at) == (BRAND, created.brand_id, CREATED)


def test_a_brand_id_taken_is_refused_and_its_key_not_stored(store):
    brand = new_brand(store)
    second_hash = fresh("hash")
    with pytest.raises(AlreadyExists):
        store.create_brand(brand_id=brand.brand_id, terms=terms(name="Other"), api_key_hash=second_hash,
                           webhook_secret=fresh("whsec"), created_at=LATER)
    assert store.find_brand(brand.brand_id).name == "Glow Cosmetics"
    assert store.find_key(second_hash) is None


def test_unknown_brands_and_creators_are_none_and_batches_skip_them(store):
    assert store.find_brand(fresh("br")) is None and store.find_creator(fresh("cr")) is None
    brands = [new_brand(store, name=f"Brand {n}") for n in range(2)]
    found = store.find_brands([brands[0].brand_id, brands[1].brand_id, fresh("br")])
    assert sorted((b.brand_id, b.name) for b in found) == sorted((b.brand_id, b.name) for b in brands)
    creator = new_creator(store)
    assert [(c.creator_id, c.handle) for c in store.find_creators([creator.creator_id, fresh("cr")])] == [
        (creator.creator_id, creator.handle)]


def test_updating_terms_sets_them_and_hands_back_the_brand_as_stored(store):
    brand = new_brand(store)
    updated = store.update_brand_terms(
        brand.brand_id, {"name": "Glow", "commission": CommissionRule.flat(250, "EUR"), "program": "invite"},
        updated_at=LATER,
    )
    stored = store.find_brand(brand.brand_id, consistent=True)
    for seen in (updated, stored):
        assert (seen.name, seen.commission, seen.program, seen.updated_at) == (
            "Glow", CommissionRule.flat(250, "EUR"), "invite", LATER)
        assert (seen.hold_days, seen.created_at, seen.webhook_secret) == (14, CREATED, brand.webhook_secret)


def test_updating_the_terms_of_no_brand_is_refused_and_creates_nothing(store):
    brand_id = fresh("br")
    with pytest.raises(ChangedMeanwhile):
        store.update_brand_terms(brand_id, {"name": "Ghost"}, updated_at=LATER)
    assert store.find_brand(brand_id) is None


def test_rotating_the_webhook_secret_keeps_the_old_one_for_the_overlap(store):
    brand = new_brand(store)
    store.rotate_webhook_secret(brand.brand_id, old_secret=brand.webhook_secret, new_secret="whsec_new",
                                old_secret_until="2026-12-03T10:00:00Z", updated_at=LATER)
    stored = store.find_brand(brand.brand_id, consistent=True)
    assert (stored.webhook_secret, stored.previous_webhook_secret, stored.previous_webhook_secret_until,
            stored.updated_at) == ("whsec_new", brand.webhook_secret, "2026-12-03T10:00:00Z", LATER)


def test_rotating_from_a_secret_no_longer_stored_is_refused_and_changes_nothing(store):
    brand = new_brand(store)
    with pytest.raises(ChangedMeanwhile):
        store.rotate_webhook_secret(brand.brand_id, old_secret="whsec_stale", new_secret="whsec_new",
                                    old_secret_until="2026-12-03T10:00:00Z", updated_at=LATER)
    stored = store.find_brand(brand.brand_id, consistent=True)
    assert (stored.webhook_secret, stored.previous_webhook_secret) == (brand.webhook_secret, None)


def test_the_catalogue_pages_in_id_order_with_public_fields_only(store):
    # the tables are shared by the worker's tests: keep only this test's brands
    prefix = fresh("br")
    ids = [f"{prefix}_{n}" for n in (3, 1, 4, 0, 2)]
    for brand_id in ids:
        new_brand(store, brand_id=brand_id)
    ours = set(ids[:4])  # not the last: filtered out, pages still hold `limit` brands

    def page(cursor):
        return store.catalogue_page(limit=2, cursor=cursor, scope="test:catalogue",
                                    keep=lambda brand: brand.brand_id in ours)

    first = page(None)
    second = page(first.next_cursor)
    assert [b.brand_id for b in first.items] == [f"{prefix}_0", f"{prefix}_1"]
    assert [b.brand_id for b in second.items] == [f"{prefix}_3", f"{prefix}_4"]
    assert first.next_cursor is not None
    shown = first.items[0]
    assert shown.name == "Glow Cosmetics" and shown.commission == CommissionRule.percent(1000)
    assert shown.api_key_hash is None and shown.webhook_secret is None


def test_a_cursor_of_another_list_is_invalid_input(store):
    prefix = fresh("br")
    for n in range(2):
        new_brand(store, brand_id=f"{prefix}_{n}")
    first = store.catalogue_page(limit=1, cursor=None, scope="test:one",
                                 keep=lambda brand: brand.brand_id.startswith(prefix))
    with pytest.raises(InvalidInput):
        store.catalogue_page(limit=1, cursor=first.next_cursor, scope="test:another")


def test_a_created_creator_holds_their_handle_and_their_key(store):
    creator = new_creator(store, handle=fresh("glow"))
    stored = store.find_creator(creator.creator_id, consistent=True)
    assert (stored.handle, stored.api_key_hash, stored.created_at) == (
        creator.handle, creator.api_key_hash, CREATED)
    key = store.find_key(creator.api_key_hash)
    assert (key.role, key.owner_id) == (CREATOR, creator.creator_id)


def test_a_taken_handle_is_refused_and_nothing_of_the_second_creator_is_stored(store):
    creator = new_creator(store)
    creator_id, key_hash = fresh("cr"), fresh("hash")
    with pytest.raises(AlreadyExists):
        store.create_creator(creator_id=creator_id, handle=creator.handle, api_key_hash=key_hash, created_at=LATER)
    assert store.find_creator(creator_id) is None and store.find_key(key_hash) is None


@pytest.mark.parametrize("role", [BRAND, CREATOR])
def test_replacing_a_key_retires_the_old_one_and_points_the_owner_at_the_new(store, role):
    owner = new_brand(store) if role == BRAND else new_creator(store)
    owner_id = owner.brand_id if role == BRAND else owner.creator_id
    new_hash = fresh("hash")
    store.replace_key(role, owner_id, old_hash=owner.api_key_hash, new_hash=new_hash, created_at=LATER)
    assert store.find_key(owner.api_key_hash) is None
    key = store.find_key(new_hash)
    assert (key.role, key.owner_id, key.created_at) == (role, owner_id, LATER)
    find = store.find_brand if role == BRAND else store.find_creator
    found = find(owner_id, consistent=True)
    assert found.api_key_hash == new_hash


@pytest.mark.parametrize("role", [BRAND, CREATOR])
def test_replacing_a_key_already_replaced_is_refused_and_changes_nothing(store, role):
    owner = new_brand(store) if role == BRAND else new_creator(store)
    owner_id = owner.brand_id if role == BRAND else owner.creator_id
    stale, new_hash = fresh("hash"), fresh("hash")
    with pytest.raises(ChangedMeanwhile):
        store.replace_key(role, owner_id, old_hash=stale, new_hash=new_hash, created_at=LATER)
    assert store.find_key(new_hash) is None and store.find_key(owner.api_key_hash) is not None


def test_a_membership_is_saved_replaced_and_listed_by_brand_and_by_creator(store):
    brand_id, other_brand = fresh("br_b"), fresh("br_a")
    creators = sorted(fresh("cr") for _ in range(2))
    saved = store.save_membership(brand_id, creators[1], status="approved", updated_at=CREATED)
    assert (saved.brand_id, saved.creator_id, saved.status) == (brand_id, creators[1], "approved")
    store.save_membership(brand_id, creators[0], status="approved", updated_at=CREATED)
    store.save_membership(brand_id, creators[1], status="blocked", updated_at=LATER)
    store.save_membership(other_brand, creators[1], status="approved", updated_at=LATER)
    assert store.membership_status(brand_id, creators[1]) == "blocked"
    assert store.membership_status(fresh("br"), creators[1]) is None
    assert [(m.creator_id, m.status, m.updated_at) for m in store.memberships_of_brand(brand_id)] == [
        (creators[0], "approved", CREATED), (creators[1], "blocked", LATER)]
    assert [(m.brand_id, m.status) for m in store.memberships_of_creator(creators[1])] == sorted(
        [(brand_id, "blocked"), (other_brand, "approved")])
