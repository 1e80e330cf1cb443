"""What a brand's terms may be (§1): allowed domains, commission, windows, program.
A refused brand is a 400 that says why, and nothing is written."""

from __future__ import annotations

import pytest

from chalicelib.storage.accounts import Brand
from tests.helpers import ADMIN, Stored, call

MAX_SAFE = 9_007_199_254_740_991
GLOW = {
    "name": "Glow Cosmetics",
    "allowed_domains": ["shop.glow.example"],
    "commission": {"type": "percent", "rate_bps": 1000},
}


def _create(client, **changes):
    return call(client, "POST", "/brands", {**GLOW, **changes}, ADMIN)


def _assert_refused(client, body: dict, word: str) -> None:
    # Given
    stored = Stored()

    # When
    response = call(client, "POST", "/brands", body, ADMIN)

    # Then it is a 400 that says why, and nothing is written anywhere
    assert response.status_code == 400
    assert word in response.json["Message"]
    assert stored.changes() == {}


@pytest.mark.parametrize(
    ("domains", "word"),
    [
        (["com"], "com"),
        (["co.uk"], "public suffix"),
        (["github.io"], "public suffix"),
        (["localhost"], "single-label"),
        (["127.0.0.1"], "IP"),
        (["[::1]"], "::1"),
        (["::1"], "::1"),
        ([], "1 to 20"),
        ([f"shop{i}.glow.example" for i in range(21)], "1 to 20"),
        ([42], "host names"),
        ([None], "host names"),
        ([""], "host names"),
        (["shop.glow.example", ["nested.example"]], "host names"),
        ("shop.glow.example", "list"),
        (None, "allowed_domains"),
        (["https://shop.glow.example"], "host name"),
        (["shop.glow.example/path"], "host name"),
        (["user@shop.glow.example"], "host name"),
        (["*.glow.example"], "host name"),
        (["shop..glow.example"], "host name"),
        (["-shop.glow.example"], "host name"),
        (["shop glow.example"], "host name"),
    ],
    ids=[
        "com",
        "co.uk",
        "github.io",
        "localhost",
        "ipv4",
        "ipv6-bracketed",
        "ipv6",
        "empty",
        "21",
        "number",
        "null-item",
        "empty-string",
        "nested",
        "string",
        "null",
        "url",
        "path",
        "userinfo",
        "wildcard",
        "empty-label",
        "leading-dash",
        "space",
    ],
)
def test_allowed_domains_outside_the_rules_are_400(client, domains, word):
    _assert_refused(client, {**GLOW, "allowed_domains": domains}, word)


def test_allowed_domains_are_required(client):
    body = {key: value for key, value in GLOW.items() if key != "allowed_domains"}
    _assert_refused(client, body, "allowed_domains")


def test_allowed_domains_are_stored_lower_case_without_trailing_dot_and_duplicates(client):
    # When
    response = _create(
        client,
        allowed_domains=["Shop.Glow.Example", "glow-beauty.example.", "shop.glow.example", "BÜCHER.example"],
    )

    # Then
    assert response.status_code == 201
    expected = ["shop.glow.example", "glow-beauty.example", "xn--bcher-kva.example"]
    assert response.json["allowed_domains"] == expected
    assert list(Brand.get(response.json["brand_id"]).allowed_domains) == expected


def test_twenty_allowed_domains_are_fine(client):
    domains = [f"shop{i}.glow.example" for i in range(20)]
    assert _create(client, allowed_domains=domains).json["allowed_domains"] == domains


def test_a_registrable_domain_under_a_public_suffix_is_fine(client):
    response = _create(client, allowed_domains=["glow.co.uk", "glow.github.io"])
    assert response.status_code == 201
    assert response.json["allowed_domains"] == ["glow.co.uk", "glow.github.io"]


