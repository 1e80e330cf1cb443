"""Brands (§1): creation, reading, editing, key and webhook-secret rotation.
Secrets are shown when created or rotated and never again."""

from __future__ import annotations

import hashlib

import pytest

from chalicelib.storage.accounts import ApiKey, Brand
from tests.helpers import (
    ADMIN,
    Stored,
    assert_no_secrets,
    bearer,
    call,
    make_brand,
    make_creator,
    stored_items,
    stored_text,
)

GLOW = {
    "name": "Glow Cosmetics",
    "allowed_domains": ["shop.glow.example"],
    "commission": {"type": "percent", "rate_bps": 1000},
}


def test_admin_creates_a_brand_with_default_terms_and_sees_its_secrets_once(client):
    # When
    response = call(client, "POST", "/brands", GLOW, ADMIN)

    # Then
    assert response.status_code == 201
    brand = response.json
    assert brand["brand_id"]
    assert brand["name"] == "Glow Cosmetics"
    assert brand["allowed_domains"] == ["shop.glow.example"]
    assert brand["commission"] == {"type": "percent", "rate_bps": 1000}
    assert brand["attribution_window_days"] == 30
    assert brand["hold_days"] == 30
    assert brand["program"] == "open"
    assert brand["created_at"].endswith("Z")
    assert brand["api_key"] and brand["webhook_secret"]
    assert [stored.brand_id for stored in stored_items(Brand)] == [brand["brand_id"]]


def test_a_brand_can_be_created_with_every_optional_term(client):
    # Given
    body = {
        **GLOW,
        "commission": {"type": "flat", "amount": 500, "currency": "eur"},
        "attribution_window_days": 90,
        "hold_days": 0,
        "program": "invite",
    }

    # When
    response = call(client, "POST", "/brands", body, ADMIN)

    # Then
    assert response.status_code == 201
    assert response.json["commission"] == {"type": "flat", "amount": 500, "currency": "EUR"}
    assert (response.json["attribution_window_days"], response.json["hold_days"]) == (90, 0)
    assert response.json["program"] == "invite"


def test_the_api_key_is_stored_only_as_its_hash(client, brand):
    # When the stored accounts and keys are read back
    everything = stored_text(Brand, ApiKey)

    # Then the key itself is nowhere, its SHA-256 is
    assert brand["api_key"] not in everything
    assert hashlib.sha256(brand["api_key"].encode()).hexdigest() in everything


def test_a_brand_reads_its_own_record_without_secrets(client, brand):
    # When
    response = call(client, "GET", f"/brands/{brand['brand_id']}", headers=bearer(brand["api_key"]))

    # Then
    assert response.status_code == 200
    assert response.json["brand_id"] == brand["brand_id"]
    assert response.json["allowed_domains"] == ["shop.glow.example"]
    assert_no_secrets(response.json, brand["api_key"], brand["webhook_secret"])


@pytest.mark.parametrize("reader", ["admin", "creator"])
def test_admins_and_creators_read_any_brand_without_secrets(client, brand, reader):
    # Given
    headers = ADMIN if reader == "admin" else bearer(make_creator(client)["api_key"])

    # When
    response = call(client, "GET", f"/brands/{brand['brand_id']}", headers=headers)

    # Then
    assert response.status_code == 200
    assert response.json["name"] == "Glow Cosmetics"
    assert_no_secrets(response.json, brand["api_key"], brand["webhook_secret"])


def test_a_brand_cannot_see_another_brand(client, brand):
    # Given
    other = make_brand(client, name="Other Brand")

    # When
    response = call(client, "GET", f"/brands/{other['brand_id']}", headers=bearer(brand["api_key"]))

    # Then it is as if the other brand did not exist
    assert response.status_code == 404
    assert "Other Brand" not in response.body.decode()


def test_an_unknown_brand_is_404(client):
    assert call(client, "GET", "/brands/br_doesnotexist", headers=ADMIN).status_code == 404


def test_admin_lists_every_brand_without_secrets(client, empty_tables):
    # Given
    first = make_brand(client, name="First", program="invite")
    second = make_brand(client, name="Second")

    # When
    response = call(client, "GET", "/brands", headers=ADMIN)

    # Then
    assert response.status_code == 200
    assert {b["brand_id"] for b in response.json["items"]} == {first["brand_id"], second["brand_id"]}
    assert response.json["next_cursor"] is None
    assert_no_secrets(response.json, first["api_key"], second["api_key"], first["webhook_secret"])


