"""The accounts domain on the in-memory store (no moto): keys, handles, terms, programs."""
from __future__ import annotations

import pytest

from chalicelib.accounts import auth, brands, creators, me, programs, sessions
from chalicelib.base.errors import Conflict, Forbidden, InvalidInput, NotFound, Unauthorized
from chalicelib.storage import seam
from chalicelib.storage.memory.accounts import InMemoryAccountsStore

BRAND_BODY = {
    "name": "Glow Cosmetics",
    "allowed_domains": ["shop.glow.example"],
    "commission": {"type": "percent", "rate_bps": 1000},
}


@pytest.fixture
def accounts():
    store = InMemoryAccountsStore()
    with seam.replaced(accounts=store):
        yield store


def test_a_new_brand_authenticates_with_its_key_and_after_rotation_only_with_the_new_one(accounts):
    brand = brands.create_brand(BRAND_BODY)
    assert auth.caller_of_key(brand["api_key"]) == auth.Caller(auth.BRAND, brand["brand_id"])
    rotated = brands.rotate_api_key(brand["brand_id"])["api_key"]
    with pytest.raises(Unauthorized):
        auth.caller_of_key(brand["api_key"])
    assert auth.caller_of_key(rotated) == auth.Caller(auth.BRAND, brand["brand_id"])


def test_a_creators_dashboard_session_ends_when_their_key_is_rotated(accounts):
    creator = creators.create_creator({"handle": "glow.fan"})
    session, caller = sessions.sign_in(creator["api_key"])
    assert sessions.caller_of(session) == caller == auth.Caller(auth.CREATOR, creator["creator_id"])
    creators.rotate_api_key(creator["creator_id"])
    with pytest.raises(Unauthorized):
        sessions.caller_of(session)


def test_a_taken_handle_is_refused_and_the_first_creator_keeps_it(accounts):
    first = creators.create_creator({"handle": "glow.fan"})
    with pytest.raises(Conflict):
        creators.create_creator({"handle": "glow.fan"})
    assert list(accounts.creators) == [first["creator_id"]]
    assert creators.creator_handles([first["creator_id"], None, "cr_unknown"]) == {first["creator_id"]: "glow.fan"}


def test_a_brand_is_shown_without_secrets_and_its_terms_change_but_not_its_keys(accounts):
    brand = brands.create_brand(BRAND_BODY)
    assert "api_key" not in brands.get_brand(brand["brand_id"]) and "webhook_secret" not in brands.get_brand(
        brand["brand_id"])
    updated = brands.update_brand(brand["brand_id"], {"hold_days": 7, "program": "invite"})
    assert (updated["hold_days"], updated["program"], updated["name"]) == (7, "invite", "Glow Cosmetics")
    assert brands.load_brand(brand["brand_id"]).hold_days == 7
    assert auth.caller_of_key(brand["api_key"]).id == brand["brand_id"]
    with pytest.raises(InvalidInput):
        brands.update_brand(brand["brand_id"], {"api_key_hash": "x"})
    with pytest.raises(NotFound):
        brands.update_brand("br_unknown", {"hold_days": 7})


def test_a_rotated_webhook_secret_keeps_the_old_one_for_a_day(accounts):
    brand = brands.create_brand(BRAND_BODY)
    secret = brands.rotate_webhook_secret(brand["brand_id"])["webhook_secret"]
    stored = brands.load_brand(brand["brand_id"])
    assert secret != brand["webhook_secret"]
    assert (stored.webhook_secret, stored.previous_webhook_secret) == (secret, brand["webhook_secret"])


def test_an_invite_program_shows_and_lets_link_only_the_creators_it_approved(accounts):
    brand = brands.create_brand({**BRAND_BODY, "program": "invite"})
    open_brand = brands.create_brand(BRAND_BODY)
    creator = creators.create_creator({"handle": "glow.fan"})
    creator_id = creator["creator_id"]
    caller = auth.Caller(auth.CREATOR, creator_id)
    listed = me.visible_brands(caller, limit=10, cursor=None)
    assert [b["brand_id"] for b in listed["items"]] == [open_brand["brand_id"]]
    with pytest.raises(Forbidden):
        programs.ensure_may_link(brands.load_brand(brand["brand_id"]), creator_id)
    programs.set_membership(brand["brand_id"], creator_id, {"status": "approved"})
    programs.ensure_may_link(brands.load_brand(brand["brand_id"]), creator_id)
    assert sorted(b["brand_id"] for b in me.visible_brands(caller, limit=10, cursor=None)["items"]) == sorted(
        [brand["brand_id"], open_brand["brand_id"]])
    assert programs.memberships_of_brand(brand["brand_id"]) == {creator_id: "approved"}


def test_a_blocked_creator_may_not_link_and_is_blocked(accounts):
    brand = brands.create_brand(BRAND_BODY)
    creator_id = creators.create_creator({"handle": "glow.fan"})["creator_id"]
    assert programs.is_blocked(brand["brand_id"], creator_id) is False
    programs.set_membership(brand["brand_id"], creator_id, {"status": "blocked"})
    assert programs.is_blocked(brand["brand_id"], creator_id) is True
    assert programs.memberships_of_creator(creator_id) == {brand["brand_id"]: "blocked"}
    with pytest.raises(Forbidden):
        programs.ensure_may_link(brands.load_brand(brand["brand_id"]), creator_id)
    with pytest.raises(NotFound):
        programs.set_membership(brand["brand_id"], "cr_unknown", {"status": "approved"})


def test_the_admin_lists_every_brand_page_by_page(accounts):
    made = sorted(brands.create_brand({**BRAND_BODY, "name": f"Brand {n}"})["brand_id"] for n in range(3))
    first = brands.list_all_brands(limit=2, cursor=None)
    second = brands.list_all_brands(limit=2, cursor=first["next_cursor"])
    assert [b["brand_id"] for b in first["items"] + second["items"]] == made
    assert second["next_cursor"] is None
    names = {brand_id: brands.load_brand(brand_id).name for brand_id in made[:2]}
    assert brands.brand_names(made[:2] + ["", "br_unknown"]) == names
