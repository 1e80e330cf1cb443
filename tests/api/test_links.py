"""Short links (§2): creation, codes and aliases, reading, editing, and tenant isolation."""

from __future__ import annotations

import re

import pytest

from chalicelib.storage.links import Link
from chalicelib.storage.rate_limits import RateLimitCounter
from tests.helpers import Stored, bearer, call, fresh, make_brand, make_link, new_alias, stored_items

DESTINATION = "https://shop.glow.example/p/serum?ref=x"


def _post_link(client, creator: dict, brand: dict, **fields):
    body = {"brand_id": brand["brand_id"], "destination": DESTINATION, **fields}
    return call(client, "POST", "/links", body, bearer(creator["api_key"]))


def test_a_creator_creates_a_link_with_a_random_code(client, clock, brand, creator):
    # When
    response = _post_link(client, creator, brand)

    # Then
    assert response.status_code == 201
    link = response.json
    assert re.fullmatch(r"[A-Za-z0-9]{8}", link["code"])
    assert link == {
        "code": link["code"],
        "short_url": f"https://afl.test/{link['code']}",
        "destination": DESTINATION,
        "brand_id": brand["brand_id"],
        "creator_id": creator["creator_id"],
        "source": None,
        "expires_at": None,
        "disabled": False,
        "created_at": "2026-11-26T10:00:15Z",
    }
    assert Link.get(link["code"]).destination == DESTINATION


def test_random_codes_differ(client, brand, creator):
    codes = {_post_link(client, creator, brand).json["code"] for _ in range(10)}
    assert len(codes) == 10
    assert all(re.fullmatch(r"[A-Za-z0-9]{8}", code) for code in codes)


def test_a_link_keeps_its_source_and_expiry_in_utc(client, clock, brand, creator):
    # When
    response = _post_link(
        client, creator, brand, source="tiktok:video:7312", expires_at="2026-12-01T12:00:00+02:00"
    )

    # Then
    assert response.status_code == 201
    assert response.json["source"] == "tiktok:video:7312"
    assert response.json["expires_at"] == "2026-12-01T10:00:00Z"


def test_a_source_of_64_characters_is_fine_and_65_is_not(client, brand, creator):
    assert _post_link(client, creator, brand, source="s" * 64).status_code == 201
    response = _post_link(client, creator, brand, source="s" * 65)
    assert response.status_code == 400
    assert "source" in response.json["Message"]
    assert len(stored_items(Link)) == 1


def test_an_alias_becomes_the_code(client, brand, creator):
    # Given
    alias = new_alias("Glow_Serum-2")

    # When
    response = _post_link(client, creator, brand, alias=alias)

    # Then
    assert response.status_code == 201
    assert response.json["code"] == alias
    assert response.json["short_url"] == f"https://afl.test/{alias}"


def test_a_taken_alias_is_409_whoever_took_it(client, brand, creator, other_creator):
    # Given
    alias = new_alias("glow-serum")
    _post_link(client, creator, brand, alias=alias)

    # When
    mine_again = _post_link(client, creator, brand, alias=alias)
    theirs = _post_link(client, other_creator, brand, alias=alias)

    # Then
    assert (mine_again.status_code, theirs.status_code) == (409, 409)
    assert alias in theirs.json["Message"]
    assert len(stored_items(Link)) == 1
    assert Link.get(alias).creator_id == creator["creator_id"]


def test_codes_are_case_sensitive(client, brand, creator):
    # Given
    suffix = fresh()
    _post_link(client, creator, brand, alias=f"glow-serum-{suffix}")

    # When
    response = _post_link(client, creator, brand, alias=f"Glow-Serum-{suffix}")

    # Then
    assert response.status_code == 201
    assert len(stored_items(Link)) == 2


@pytest.mark.parametrize(
    "alias",
    ["ab", "a" * 41, "glow serum", "glow/serum", "glow.serum", "glow%20", "glöw", "glow\n", "", 123, True],
    ids=[
        "too-short",
        "too-long",
        "space",
        "slash",
        "dot",
        "percent",
        "accent",
        "newline",
        "empty",
        "number",
        "bool",
    ],
)
def test_an_alias_outside_the_rules_is_400_and_writes_nothing(client, brand, creator, alias):
    # Given
    stored = Stored()

    # When
    response = _post_link(client, creator, brand, alias=alias)

    # Then nothing is written but the count of the request against the rate limit
    assert response.status_code == 400
    assert "alias" in response.json["Message"]
    assert stored.changes(RateLimitCounter) == {}


def test_aliases_of_3_and_40_characters_are_fine(client, brand, creator):
    assert _post_link(client, creator, brand, alias=fresh(3)).status_code == 201
    assert _post_link(client, creator, brand, alias=fresh(20) + fresh(20)).status_code == 201


@pytest.mark.parametrize(
    "alias", ["links", "me", "admin", "health", "brands", "Links", "ADMIN", "webhooks", "creators"]
)
def test_an_alias_that_names_a_path_of_the_api_is_400(client, brand, creator, alias):
    # Given
    stored = Stored()

    # When
    response = _post_link(client, creator, brand, alias=alias)

    # Then nothing is written but the count of the request against the rate limit
    assert response.status_code == 400
    assert "alias" in response.json["Message"]
    assert stored.changes(RateLimitCounter) == {}


