"""Destination rules (§2) through the API: what keeps a short link from
becoming an open redirect. Every refusal is a 400 that names the problem and
writes nothing, on creation and on change alike."""

from __future__ import annotations

import pytest

from chalicelib.storage.links import Link
from tests.helpers import bearer, call, make_brand

SHOP = "https://shop.glow.example"

# (destination, a word the error message must contain)
REFUSED = [
    ("javascript:alert(1)", "http"),
    ("data:text/html,x", "http"),
    ("//shop.glow.example/x", "http"),
    ("shop.glow.example/x", "http"),
    ("ftp://shop.glow.example/x", "http"),
    ("https://shop.glow.example.evil.com/", "not allowed"),
    ("https://evilshop.glow.example/", "not allowed"),
    ("https://glow.example/", "not allowed"),
    ("https://user@shop.glow.example/", "user"),
    ("https://user:pw@shop.glow.example/", "user"),
    ("https://evil.com@shop.glow.example/", "user"),
    ("https://evil.com\\.shop.glow.example/", "backslash"),
    ("https://shop.glow.example\\@evil.com/", "backslash"),
    ("https://shop.glow.example/a b", "whitespace"),
    (" https://shop.glow.example/", "whitespace"),
    ("https://shop.glow.example/\t", "whitespace"),
    ("https://shop.glow.example/\n", "whitespace"),
    ("https://shop.glow.example/\x00", "control"),
    ("https://shop.glow.example/\x7f", "control"),
    ("https://shop.glow.example/\u200b", "control"),
    ("https://shop.glow.example/\u2028", "whitespace"),
    ("https://shop.glow.example/\ud800", "surrogate"),
    ("https://127.0.0.1/", "IP"),
    ("https://[::1]/", "IP"),
    ("https://[v1.shop.glow.example]/", "IP"),
    ("https://2130706433/", "IP"),
    ("https://0x7f.0.0.1/", "IP"),
    ("https://shop.glow.example:99999/", "URL"),
    ("https://", "host"),
    ("https:///shop.glow.example", "host"),
    ("https://shop%2eglow.example/", "host"),
    ("https://shop_glow.example/", "host"),
    (SHOP + "/" + "p" * 2048, "2048"),
    ("", "http"),
    (None, "destination"),
    (42, "destination"),
    (["https://shop.glow.example/"], "destination"),
]
REFUSED_IDS = [repr(d)[:40] for d, _ in REFUSED]

# (destination as given, as stored)
ACCEPTED = [
    (SHOP + "/p/serum", SHOP + "/p/serum"),
    ("http://shop.glow.example/", "http://shop.glow.example/"),
    ("https://eu.shop.glow.example/p", "https://eu.shop.glow.example/p"),
    ("HTTPS://SHOP.Glow.EXAMPLE/P/Serum", "https://shop.glow.example/P/Serum"),
    ("https://shop.glow.example./p", "https://shop.glow.example/p"),
    ("https://shop.glow.example:8443/p", "https://shop.glow.example:8443/p"),
    (SHOP + "?a=1&b=%20x&c=%zz#frag", SHOP + "?a=1&b=%20x&c=%zz#frag"),
    (SHOP + "/café", SHOP + "/caf%C3%A9"),
    (SHOP + "/" + "p" * (2048 - len(SHOP) - 1), SHOP + "/" + "p" * (2048 - len(SHOP) - 1)),
]


def _create(client, creator, brand, destination):
    return call(
        client,
        "POST",
        "/links",
        {"brand_id": brand["brand_id"], "destination": destination},
        bearer(creator["api_key"]),
    )


@pytest.mark.parametrize(("destination", "problem"), REFUSED, ids=REFUSED_IDS)
def test_a_refused_destination_is_400_on_creation_and_writes_nothing(
    client, brand, creator, destination, problem
):
    # When
    response = _create(client, creator, brand, destination)

    # Then
    assert response.status_code == 400
    assert problem in response.json["Message"]
    assert call(client, "GET", "/links", headers=bearer(creator["api_key"])).json["items"] == []


@pytest.mark.parametrize(("destination", "problem"), REFUSED, ids=REFUSED_IDS)
def test_a_refused_destination_is_400_on_change_and_changes_nothing(
    client, creator, link, destination, problem
):
    # When
    response = call(
        client, "PATCH", f"/links/{link['code']}", {"destination": destination}, bearer(creator["api_key"])
    )

    # Then
    assert response.status_code == 400
    assert problem in response.json["Message"]
    assert Link.get(link["code"]).destination == link["destination"]


@pytest.mark.parametrize(("destination", "stored"), ACCEPTED, ids=[d[:40] for d, _ in ACCEPTED])
def test_an_allowed_destination_is_stored_normalized(client, brand, creator, destination, stored):
    # When
    response = _create(client, creator, brand, destination)

    # Then
    assert response.status_code == 201, response.json
    assert response.json["destination"] == stored
    assert Link.get(response.json["code"]).destination == stored


def test_an_international_domain_is_compared_and_stored_in_punycode(client, creator):
    # Given
    brand = make_brand(client, allowed_domains=["bücher.example"])
    assert brand["allowed_domains"] == ["xn--bcher-kva.example"]

    # When
    unicode_host = _create(client, creator, brand, "https://shop.bücher.example/buch")
    punycode_host = _create(client, creator, brand, "https://shop.xn--bcher-kva.example/buch")

    # Then
    assert unicode_host.status_code == 201
    assert unicode_host.json["destination"] == "https://shop.xn--bcher-kva.example/buch"
    assert punycode_host.status_code == 201


def test_a_changed_destination_must_still_be_allowed_by_the_brand(client, creator, link):
    # When
    response = call(
        client,
        "PATCH",
        f"/links/{link['code']}",
        {"destination": "HTTPS://Shop.Glow.Example/new"},
        bearer(creator["api_key"]),
    )

    # Then
    assert response.status_code == 200
    assert response.json["destination"] == "https://shop.glow.example/new"


def test_a_brand_with_several_domains_allows_each(client, creator):
    # Given
    brand = make_brand(client, allowed_domains=["shop.glow.example", "glow-beauty.example"])

    # Then
    assert _create(client, creator, brand, "https://glow-beauty.example/").status_code == 201
    assert _create(client, creator, brand, "https://www.glow-beauty.example/").status_code == 201
    assert _create(client, creator, brand, "https://beauty.example/").status_code == 400
