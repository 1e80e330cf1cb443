"""Link destinations (chalicelib/destinations.py): the open-redirect guard."""

from __future__ import annotations

import pytest

from chalicelib.base.errors import InvalidInput
from chalicelib.links.destinations import host_is_allowed, normalize_host, validate_destination

ALLOWED = ["shop.glow.example"]


@pytest.mark.parametrize(
    ("given", "stored"),
    [
        ("https://shop.glow.example/p?x=1#top", "https://shop.glow.example/p?x=1#top"),
        ("https://a.b.shop.glow.example", "https://a.b.shop.glow.example"),
        ("HTTP://SHOP.GLOW.EXAMPLE/Path", "http://shop.glow.example/Path"),
        ("https://shop.glow.example./", "https://shop.glow.example/"),
        ("https://shop.glow.example:443/", "https://shop.glow.example:443/"),
        ("https://shop.glow.example/ä?q=ü", "https://shop.glow.example/%C3%A4?q=%C3%BC"),
        ("https://shop.glow.example/%E2%82%AC", "https://shop.glow.example/%E2%82%AC"),
    ],
)
def test_allowed_destinations_keep_what_was_written_except_the_host(given, stored):
    assert validate_destination(given, ALLOWED) == stored


@pytest.mark.parametrize(
    "destination",
    [
        "javascript:alert(1)",
        "data:text/html,x",
        "//shop.glow.example/x",
        "ftp://shop.glow.example/",
        "https://shop.glow.example.evil.com/",
        "https://xshop.glow.example/",
        "https://user@shop.glow.example/",
        "https://evil.com\\.shop.glow.example/",
        "https://shop.glow.example/\u00a0",
        "https://shop.glow.example/\u200b",
        "https://shop.glow.example/\u202e",
        "https://shop.glow.example/\ud800",
        "https://shop.glow.example/\x1b",
        "https://127.0.0.1/",
        "https://[::1]/",
        "https://[v1.shop.glow.example]/",
        "https://017700000001/",
        "https://shop.glow.example:http/",
        "https://" + "a" * 64 + ".shop.glow.example/",
        "https://shop.glow.example/" + "x" * 2030,
        "",
        None,
        b"https://shop.glow.example/",
    ],
)
def test_refused_destinations_raise_invalid_input(destination):
    with pytest.raises(InvalidInput):
        validate_destination(destination, ALLOWED)


def test_the_length_limit_is_2048_characters_inclusive():
    base = "https://shop.glow.example/"
    assert validate_destination(base + "x" * (2048 - len(base)), ALLOWED).endswith("x")
    with pytest.raises(InvalidInput, match="2048"):
        validate_destination(base + "x" * (2049 - len(base)), ALLOWED)


def test_an_international_host_is_checked_and_stored_in_punycode():
    assert validate_destination("https://Shop.Bücher.example/", ["xn--bcher-kva.example"]) == (
        "https://shop.xn--bcher-kva.example/"
    )


def test_a_destination_is_allowed_by_any_of_several_domains():
    domains = ["shop.glow.example", "glow-beauty.example"]
    assert validate_destination("https://m.glow-beauty.example/", domains) == "https://m.glow-beauty.example/"


@pytest.mark.parametrize(
    ("host", "normalized"),
    [
        ("Shop.Glow.Example.", "shop.glow.example"),
        ("bücher.example", "xn--bcher-kva.example"),
        ("xn--bcher-kva.example", "xn--bcher-kva.example"),
        ("ＳＨＯＰ.example", "shop.example"),
        ("shop_glow.example", None),
        ("shop..example", None),
        ("-shop.example", None),
        ("shop-.example", None),
        ("", None),
        (".", None),
        ("a" * 254, None),
        ("shop%2eexample", None),
    ],
)
def test_normalize_host(host, normalized):
    assert normalize_host(host) == normalized


@pytest.mark.parametrize(
    ("host", "allowed"),
    [
        ("shop.glow.example", True),
        ("SHOP.glow.example.", True),
        ("eu.shop.glow.example", True),
        ("glow.example", False),
        ("evilshop.glow.example", False),
        ("shop.glow.example.evil.com", False),
    ],
)
def test_host_is_allowed_on_the_domain_and_its_subdomains_only(host, allowed):
    assert host_is_allowed(host, ALLOWED) is allowed


@pytest.mark.parametrize(
    "destination",
    [
        "https://shop.glow.example/" + "中" * 300,  # 318 characters written, 2,726 once encoded
        "https://shop.glow.example:0/p",
        "https://shop.glow.example../p",
    ],
)
def test_destinations_refused_once_normalised(destination):
    with pytest.raises(InvalidInput):
        validate_destination(destination, ["glow.example"])


@pytest.mark.parametrize("host", ["1.0x7f", "0x7f.1", "a.0", "shop.08", "127.1", "[::1]", "10.0.0.1"])
def test_hosts_a_browser_reads_as_ip_addresses(host):
    from chalicelib.links.destinations import looks_like_ip_address

    assert looks_like_ip_address(host)


@pytest.mark.parametrize("host", ["shop.glow.example", "0x7f.example", "1password.com", "a1.b2"])
def test_names_that_only_contain_numbers_are_still_names(host):
    from chalicelib.links.destinations import looks_like_ip_address

    assert not looks_like_ip_address(host)
