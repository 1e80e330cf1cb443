"""Affiliate programs (§1): who may link to which brand, and what a creator's catalogue shows."""

from __future__ import annotations

import pytest

from chalicelib.storage.rate_limits import RateLimitCounter
from tests.helpers import ADMIN, Stored, assert_no_secrets, bearer, call, make_brand, make_creator

DESTINATION = "https://shop.glow.example/p/serum"


def _standing(client, brand: dict, creator: dict, status: str):
    return call(
        client, "PUT", f"/me/creators/{creator['creator_id']}", {"status": status}, bearer(brand["api_key"])
    )


def _create_link(client, creator: dict, brand: dict):
    return call(
        client,
        "POST",
        "/links",
        {"brand_id": brand["brand_id"], "destination": DESTINATION},
        bearer(creator["api_key"]),
    )


def test_any_creator_may_link_to_an_open_program(client, brand, creator):
    assert _create_link(client, creator, brand).status_code == 201


def test_an_invite_program_refuses_a_creator_it_has_not_approved(client, creator):
    # Given
    brand = make_brand(client, program="invite")
    stored = Stored()

    # When
    response = _create_link(client, creator, brand)

    # Then nothing is written but the count of the request against the rate limit
    assert response.status_code == 403
    assert "invit" in response.json["Message"]
    assert stored.changes(RateLimitCounter) == {}


def test_an_invite_program_accepts_a_creator_once_approved(client, creator):
    # Given
    brand = make_brand(client, program="invite")

    # When
    approval = _standing(client, brand, creator, "approved")

    # Then
    assert approval.status_code == 200
    assert approval.json["status"] == "approved"
    assert approval.json["creator_id"] == creator["creator_id"]
    assert approval.json["brand_id"] == brand["brand_id"]
    assert_no_secrets(approval.json, brand["api_key"], brand["webhook_secret"], creator["api_key"])
    assert _create_link(client, creator, brand).status_code == 201


def test_a_blocked_creator_cannot_link_even_to_an_open_program(client, brand, creator):
    # Given
    assert _standing(client, brand, creator, "blocked").status_code == 200
    stored = Stored()

    # When
    response = _create_link(client, creator, brand)

    # Then nothing is written but the count of the request against the rate limit
    assert response.status_code == 403
    assert "blocked" in response.json["Message"]
    assert stored.changes(RateLimitCounter) == {}


def test_blocking_a_previously_approved_creator_stops_new_links(client, creator):
    # Given
    brand = make_brand(client, program="invite")
    _standing(client, brand, creator, "approved")

    # When
    _standing(client, brand, creator, "blocked")

    # Then
    assert _create_link(client, creator, brand).status_code == 403


def test_an_unknown_brand_id_on_a_new_link_is_400(client, creator):
    # When
    response = call(
        client,
        "POST",
        "/links",
        {"brand_id": "br_nope", "destination": DESTINATION},
        bearer(creator["api_key"]),
    )

    # Then
    assert response.status_code == 400
    assert "brand_id" in response.json["Message"]


def test_a_creators_catalogue_shows_the_brands_they_may_link_to(client, empty_tables, creator):
    # Given four programs: open, open but blocked, invite and approved, invite without approval
    open_brand = make_brand(client, name="Open")
    blocked_by = make_brand(client, name="Blocked")
    approved_by = make_brand(client, name="Approved", program="invite")
    make_brand(client, name="Invite Only", program="invite")
    _standing(client, blocked_by, creator, "blocked")
    _standing(client, approved_by, creator, "approved")

    # When
    response = call(client, "GET", "/brands", headers=bearer(creator["api_key"]))

    # Then
    assert response.status_code == 200
    assert {b["name"] for b in response.json["items"]} == {"Open", "Approved"}
    assert response.json["next_cursor"] is None
    entry = next(b for b in response.json["items"] if b["brand_id"] == open_brand["brand_id"])
    assert entry == {
        "brand_id": open_brand["brand_id"],
        "name": "Open",
        "allowed_domains": ["shop.glow.example"],
        "commission": {"type": "percent", "rate_bps": 1000},
        "attribution_window_days": 30,
        "program": "open",
    }


def test_the_admin_list_shows_every_brand_whatever_the_program(client, empty_tables, creator):
    # Given
    make_brand(client, name="Open")
    make_brand(client, name="Invite Only", program="invite")

    # When
    response = call(client, "GET", "/brands", headers=ADMIN)

    # Then
    assert {b["name"] for b in response.json["items"]} == {"Open", "Invite Only"}


def test_another_creators_standing_does_not_change_mine(client, empty_tables, creator, other_creator):
    # Given
    brand = make_brand(client, program="invite")
    _standing(client, brand, other_creator, "approved")

    # Then
    assert call(client, "GET", "/brands", headers=bearer(creator["api_key"])).json["items"] == []
    assert _create_link(client, creator, brand).status_code == 403


@pytest.mark.parametrize(
    "body",
    [
        {"status": "maybe"},
        {"status": None},
        {},
        {"status": "approved", "note": "x"},
        {"status": ["approved"]},
    ],
    ids=["unknown", "null", "missing", "extra-field", "list"],
)
def test_an_invalid_standing_is_400_and_writes_nothing(client, brand, creator, body):
    # Given
    stored = Stored()

    # When
    response = call(client, "PUT", f"/me/creators/{creator['creator_id']}", body, bearer(brand["api_key"]))

    # Then
    assert response.status_code == 400
    assert stored.changes() == {}


def test_a_standing_for_an_unknown_creator_is_404_and_writes_nothing(client, brand):
    # Given
    stored = Stored()

    # When
    response = call(client, "PUT", "/me/creators/cr_nobody", {"status": "approved"}, bearer(brand["api_key"]))

    # Then
    assert response.status_code == 404
    assert stored.changes() == {}


def test_a_brands_standing_for_a_creator_applies_to_that_brand_only(client, brand, creator):
    # Given
    other = make_brand(client, name="Other")
    _standing(client, other, creator, "blocked")

    # Then
    assert _create_link(client, creator, brand).status_code == 201
    assert _create_link(client, make_creator(client), other).status_code == 201