@pytest.mark.parametrize(
    ("commission", "word"),
    [
        ({"type": "percent", "rate_bps": 10001}, "rate_bps"),
        ({"type": "percent", "rate_bps": 0}, "rate_bps"),
        ({"type": "percent", "rate_bps": -5}, "rate_bps"),
        ({"type": "percent", "rate_bps": 10.5}, "rate_bps"),
        ({"type": "percent", "rate_bps": 1000.0}, "rate_bps"),
        ({"type": "percent", "rate_bps": "1000"}, "rate_bps"),
        ({"type": "percent", "rate_bps": True}, "rate_bps"),
        ({"type": "percent"}, "rate_bps"),
        ({"type": "percent", "rate_bps": 1000, "currency": "USD"}, "currency"),
        ({"type": "flat", "amount": 0, "currency": "USD"}, "amount"),
        ({"type": "flat", "amount": MAX_SAFE + 1, "currency": "USD"}, "amount"),
        ({"type": "flat", "amount": 500}, "currency"),
        ({"type": "flat", "amount": 500, "currency": "ZZZ"}, "currency"),
        ({"type": "flat", "amount": 500, "currency": "US"}, "currency"),
        ({"type": "flat", "amount": 500, "currency": 840}, "currency"),
        ({"type": "bonus", "amount": 500}, "type"),
        ({"rate_bps": 1000}, "type"),
        ("10%", "commission"),
        (None, "commission"),
        ([{"type": "percent", "rate_bps": 1000}], "commission"),
    ],
    ids=[
        "rate-10001",
        "rate-0",
        "rate-negative",
        "rate-fraction",
        "rate-float",
        "rate-string",
        "rate-bool",
        "rate-missing",
        "percent-currency",
        "flat-0",
        "flat-2^53",
        "flat-no-currency",
        "flat-ZZZ",
        "flat-US",
        "flat-number-currency",
        "type-unknown",
        "type-missing",
        "string",
        "null",
        "list",
    ],
)
def test_a_commission_outside_the_rules_is_400(client, commission, word):
    _assert_refused(client, {**GLOW, "commission": commission}, word)


def test_commission_limits_are_inclusive(client):
    assert _create(client, commission={"type": "percent", "rate_bps": 1}).status_code == 201
    assert _create(client, commission={"type": "percent", "rate_bps": 10000}).status_code == 201
    response = _create(client, commission={"type": "flat", "amount": MAX_SAFE, "currency": "jpy"})
    assert response.status_code == 201
    assert response.json["commission"] == {"type": "flat", "amount": MAX_SAFE, "currency": "JPY"}


@pytest.mark.parametrize(
    ("changes", "word"),
    [
        ({"attribution_window_days": 0}, "attribution_window_days"),
        ({"attribution_window_days": 91}, "attribution_window_days"),
        ({"attribution_window_days": "30"}, "attribution_window_days"),
        ({"attribution_window_days": 30.5}, "attribution_window_days"),
        ({"hold_days": -1}, "hold_days"),
        ({"hold_days": 121}, "hold_days"),
        ({"hold_days": True}, "hold_days"),
        ({"hold_days": MAX_SAFE + 1}, "hold_days"),
        ({"hold_days": 10**400}, "hold_days"),
        ({"program": "closed"}, "program"),
        ({"program": "OPEN"}, "program"),
        ({"program": ["open"]}, "program"),
        ({"name": ""}, "name"),
        ({"name": "n" * 101}, "name"),
        ({"name": None}, "name"),
        ({"name": 7}, "name"),
        ({"api_key": "chosen"}, "api_key"),
        ({"webhook_secret": "chosen"}, "webhook_secret"),
        ({"brand_id": "br_chosen"}, "brand_id"),
    ],
    ids=[
        "window-0",
        "window-91",
        "window-string",
        "window-fraction",
        "hold-negative",
        "hold-121",
        "hold-bool",
        "hold-2^53",
        "hold-huge",
        "program-closed",
        "program-upper",
        "program-list",
        "name-empty",
        "name-101",
        "name-null",
        "name-number",
        "api-key",
        "webhook-secret",
        "brand-id",
    ],
)
def test_other_terms_outside_the_rules_are_400(client, changes, word):
    _assert_refused(client, {**GLOW, **changes}, word)


def test_a_name_of_100_characters_and_the_window_limits_are_fine(client):
    response = _create(client, name="n" * 100, attribution_window_days=1, hold_days=120)
    assert response.status_code == 201
    assert response.json["name"] == "n" * 100
    response = _create(client, attribution_window_days=90, hold_days=0)
    assert (response.json["attribution_window_days"], response.json["hold_days"]) == (90, 0)


def test_explicit_nulls_take_the_defaults(client):
    response = _create(client, attribution_window_days=None, hold_days=None, program=None)
    assert response.status_code == 201
    assert (response.json["attribution_window_days"], response.json["hold_days"]) == (30, 30)
    assert response.json["program"] == "open"
