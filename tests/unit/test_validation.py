"""Request bodies and query parameters (chalicelib/validation.py)."""

from __future__ import annotations

import pytest

from chalicelib.base import validation
from chalicelib.base.errors import InvalidInput
from chalicelib.web import requests
from chalicelib.web.errors import RequestTooLarge

MAX_SAFE = 9_007_199_254_740_991


def test_a_json_object_is_parsed():
    assert validation.parse_json_object(b'{"a": [1, "\\u00e9", null]}') == {"a": [1, "é", None]}


@pytest.mark.parametrize(
    "raw",
    [
        None,
        b"",
        b"[]",
        b'"x"',
        b"1",
        b"null",
        b"{",
        b'{"a": NaN}',
        b'{"a": -Infinity}',
        b"\xff",
        b'{"a": "\\ud800"}',
        b'{"\\udfff": 1}',
        b"[" * 100_000,
    ],
)
def test_what_is_not_a_json_object_of_text_is_invalid(raw):
    with pytest.raises(InvalidInput):
        validation.parse_json_object(raw)


def test_an_escaped_backslash_before_u_d800_is_plain_text():
    assert validation.parse_json_object(b'{"a": "\\\\ud800"}') == {"a": "\\ud800"}


def test_body_size_limit_is_65536_bytes():
    requests.check_body_size(b"x" * 65_536)
    requests.check_body_size(None)
    with pytest.raises(RequestTooLarge):
        requests.check_body_size(b"x" * 65_537)


@pytest.mark.parametrize("value", [True, False, 1.0, "1", None, [1], MAX_SAFE + 1, -1])
def test_integers_must_be_integers_in_range(value):
    with pytest.raises(InvalidInput, match="amount"):
        validation.integer({"amount": value}, "amount")


def test_integers_up_to_2_53_minus_1_are_fine():
    assert validation.integer({"amount": MAX_SAFE}, "amount") == MAX_SAFE
    assert validation.integer({"amount": 0}, "amount") == 0
    assert validation.integer({}, "amount", required=False, default=30) == 30


def test_strings_are_counted_in_characters():
    assert validation.string({"name": "é" * 100}, "name", max_length=100) == "é" * 100
    with pytest.raises(InvalidInput, match="name"):
        validation.string({"name": "é" * 101}, "name", max_length=100)
    with pytest.raises(InvalidInput, match="name"):
        validation.string({"name": 5}, "name", max_length=100)


@pytest.mark.parametrize("raw", ["0", "101", "-1", "abc", "", "1.0", "²", "١", " 1", "1 "])
def test_page_limits_outside_1_to_100_are_invalid(raw):
    with pytest.raises(InvalidInput, match="limit"):
        requests.page_limit(raw)


def test_page_limit_defaults_to_50():
    assert requests.page_limit(None) == 50
    assert requests.page_limit("100") == 100


def test_unknown_fields_are_named():
    with pytest.raises(InvalidInput, match="extra, more"):
        validation.reject_unknown_fields({"name": 1, "more": 2, "extra": 3}, ("name",))
