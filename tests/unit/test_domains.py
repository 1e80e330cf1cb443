"""A brand's allowed domains (chalicelib/domains.py)."""

from __future__ import annotations

import pytest

from chalicelib.accounts.allowed_domains import MAX_ALLOWED_DOMAINS, normalize_allowed_domain, normalize_allowed_domains
from chalicelib.base.errors import InvalidInput


@pytest.mark.parametrize(
    ("given", "normalized"),
    [
        ("shop.glow.example", "shop.glow.example"),
        ("Shop.Glow.Example", "shop.glow.example"),
        ("glow.example.", "glow.example"),
        (" glow.example ", "glow.example"),
        ("bücher.example", "xn--bcher-kva.example"),
        ("glow.co.uk", "glow.co.uk"),
        ("glow.github.io", "glow.github.io"),
        ("glow.com", "glow.com"),
    ],
)
def test_host_names_are_normalized(given, normalized):
    assert normalize_allowed_domain(given) == normalized


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("com", "single-label"),
        ("COM.", "single-label"),
        ("localhost", "single-label"),
        ("co.uk", "public suffix"),
        ("github.io", "public suffix"),
        ("s3.amazonaws.com", "public suffix"),
        ("xn--p1ai", "single-label"),
        ("127.0.0.1", "IP"),
        ("10.0.0", "IP"),
        ("::1", "host name"),
        ("[::1]", "host name"),
        ("https://glow.example", "host name"),
        ("glow.example/shop", "host name"),
        ("glow.example:443", "host name"),
        ("user@glow.example", "host name"),
        ("*.glow.example", "host name"),
        ("glow..example", "host name"),
        ("", "host names"),
        ("   ", "host names"),
        (None, "host names"),
        (7, "host names"),
        ("a" * 254 + ".example", "host name"),
    ],
)
def test_what_is_not_a_registrable_host_name_is_refused(value, reason):
    with pytest.raises(InvalidInput, match=reason):
        normalize_allowed_domain(value)


def test_a_list_is_normalized_in_order_without_duplicates():
    assert normalize_allowed_domains(["B.example", "a.example", "b.example."]) == ["b.example", "a.example"]


@pytest.mark.parametrize(
    "value",
    [
        [],
        [f"s{i}.example" for i in range(MAX_ALLOWED_DOMAINS + 1)],
        "glow.example",
        None,
        {"glow.example": 1},
    ],
    ids=["empty", "too-many", "string", "null", "object"],
)
def test_the_list_must_hold_1_to_20_names(value):
    with pytest.raises(InvalidInput, match="1 to 20"):
        normalize_allowed_domains(value)


def test_twenty_names_are_fine():
    names = [f"s{i}.example" for i in range(MAX_ALLOWED_DOMAINS)]
    assert normalize_allowed_domains(names) == names


def test_one_bad_name_refuses_the_whole_list():
    with pytest.raises(InvalidInput, match="public suffix"):
        normalize_allowed_domains(["glow.example", "co.uk"])


@pytest.mark.parametrize("domain", ["1.0x7f", "0x7f.1", "a.0", "shop.08"])
def test_allowed_domains_a_browser_would_read_as_ip_addresses_are_refused(domain):
    with pytest.raises(InvalidInput, match="IP address"):
        normalize_allowed_domain(domain)
