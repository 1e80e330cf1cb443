"""Creators (§1): handles, reading, key rotation."""

from __future__ import annotations

import pytest

from chalicelib.storage.accounts import ApiKey, Creator, HandleClaim
from tests.helpers import ADMIN, Stored, assert_no_secrets, bearer, call, new_handle, stored_items, stored_text


def test_admin_creates_a_creator_and_sees_the_key_once(client):
    # Given
    handle = new_handle("mia.makes_2")

    # When
    response = call(client, "POST", "/creators", {"handle": handle}, ADMIN)

    # Then
    assert response.status_code == 201
    assert response.json["handle"] == handle
    assert response.json["creator_id"]
    assert response.json["created_at"].endswith("Z")
    assert response.json["api_key"]
    assert response.json["api_key"] not in stored_text(Creator, ApiKey, HandleClaim)


def test_a_taken_handle_is_409_and_writes_nothing(client, creator):
    # Given
    stored = Stored()

    # When
    response = call(client, "POST", "/creators", {"handle": creator["handle"]}, ADMIN)

    # Then
    assert response.status_code == 409
    assert creator["handle"] in response.json["Message"]
    assert stored.changes() == {}
    assert len(stored_items(Creator)) == len(stored_items(ApiKey)) == len(stored_items(HandleClaim)) == 1


@pytest.mark.parametrize(
    "handle",
    ["m", "x" * 33, "Mia", "mia makes", "mia-makes", "mia\n", "mïa", "", None, 42, ["mia"]],
    ids=["short", "long", "upper", "space", "dash", "newline", "accent", "empty", "null", "number", "list"],
)
def test_a_handle_outside_the_rules_is_400_and_writes_nothing(client, handle):
    # Given
    stored = Stored()

    # When
    response = call(client, "POST", "/creators", {"handle": handle}, ADMIN)

    # Then
    assert response.status_code == 400
    assert "handle" in response.json["Message"]
    assert stored.changes() == {}


def test_handles_of_two_and_thirty_two_characters_are_fine(client, empty_tables):
    # (tables of its own: a two-character handle has few values another test could have taken)
    assert call(client, "POST", "/creators", {"handle": "ab"}, ADMIN).status_code == 201
    assert call(client, "POST", "/creators", {"handle": "a" * 32}, ADMIN).status_code == 201


def test_admin_reads_a_creator_without_the_key(client, creator):
    # When
    response = call(client, "GET", f"/creators/{creator['creator_id']}", headers=ADMIN)

    # Then
    assert response.status_code == 200
    assert response.json["handle"] == creator["handle"]
    assert response.json["creator_id"] == creator["creator_id"]
    assert_no_secrets(response.json, creator["api_key"])


def test_an_unknown_creator_is_404(client):
    assert call(client, "GET", "/creators/cr_nobody", headers=ADMIN).status_code == 404
    assert call(client, "POST", "/creators/cr_nobody/rotate-key", None, ADMIN).status_code == 404


def test_rotating_a_creator_key_stops_the_old_key_at_once(client, creator):
    # When
    response = call(client, "POST", f"/creators/{creator['creator_id']}/rotate-key", None, ADMIN)

    # Then
    assert response.status_code == 200
    assert set(response.json) == {"api_key"}
    new_key = response.json["api_key"]
    assert new_key != creator["api_key"]
    assert call(client, "GET", "/links", headers=bearer(creator["api_key"])).status_code == 401
    me = call(client, "GET", "/me", headers=bearer(new_key))
    assert me.status_code == 200
    assert me.json["creator_id"] == creator["creator_id"]
    assert [key.owner_id for key in stored_items(ApiKey)] == [creator["creator_id"]]


def test_an_unknown_or_malformed_key_is_401(client, creator):
    for authorization in (
        "Bearer afl_c_unknown",
        "Bearer ",
        "Basic abc",
        creator["api_key"],
        "Bearer " + "k" * 500,
    ):
        response = call(client, "GET", "/me", headers={"Authorization": authorization})
        assert response.status_code == 401, authorization
        assert response.json["Message"]