def test_a_creator_reads_their_link(client, creator, link):
    # When
    response = call(client, "GET", f"/links/{link['code']}", headers=bearer(creator["api_key"]))

    # Then
    assert response.status_code == 200
    assert response.json == link


def test_an_unknown_link_is_404(client, creator):
    stored = Stored()
    assert call(client, "GET", "/links/nosuchcode", headers=bearer(creator["api_key"])).status_code == 404
    response = call(client, "PATCH", "/links/nosuchcode", {"disabled": True}, bearer(creator["api_key"]))
    assert response.status_code == 404
    assert stored.changes() == {}


def test_a_creator_disables_and_re_enables_a_link(client, creator, link):
    # When
    disabled = call(client, "PATCH", f"/links/{link['code']}", {"disabled": True}, bearer(creator["api_key"]))

    # Then
    assert disabled.status_code == 200
    assert disabled.json["disabled"] is True
    assert Link.get(link["code"]).disabled is True
    enabled = call(client, "PATCH", f"/links/{link['code']}", {"disabled": False}, bearer(creator["api_key"]))
    assert enabled.json["disabled"] is False
    assert (
        call(client, "GET", f"/links/{link['code']}", headers=bearer(creator["api_key"])).json["disabled"]
        is False
    )


def test_a_creator_changes_the_destination_and_the_expiry(client, clock, creator, link):
    # When
    response = call(
        client,
        "PATCH",
        f"/links/{link['code']}",
        {"destination": "https://shop.glow.example/p/mask", "expires_at": "2027-01-01T00:00:00-05:00"},
        bearer(creator["api_key"]),
    )

    # Then
    assert response.status_code == 200
    assert response.json["destination"] == "https://shop.glow.example/p/mask"
    assert response.json["expires_at"] == "2027-01-01T05:00:00Z"
    assert response.json["code"] == link["code"]
    assert response.json["created_at"] == link["created_at"]
    stored = Link.get(link["code"])
    assert (stored.destination, stored.expires_at) == (
        "https://shop.glow.example/p/mask",
        "2027-01-01T05:00:00Z",
    )


def test_a_null_expiry_removes_the_expiry(client, clock, brand, creator):
    # Given
    link = _post_link(client, creator, brand, expires_at="2026-12-01T00:00:00Z").json

    # When
    response = call(
        client, "PATCH", f"/links/{link['code']}", {"expires_at": None}, bearer(creator["api_key"])
    )

    # Then
    assert response.status_code == 200
    assert response.json["expires_at"] is None
    assert Link.get(link["code"]).expires_at is None


@pytest.mark.parametrize(
    "change",
    [
        {},
        {"disabled": "yes"},
        {"disabled": None},
        {"disabled": 1},
        {"expires_at": "2020-01-01T00:00:00Z"},
        {"expires_at": "next week"},
        {"destination": None},
        {"brand_id": "br_other"},
        {"code": "new-code"},
        {"source": "x"},
        {"disabled": True, "destination": "https://evil.example/"},
    ],
    ids=[
        "empty",
        "disabled-string",
        "disabled-null",
        "disabled-int",
        "expiry-past",
        "expiry-text",
        "destination-null",
        "brand-id",
        "code",
        "source",
        "one-bad-field",
    ],
)
def test_an_invalid_link_change_is_400_and_changes_nothing(client, clock, creator, link, change):
    # When
    response = call(client, "PATCH", f"/links/{link['code']}", change, bearer(creator["api_key"]))

    # Then
    assert response.status_code == 400
    assert response.json["Message"]
    assert call(client, "GET", f"/links/{link['code']}", headers=bearer(creator["api_key"])).json == link


def test_another_creators_link_is_404_and_stays_unchanged(client, creator, other_creator, link):
    # When
    read = call(client, "GET", f"/links/{link['code']}", headers=bearer(other_creator["api_key"]))
    change = call(
        client, "PATCH", f"/links/{link['code']}", {"disabled": True}, bearer(other_creator["api_key"])
    )

    # Then
    assert (read.status_code, change.status_code) == (404, 404)
    assert DESTINATION not in read.body.decode()
    assert Link.get(link["code"]).disabled is False


def test_a_creator_lists_only_their_own_links(client, brand, creator, other_creator):
    # Given
    mine = make_link(client, creator, brand)
    make_link(client, other_creator, brand)
    make_link(client, other_creator, make_brand(client, name="Other"))

    # When
    response = call(client, "GET", "/links", headers=bearer(creator["api_key"]))

    # Then
    assert response.status_code == 200
    assert response.json == {"items": [mine], "next_cursor": None}


def test_a_creator_without_links_gets_an_empty_list(client, creator):
    response = call(client, "GET", "/links", headers=bearer(creator["api_key"]))
    assert response.json == {"items": [], "next_cursor": None}
