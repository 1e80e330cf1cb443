"""Bad input in general (§0): any invalid input gets a 4xx and writes nothing;
bodies over 65,536 bytes get 413 before anything else; no input gives a 5xx."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chalicelib.storage.rate_limits import RateLimitCounter
from tests.helpers import ADMIN, Stored, bearer, call

MAX_BODY = 65_536
GLOW = {
    "name": "Glow Cosmetics",
    "allowed_domains": ["shop.glow.example"],
    "commission": {"type": "percent", "rate_bps": 1000},
}


def _padded_brand_body(size: int) -> bytes:
    """A JSON brand whose name is long enough to make the body exactly `size` bytes."""
    empty = json.dumps({**GLOW, "name": ""}).encode()
    return json.dumps({**GLOW, "name": "n" * (size - len(empty))}).encode()


def test_a_body_over_65536_bytes_is_413_even_without_a_key(client):
    # Given
    body = _padded_brand_body(MAX_BODY + 1)
    stored = Stored()

    # When
    anonymous = call(client, "POST", "/brands", raw=body)
    admin = call(client, "POST", "/brands", raw=body, headers=ADMIN)

    # Then
    assert (anonymous.status_code, admin.status_code) == (413, 413)
    assert admin.json["Message"]
    assert stored.changes() == {}


def test_a_body_over_the_limit_is_413_before_its_json_is_read(client, creator):
    # Given
    stored = Stored()

    # When
    response = call(client, "POST", "/links", raw=b"{" * (MAX_BODY + 1), headers=bearer(creator["api_key"]))

    # Then nothing is written, not even the rate limit's count of the request
    assert response.status_code == 413
    assert stored.changes() == {}


def test_a_body_of_exactly_65536_bytes_is_read(client):
    # When
    response = call(client, "POST", "/brands", raw=_padded_brand_body(MAX_BODY), headers=ADMIN)

    # Then it is judged on its content (a 65,000-character name is too long), not its size
    assert response.status_code == 400
    assert "name" in response.json["Message"]


WRITES = [
    ("POST", "/brands", "admin"),
    ("PATCH", "/brands/{brand_id}", "admin"),
    ("POST", "/creators", "admin"),
    ("PATCH", "/me", "brand"),
    ("PUT", "/me/creators/{creator_id}", "brand"),
    ("POST", "/links", "creator"),
    ("PATCH", "/links/{code}", "creator"),
]
MALFORMED = [
    b"",
    b"{",
    b"{'name': 'x'}",
    b"[]",
    b'["name"]',
    b'"name"',
    b"42",
    b"null",
    b"true",
    b'{"name": NaN}',
    b'{"name": Infinity}',
    b'{"name": "\xff\xfe"}',
    b'{"hold_days": 1' + b"0" * 5000 + b"}",
    b"[" * 60_000,
    b'{"name": "x"} trailing',
]


@pytest.fixture
def accounts(client, brand, creator, link) -> dict:
    return {
        "admin": ADMIN,
        "brand": bearer(brand["api_key"]),
        "creator": bearer(creator["api_key"]),
        "ids": {"brand_id": brand["brand_id"], "creator_id": creator["creator_id"], "code": link["code"]},
    }


@pytest.mark.parametrize(("method", "path", "role"), WRITES, ids=[f"{m} {p}" for m, p, _ in WRITES])
def test_a_malformed_or_non_object_body_is_400_and_writes_nothing(client, accounts, method, path, role):
    # Given
    stored = Stored()

    for raw in MALFORMED:
        # When
        response = call(client, method, path.format(**accounts["ids"]), raw=raw, headers=accounts[role])

        # Then
        assert response.status_code == 400, (raw[:40], response.body)
        assert response.json["Message"]
    # (POST /links counts every request against the creator's rate limit, valid or not)
    assert stored.changes(RateLimitCounter) == {}


@pytest.mark.parametrize(("method", "path", "role"), WRITES, ids=[f"{m} {p}" for m, p, _ in WRITES])
def test_an_unknown_field_is_400_and_writes_nothing(client, accounts, method, path, role):
    # Given
    stored = Stored()
    valid = {
        "/brands": GLOW,
        "/brands/{brand_id}": {"name": "New"},
        "/creators": {"handle": "new.one"},
        "/me": {"name": "New"},
        "/me/creators/{creator_id}": {"status": "blocked"},
        "/links": {"brand_id": accounts["ids"]["brand_id"], "destination": "https://shop.glow.example/"},
        "/links/{code}": {"disabled": True},
    }[path]

    # When
    response = call(client, method, path.format(**accounts["ids"]), {**valid, "surprise": 1}, accounts[role])

    # Then
    assert response.status_code == 400
    assert "surprise" in response.json["Message"]
    assert stored.changes(RateLimitCounter) == {}  # POST /links counts every request, valid or not


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("POST", "/brands", {**GLOW, "name": "\ud800"}),
        ("POST", "/creators", {"handle": "mia\udfff"}),
        ("POST", "/brands", {**GLOW, "allowed_domains": ["sh\ud800op.example"]}),
        ("POST", "/brands", {**GLOW, "\ud800": 1}),
    ],
    ids=["name", "handle", "domain", "key"],
)
def test_an_unpaired_surrogate_escape_is_400_and_writes_nothing(client, method, path, body):
    # Given
    stored = Stored()

    # When (json.dumps writes the lone surrogate as the escape \ud800)
    response = call(client, method, path, body, ADMIN)

    # Then
    assert response.status_code == 400
    assert "surrogate" in response.json["Message"]
    assert stored.changes() == {}


def test_a_paired_surrogate_escape_is_an_ordinary_character(client):
    response = call(
        client,
        "POST",
        "/brands",
        raw=b'{"name": "Glow \\ud83d\\ude00", "allowed_domains": '
        b'["shop.glow.example"], "commission": {"type": "percent", "rate_bps": 1}}',
        headers=ADMIN,
    )
    assert response.status_code == 201
    assert response.json["name"] == "Glow \U0001f600"


@pytest.mark.parametrize(
    ("body", "word"),
    [
        ({"destination": "https://shop.glow.example/"}, "brand_id"),
        ({"brand_id": "{brand_id}"}, "destination"),
        ({"brand_id": 7, "destination": "https://shop.glow.example/"}, "brand_id"),
        ({"brand_id": None, "destination": "https://shop.glow.example/"}, "brand_id"),
        ({"brand_id": "b" * 129, "destination": "https://shop.glow.example/"}, "brand_id"),
        ({"brand_id": "{brand_id}", "destination": "https://shop.glow.example/", "source": 7}, "source"),
        (
            {"brand_id": "{brand_id}", "destination": "https://shop.glow.example/", "source": "s" * 65},
            "source",
        ),
        ({"brand_id": "{brand_id}", "destination": "https://shop.glow.example/", "source": ""}, "source"),
        (
            {
                "brand_id": "{brand_id}",
                "destination": "https://shop.glow.example/",
                "expires_at": "2026-11-26T10:00:15Z",
            },
            "future",
        ),
        (
            {
                "brand_id": "{brand_id}",
                "destination": "https://shop.glow.example/",
                "expires_at": "2020-01-01T00:00:00Z",
            },
            "future",
        ),
        (
            {"brand_id": "{brand_id}", "destination": "https://shop.glow.example/", "expires_at": "tomorrow"},
            "RFC 3339",
        ),
        (
            {
                "brand_id": "{brand_id}",
                "destination": "https://shop.glow.example/",
                "expires_at": "2026-13-01T00:00:00Z",
            },
            "expires_at",
        ),
        (
            {
                "brand_id": "{brand_id}",
                "destination": "https://shop.glow.example/",
                "expires_at": "2026-12-01 00:00:00Z",
            },
            "RFC 3339",
        ),
        (
            {
                "brand_id": "{brand_id}",
                "destination": "https://shop.glow.example/",
                "expires_at": "2026-12-01T00:00:00",
            },
            "RFC 3339",
        ),
        (
            {
                "brand_id": "{brand_id}",
                "destination": "https://shop.glow.example/",
                "expires_at": "9999-12-31T23:59:59-23:59",
            },
            "expires_at",
        ),
        (
            {"brand_id": "{brand_id}", "destination": "https://shop.glow.example/", "expires_at": 1893456000},
            "RFC 3339",
        ),
    ],
    ids=[
        "no-brand",
        "no-destination",
        "brand-number",
        "brand-null",
        "brand-long",
        "source-number",
        "source-65",
        "source-empty",
        "expiry-now",
        "expiry-past",
        "expiry-text",
        "expiry-month-13",
        "expiry-space",
        "expiry-no-offset",
        "expiry-overflow",
        "expiry-epoch",
    ],
)
def test_a_bad_new_link_is_400_and_writes_nothing(client, clock, brand, creator, body, word):
    # Given
    body = {
        key: (
            value.format(brand_id=brand["brand_id"])
            if isinstance(value, str) and key == "brand_id"
            else value
        )
        for key, value in body.items()
    }
    stored = Stored()

    # When
    response = call(client, "POST", "/links", body, bearer(creator["api_key"]))

    # Then nothing is written but the count of the request against the rate limit
    assert response.status_code == 400
    assert word in response.json["Message"]
    assert stored.changes(RateLimitCounter) == {}


JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False)
    | st.text(max_size=30)
    | st.sampled_from(["https://shop.glow.example/x", "approved", "percent", "USD", "open"]),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=8,
)
FIELDS = st.sampled_from(
    [
        "name",
        "allowed_domains",
        "commission",
        "attribution_window_days",
        "hold_days",
        "program",
        "handle",
        "status",
        "brand_id",
        "destination",
        "alias",
        "source",
        "expires_at",
        "disabled",
        "type",
        "rate_bps",
    ]
)


@settings(
    max_examples=40,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(body=st.dictionaries(FIELDS, JSON_VALUES, max_size=5), write=st.sampled_from(WRITES))
def test_no_body_makes_a_server_error(client, clock, accounts, body, write):
    # Given any JSON object, sent to any write
    method, path, role = write
    clock.move(timedelta(minutes=1))  # stay clear of the link rate limit

    # When
    response = call(client, method, path.format(**accounts["ids"]), body, accounts[role])

    # Then
    assert response.status_code < 500, response.body
