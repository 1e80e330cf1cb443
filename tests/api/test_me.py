"""The caller's own account: GET /me (brand or creator) and PATCH /me (brand)."""

from __future__ import annotations

from tests.helpers import ADMIN, assert_no_secrets, bearer, call


def test_a_brand_reads_its_own_record_without_secrets(client, brand):
    # When
    response = call(client, "GET", "/me", headers=bearer(brand["api_key"]))

    # Then
    assert response.status_code == 200
    assert response.json["brand_id"] == brand["brand_id"]
    assert response.json["name"] == "Glow Cosmetics"
    assert response.json["commission"] == {"type": "percent", "rate_bps": 1000}
    assert_no_secrets(response.json, brand["api_key"], brand["webhook_secret"])


def test_a_creator_reads_their_own_record_without_the_key(client, creator):
    # When
    response = call(client, "GET", "/me", headers=bearer(creator["api_key"]))

    # Then
    assert response.status_code == 200
    assert response.json == {
        "creator_id": creator["creator_id"],
        "handle": creator["handle"],
        "created_at": creator["created_at"],
    }


def test_a_brand_changes_its_own_terms(client, brand):
    # When
    response = call(
        client,
        "PATCH",
        "/me",
        {"program": "invite", "allowed_domains": ["glow.example", "Glow-Shop.Example"], "hold_days": 14},
        bearer(brand["api_key"]),
    )

    # Then
    assert response.status_code == 200
    assert_no_secrets(response.json, brand["api_key"], brand["webhook_secret"])
    read = call(client, "GET", f"/brands/{brand['brand_id']}", headers=ADMIN).json
    assert read["program"] == "invite"
    assert read["allowed_domains"] == ["glow.example", "glow-shop.example"]
    assert read["hold_days"] == 14


def test_a_brand_cannot_change_its_id_or_keys_through_patch_me(client, brand):
    # When
    for change in ({"brand_id": "br_mine"}, {"api_key": "k"}, {"webhook_secret": "s"}, {"created_at": "x"}):
        response = call(client, "PATCH", "/me", change, bearer(brand["api_key"]))

        # Then
        assert response.status_code == 400, change
    assert call(client, "GET", "/me", headers=bearer(brand["api_key"])).json["brand_id"] == brand["brand_id"]


def test_an_invalid_patch_me_changes_nothing(client, brand):
    # When
    response = call(client, "PATCH", "/me", {"name": "New", "hold_days": 121}, bearer(brand["api_key"]))

    # Then
    assert response.status_code == 400
    assert "hold_days" in response.json["Message"]
    assert call(client, "GET", "/me", headers=bearer(brand["api_key"])).json["name"] == "Glow Cosmetics"
