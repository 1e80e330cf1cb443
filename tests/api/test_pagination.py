"""Paginated lists (§0): `{"items", "next_cursor"}`, `?limit=` 1..100, and
cursors that are ours and belong to the list they are used on."""

from __future__ import annotations

import base64
import json
from datetime import timedelta

import pytest

from tests.helpers import ADMIN, bearer, call, make_brand, make_link


@pytest.fixture
def five_links(client, clock, brand, creator) -> list:
    """Five links one second apart, newest first."""
    made = []
    for _ in range(5):
        made.append(make_link(client, creator, brand)["code"])
        clock.move(timedelta(seconds=1))
    return list(reversed(made))


def _walk(client, path: str, headers: dict, limit: int) -> tuple[list, int]:
    codes, pages, cursor = [], 0, None
    while True:
        query = f"?limit={limit}" + (f"&cursor={cursor}" if cursor else "")
        response = call(client, "GET", path + query, headers=headers)
        assert response.status_code == 200
        assert len(response.json["items"]) <= limit
        codes += [item.get("code") or item.get("brand_id") for item in response.json["items"]]
        pages += 1
        cursor = response.json["next_cursor"]
        if cursor is None:
            return codes, pages


def test_walking_links_two_at_a_time_gives_each_once_newest_first(client, creator, five_links):
    # When
    codes, pages = _walk(client, "/links", bearer(creator["api_key"]), limit=2)

    # Then
    assert codes == five_links
    assert pages == 3


def test_a_page_that_holds_everything_has_no_next_cursor(client, creator, five_links):
    response = call(client, "GET", "/links?limit=5", headers=bearer(creator["api_key"]))
    assert [item["code"] for item in response.json["items"]] == five_links
    assert response.json["next_cursor"] is None


def test_the_default_page_is_50(client, clock, brand, creator):
    # Given
    for _ in range(51):
        make_link(client, creator, brand)
        clock.move(timedelta(minutes=1))  # keeps clear of the rate limit

    # When
    first = call(client, "GET", "/links", headers=bearer(creator["api_key"])).json

    # Then
    assert len(first["items"]) == 50
    rest = call(
        client, "GET", f"/links?cursor={first['next_cursor']}", headers=bearer(creator["api_key"])
    ).json
    assert len(rest["items"]) == 1
    assert rest["next_cursor"] is None


def test_walking_the_brand_lists_gives_each_brand_once(client, empty_tables, creator):
    # Given
    ids = sorted(make_brand(client, name=f"Brand {i}")["brand_id"] for i in range(5))

    # Then
    admin_codes, _ = _walk(client, "/brands", ADMIN, limit=2)
    creator_codes, _ = _walk(client, "/brands", bearer(creator["api_key"]), limit=2)
    assert sorted(admin_codes) == sorted(creator_codes) == ids
    assert len(set(admin_codes)) == 5


def test_a_filtered_catalogue_pages_over_the_brands_the_creator_may_see(client, empty_tables, creator):
    # Given six brands of which three are invite-only and not for this creator
    visible = set()
    for i in range(6):
        brand = make_brand(client, name=f"Brand {i}", program="invite" if i % 2 else "open")
        if not i % 2:
            visible.add(brand["brand_id"])

    # When
    codes, _ = _walk(client, "/brands", bearer(creator["api_key"]), limit=1)

    # Then
    assert set(codes) == visible
    assert len(codes) == 3


@pytest.mark.parametrize("limit", ["0", "101", "abc", "-1", "1.5", "", "²", "%C2%B2", "1e2", " 5"])
def test_a_limit_outside_1_to_100_is_400(client, creator, limit):
    response = call(client, "GET", f"/links?limit={limit}", headers=bearer(creator["api_key"]))
    assert response.status_code == 400
    assert "limit" in response.json["Message"]


@pytest.mark.parametrize("limit", ["1", "100", "007"])
def test_limits_from_1_to_100_are_fine(client, creator, limit):
    assert call(client, "GET", f"/links?limit={limit}", headers=bearer(creator["api_key"])).status_code == 200


def _first_cursor(client, creator: dict) -> str:
    cursor = call(client, "GET", "/links?limit=1", headers=bearer(creator["api_key"])).json["next_cursor"]
    assert cursor
    return cursor


def _forged(cursor: str) -> str:
    """The same cursor with its payload rewritten to start from another key (signature kept)."""
    token, signature = cursor.split(".")
    payload = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
    payload["k"]["code"] = {"S": "zzzzzzzz"}
    forged = (
        base64.urlsafe_b64encode(json.dumps(payload, separators=(",", ":")).encode()).decode().rstrip("=")
    )
    return f"{forged}.{signature}"


def test_a_forged_or_garbled_cursor_is_400(client, creator, five_links):
    # Given
    cursor = _first_cursor(client, creator)

    for bad in (
        _forged(cursor),
        cursor[:-1] + ("0" if cursor[-1] != "0" else "1"),
        "abc",
        "abc.def",
        ".",
        cursor.split(".")[0],
        "%FF%FE.x",
    ):
        # When
        response = call(client, "GET", f"/links?cursor={bad}", headers=bearer(creator["api_key"]))

        # Then
        assert response.status_code == 400, bad
        assert "cursor" in response.json["Message"]


def test_a_cursor_from_another_creators_list_is_400(client, brand, creator, other_creator, five_links):
    # Given
    make_link(client, other_creator, brand)
    make_link(client, other_creator, brand)
    theirs = _first_cursor(client, other_creator)

    # When
    response = call(client, "GET", f"/links?cursor={theirs}", headers=bearer(creator["api_key"]))

    # Then
    assert response.status_code == 400
    assert "cursor" in response.json["Message"]


def test_a_cursor_from_another_list_is_400(client, creator, five_links):
    # Given a cursor of the creator's links, used on the brand catalogue
    make_brand(client, name="Second")
    cursor = _first_cursor(client, creator)

    # When
    response = call(client, "GET", f"/brands?cursor={cursor}", headers=bearer(creator["api_key"]))

    # Then
    assert response.status_code == 400