def test_admin_changes_a_brands_terms(client, brand):
    # When
    response = call(
        client,
        "PATCH",
        f"/brands/{brand['brand_id']}",
        {
            "name": "Glow 2",
            "allowed_domains": ["Glow.Example"],
            "hold_days": 7,
            "program": "invite",
            "commission": {"type": "flat", "amount": 300, "currency": "usd"},
            "attribution_window_days": 14,
        },
        ADMIN,
    )

    # Then the answer and later reads show the new terms, and no secret
    assert response.status_code == 200
    assert_no_secrets(response.json, brand["api_key"], brand["webhook_secret"])
    read = call(client, "GET", f"/brands/{brand['brand_id']}", headers=ADMIN).json
    for view in (response.json, read):
        assert view["name"] == "Glow 2"
        assert view["allowed_domains"] == ["glow.example"]
        assert view["hold_days"] == 7
        assert view["attribution_window_days"] == 14
        assert view["program"] == "invite"
        assert view["commission"] == {"type": "flat", "amount": 300, "currency": "USD"}


def test_a_partial_change_keeps_the_other_terms(client, brand):
    # When
    response = call(client, "PATCH", f"/brands/{brand['brand_id']}", {"hold_days": 0}, ADMIN)

    # Then
    assert response.status_code == 200
    assert response.json["hold_days"] == 0
    assert response.json["name"] == "Glow Cosmetics"
    assert response.json["commission"] == {"type": "percent", "rate_bps": 1000}


@pytest.mark.parametrize(
    "change",
    [
        {},
        {"name": ""},
        {"name": None},
        {"hold_days": None},
        {"program": "secret"},
        {"commission": {"type": "percent", "rate_bps": 0}},
        {"allowed_domains": ["com"]},
        {"api_key": "mine"},
        {"brand_id": "br_other"},
    ],
    ids=[
        "empty",
        "empty-name",
        "null-name",
        "null-hold",
        "bad-program",
        "zero-rate",
        "suffix-domain",
        "api-key",
        "brand-id",
    ],
)
def test_an_invalid_change_is_400_and_changes_nothing(client, brand, change):
    # When
    response = call(client, "PATCH", f"/brands/{brand['brand_id']}", change, ADMIN)

    # Then
    assert response.status_code == 400
    assert response.json["Message"]
    read = call(client, "GET", f"/brands/{brand['brand_id']}", headers=ADMIN).json
    assert read["name"] == "Glow Cosmetics"
    assert read["updated_at"] == brand["created_at"]
    assert read["commission"] == {"type": "percent", "rate_bps": 1000}


def test_changing_an_unknown_brand_is_404(client):
    assert call(client, "PATCH", "/brands/br_nope", {"name": "x"}, ADMIN).status_code == 404


def test_rotating_a_brand_key_stops_the_old_key_at_once(client, brand):
    # When
    response = call(client, "POST", f"/brands/{brand['brand_id']}/rotate-key", None, ADMIN)

    # Then
    assert response.status_code == 200
    new_key = response.json["api_key"]
    assert set(response.json) == {"api_key"}
    assert new_key != brand["api_key"]
    assert call(client, "GET", "/me", headers=bearer(brand["api_key"])).status_code == 401
    me = call(client, "GET", "/me", headers=bearer(new_key))
    assert me.status_code == 200
    assert me.json["brand_id"] == brand["brand_id"]
    assert new_key not in stored_text(Brand, ApiKey)


def test_rotating_the_key_of_an_unknown_brand_is_404(client):
    assert call(client, "POST", "/brands/br_nope/rotate-key", None, ADMIN).status_code == 404


def test_rotating_the_webhook_secret_returns_a_new_one_and_keeps_the_old_for_24_hours(client, clock, brand):
    # When
    response = call(client, "POST", f"/brands/{brand['brand_id']}/rotate-webhook-secret", None, ADMIN)

    # Then
    assert response.status_code == 200
    assert set(response.json) == {"webhook_secret"}
    assert response.json["webhook_secret"] != brand["webhook_secret"]
    stored = Brand.get(brand["brand_id"])
    assert stored.webhook_secret == response.json["webhook_secret"]
    assert stored.previous_webhook_secret == brand["webhook_secret"]
    assert stored.previous_webhook_secret_until == "2026-11-27T10:00:15Z"
    read = call(client, "GET", f"/brands/{brand['brand_id']}", headers=ADMIN)
    assert_no_secrets(read.json, response.json["webhook_secret"], brand["webhook_secret"])


def test_rotating_the_webhook_secret_of_an_unknown_brand_is_404(client):
    assert call(client, "POST", "/brands/br_nope/rotate-webhook-secret", None, ADMIN).status_code == 404


def test_no_key_or_secret_is_written_for_a_brand_that_is_refused(client):
    # Given
    stored = Stored()

    # When
    response = call(client, "POST", "/brands", {**GLOW, "program": "closed"}, ADMIN)

    # Then nothing is written anywhere
    assert response.status_code == 400
    assert stored.changes() == {}
