"""POST /links: at most 60 requests per creator per UTC calendar minute, counting
every authenticated request, valid or not (§0)."""

from __future__ import annotations

from datetime import datetime, timezone

from chalicelib.storage.links import Link
from tests.helpers import bearer, call, stored_items

LIMIT = 60


def _valid(brand: dict) -> dict:
    return {"brand_id": brand["brand_id"], "destination": "https://shop.glow.example/p"}


def _post(client, creator: dict, body: dict):
    return call(client, "POST", "/links", body, bearer(creator["api_key"]))


def _use_up_the_minute(client, creator: dict, brand: dict) -> None:
    """59 invalid requests and one valid one: all answered, all counted."""
    for _ in range(LIMIT - 1):
        assert _post(client, creator, {"brand_id": brand["brand_id"]}).status_code == 400
    assert _post(client, creator, _valid(brand)).status_code == 201


def test_the_61st_request_in_a_minute_is_429_with_the_seconds_to_the_next_minute(
    client, clock, brand, creator
):
    # Given 60 requests at 10:00:15.25, invalid ones included
    _use_up_the_minute(client, creator, brand)

    # When
    response = _post(client, creator, _valid(brand))

    # Then
    assert response.status_code == 429
    assert response.headers["Retry-After"] == "45"
    assert response.json["Message"]
    assert len(stored_items(Link)) == 1


def test_retry_after_counts_down_to_the_next_minute(client, clock, brand, creator):
    # Given
    _use_up_the_minute(client, creator, brand)

    # When
    clock.set(datetime(2026, 11, 26, 10, 0, 59, 900_000, tzinfo=timezone.utc))
    response = _post(client, creator, _valid(brand))

    # Then
    assert response.status_code == 429
    assert response.headers["Retry-After"] == "1"


def test_a_new_utc_minute_starts_a_new_count(client, clock, brand, creator):
    # Given
    _use_up_the_minute(client, creator, brand)
    assert _post(client, creator, _valid(brand)).status_code == 429

    # When
    clock.set(datetime(2026, 11, 26, 10, 1, 0, tzinfo=timezone.utc))

    # Then
    assert _post(client, creator, _valid(brand)).status_code == 201
    assert len(stored_items(Link)) == 2


def test_one_creators_limit_does_not_touch_another_creator(client, clock, brand, creator, other_creator):
    # Given
    _use_up_the_minute(client, creator, brand)

    # When
    response = _post(client, other_creator, _valid(brand))

    # Then
    assert response.status_code == 201
    assert _post(client, creator, _valid(brand)).status_code == 429


def test_other_routes_of_a_limited_creator_still_answer(client, clock, brand, creator):
    # Given
    _use_up_the_minute(client, creator, brand)

    # Then
    assert call(client, "GET", "/links", headers=bearer(creator["api_key"])).status_code == 200
    assert call(client, "GET", "/me", headers=bearer(creator["api_key"])).status_code == 200
