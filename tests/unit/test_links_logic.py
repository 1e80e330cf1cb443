"""The links domain on the in-memory stores (no moto): codes, aliases, whose link it is."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from chalicelib.accounts import brands, creators, programs
from chalicelib.base import clock
from chalicelib.base.errors import Conflict, Forbidden, InvalidInput, NotFound
from chalicelib.links import qr_codes, short_links
from chalicelib.storage import seam
from chalicelib.storage.errors import AlreadyExists
from chalicelib.storage.memory.accounts import InMemoryAccountsStore
from chalicelib.storage.memory.links import InMemoryLinksStore
from tests.faults import Faulty

DESTINATION = "https://shop.glow.example/p/serum"


@pytest.fixture
def links():
    store = InMemoryLinksStore()
    with seam.replaced(accounts=InMemoryAccountsStore(), links=store):
        yield store


@pytest.fixture
def brand(links):
    return brands.create_brand(
        {"name": "Glow", "allowed_domains": ["glow.example"], "commission": {"type": "percent", "rate_bps": 1000}}
    )


@pytest.fixture
def creator_id(links):
    return creators.create_creator({"handle": "glow.fan"})["creator_id"]


@pytest.fixture
def other_creator_id(links):
    return creators.create_creator({"handle": "other.fan"})["creator_id"]


def link(creator_id, brand, **body):
    return short_links.create_link(creator_id, {"brand_id": brand["brand_id"], "destination": DESTINATION, **body})


def test_a_new_link_has_a_random_code_and_reads_back(brand, creator_id):
    made = link(creator_id, brand, source="tiktok")
    assert len(made["code"]) == short_links.RANDOM_CODE_LENGTH and made["short_url"].endswith("/" + made["code"])
    assert short_links.get_link(creator_id, made["code"]) == made
    assert (made["disabled"], made["source"], made["expires_at"]) == (False, "tiktok", None)


def test_an_alias_taken_is_refused_whoever_asks(brand, creator_id, other_creator_id, links):
    link(creator_id, brand, alias="glow-serum")
    with pytest.raises(Conflict):
        link(other_creator_id, brand, alias="glow-serum")
    assert short_links.own_link(creator_id, "glow-serum").creator_id == creator_id
    assert len(links.links) == 1


def test_another_creators_link_is_not_found_and_its_update_refused(brand, creator_id, other_creator_id):
    made = link(creator_id, brand)
    with pytest.raises(NotFound):
        short_links.update_link(other_creator_id, made["code"], {"disabled": True})
    with pytest.raises(NotFound):
        qr_codes.link_qr_code(other_creator_id, made["code"], image_format="svg")
    assert short_links.get_link(creator_id, made["code"])["disabled"] is False


def test_an_update_changes_the_destination_within_the_brands_domains_and_clears_an_expiry(brand, creator_id):
    made = link(creator_id, brand, expires_at="2099-01-01T00:00:00Z")
    updated = short_links.update_link(
        creator_id, made["code"], {"destination": "https://www.glow.example/new", "expires_at": None}
    )
    assert (updated["destination"], updated["expires_at"]) == ("https://www.glow.example/new", None)
    with pytest.raises(InvalidInput):
        short_links.update_link(creator_id, made["code"], {"destination": "https://evil.example/"})
    assert short_links.get_link(creator_id, made["code"])["destination"] == "https://www.glow.example/new"


def test_a_blocked_creator_and_an_unknown_brand_get_no_link(brand, creator_id, links):
    programs.set_membership(brand["brand_id"], creator_id, {"status": "blocked"})
    with pytest.raises(Forbidden):
        link(creator_id, brand)
    with pytest.raises(InvalidInput):
        link(creator_id, {"brand_id": "br_unknown"})
    assert links.links == {}


@pytest.fixture
def ticking_clock():
    moments = iter(datetime(2026, 12, 1, tzinfo=timezone.utc) + timedelta(seconds=n) for n in range(1000))
    clock.set_clock(lambda: next(moments))
    yield
    clock.set_clock(None)


def test_a_creator_lists_their_own_links_newest_first(brand, creator_id, other_creator_id, ticking_clock):
    made = [link(creator_id, brand, alias=f"glow-{n}")["code"] for n in (2, 0, 1)]
    link(other_creator_id, brand)
    first = short_links.list_links(creator_id, limit=2, cursor=None)
    second = short_links.list_links(creator_id, limit=2, cursor=first["next_cursor"])
    listed = [item["code"] for item in first["items"] + second["items"]]
    assert listed == made[::-1] and second["next_cursor"] is None


def test_a_random_code_found_taken_is_drawn_again_but_never_more_than_five_times(brand, creator_id, links):
    taken = Faulty(links, "create_link", times=1, error=lambda: AlreadyExists("taken"))
    with seam.replaced(links=taken):
        made = link(creator_id, brand)
    assert taken.failures == 1 and list(links.links) == [made["code"]]
    always_taken = Faulty(links, "create_link", times=99, error=lambda: AlreadyExists("taken"))
    with seam.replaced(links=always_taken), pytest.raises(Conflict, match="free code"):
        link(creator_id, brand)
    assert always_taken.failures == short_links._CREATE_ATTEMPTS
