"""`POST /webhooks/{brand_id}/conversions`: the same sales and refunds as
`POST /conversions`, authenticated by `Affilink-Signature` instead of a key.

The signatures here are computed with `hmac` directly, not with the app's own
helper, so a mistake in one is not mirrored in the other."""
from __future__ import annotations

import hashlib
import hmac
import json
from datetime import datetime, timedelta, timezone

import pytest

from chalicelib.storage.money import Conversion
from tests.helpers import ADMIN, Stored, bearer, call, make_brand, stored_items

NOW = datetime(2026, 11, 26, 10, 0, 0, tzinfo=timezone.utc)
CLOCK_STARTS_AT = NOW  # the `clock` fixture (tests/api/conftest.py) stands still here
T = int(NOW.timestamp())
SALE = {"type": "sale", "order_id": "order-1001", "amount": 2599, "currency": "USD"}


@pytest.fixture
def brand(client, clock):
    return make_brand(client)


def v1(secret: str, timestamp: int, raw: bytes) -> str:
    return hmac.new(secret.encode(), f"{timestamp}.".encode() + raw, hashlib.sha256).hexdigest()


def signed(secret: str, raw: bytes, timestamp: int = T) -> dict:
    return {"Affilink-Signature": f"t={timestamp},v1={v1(secret, timestamp, raw)}"}


def deliver(client, brand_id: str, raw: bytes, headers: dict):
    return call(client, "POST", f"/webhooks/{brand_id}/conversions", headers=headers, raw=raw)


RAW = json.dumps(SALE).encode()


def test_signed_sale_is_recorded_like_a_keyed_one(client, brand):
    response = deliver(client, brand["brand_id"], RAW, signed(brand["webhook_secret"], RAW))

    assert response.status_code == 201, response.body
    assert response.json["order_id"] == "order-1001"
    assert response.json["status"] == "unattributed"
    # one behaviour: the same order through the other way in is a replay
    keyed = call(client, "POST", "/conversions", SALE, bearer(brand["api_key"]))
    assert keyed.status_code == 200 and keyed.json == response.json


def test_signed_refund_and_replays(client, brand):
    secret = brand["webhook_secret"]
    deliver(client, brand["brand_id"], RAW, signed(secret, RAW))
    refund = json.dumps(
        {"type": "refund", "order_id": "order-1001", "refund_id": "r-1", "amount": 599}
    ).encode()

    first = deliver(client, brand["brand_id"], refund, signed(secret, refund))
    again = deliver(client, brand["brand_id"], refund, signed(secret, refund, T + 60))
    replayed_sale = deliver(client, brand["brand_id"], RAW, signed(secret, RAW, T + 90))

    assert first.status_code == 200 and first.json["refunded_amount"] == 599
    assert again.status_code == 200 and again.json == first.json
    assert replayed_sale.status_code == 200 and replayed_sale.json == first.json


def test_signature_is_checked_on_the_raw_bytes_whatever_their_layout(client, brand):
    raw = b'{ "currency":"USD",\n  "amount": 2599, "order_id": "order-1001", "type": "sale" }'
    response = deliver(client, brand["brand_id"], raw, signed(brand["webhook_secret"], raw))
    assert response.status_code == 201


def test_timestamp_exactly_300_s_away_is_accepted_both_ways(client, brand):
    secret = brand["webhook_secret"]
    assert deliver(client, brand["brand_id"], RAW, signed(secret, RAW, T - 300)).status_code == 201
    assert deliver(client, brand["brand_id"], RAW, signed(secret, RAW, T + 300)).status_code == 200


def test_two_v1_values_one_matching_is_enough(client, brand):
    good = v1(brand["webhook_secret"], T, RAW)
    header = {"Affilink-Signature": f"t={T},v1={'0' * 64},v1={good}"}
    assert deliver(client, brand["brand_id"], RAW, header).status_code == 201


def test_upper_case_hex_and_unknown_schemes_are_tolerated(client, brand):
    good = v1(brand["webhook_secret"], T, RAW).upper()
    header = {"Affilink-Signature": f"t={T}, v0=abc, v1={good}"}
    assert deliver(client, brand["brand_id"], RAW, header).status_code == 201


@pytest.mark.parametrize(
    "case",
    [
        "missing",
        "empty",
        "no-t",
        "no-v1",
        "two-t",
        "t-not-a-number",
        "bad-hex",
        "short-hex",
        "wrong-secret",
        "stale-t",
        "future-t",
        "other-brand",
        "tampered-body",
        "t-changed",
        "unknown-brand",
        "signed-without-t",
    ],
)
def test_bad_signatures_are_401_and_write_nothing(client, brand, case):
    secret, brand_id, raw = brand["webhook_secret"], brand["brand_id"], RAW
    good = v1(secret, T, raw)
    headers = {
        "missing": {},
        "empty": {"Affilink-Signature": ""},
        "no-t": {"Affilink-Signature": f"v1={good}"},
        "no-v1": {"Affilink-Signature": f"t={T}"},
        "two-t": {"Affilink-Signature": f"t={T},t={T + 1},v1={good}"},
        "t-not-a-number": {"Affilink-Signature": f"t=now,v1={good}"},
        "bad-hex": {"Affilink-Signature": f"t={T},v1={'z' * 64}"},
        "short-hex": {"Affilink-Signature": f"t={T},v1={good[:-2]}"},
        "wrong-secret": signed("whsec_not-the-brands", raw),
        "stale-t": signed(secret, raw, T - 301),
        "future-t": signed(secret, raw, T + 301),
        "tampered-body": signed(secret, raw),
        "t-changed": {"Affilink-Signature": f"t={T + 1},v1={good}"},
        "unknown-brand": signed(secret, raw),
        "signed-without-t": {
            "Affilink-Signature": f"t={T},v1={hmac.new(secret.encode(), raw, hashlib.sha256).hexdigest()}"
        },
    }.get(case)
    if case == "other-brand":
        other = make_brand(client, name="Other")
        headers = signed(other["webhook_secret"], raw)  # signed by another brand, sent to this one
    if case == "tampered-body":
        raw = raw.replace(b"2599", b"9999")
    if case == "unknown-brand":
        brand_id = "br_doesnotexist0000000000"
    stored = Stored()

    response = deliver(client, brand_id, raw, headers)

    assert response.status_code == 401, response.body
    assert response.json["Code"] == "Unauthorized"
    assert secret not in response.body.decode()
    assert stored.changes() == {}


def test_signature_is_checked_before_the_body_is_parsed(client, brand):
    stored = Stored()
    garbage = b"{not json"
    assert deliver(client, brand["brand_id"], garbage, {}).status_code == 401
    signed_garbage = signed(brand["webhook_secret"], garbage)
    assert deliver(client, brand["brand_id"], garbage, signed_garbage).status_code == 400
    assert stored.changes() == {}


def test_correctly_signed_bad_input_is_400_and_writes_nothing(client, brand):
    stored = Stored()
    raw = json.dumps({**SALE, "amount": 25.99}).encode()
    response = deliver(client, brand["brand_id"], raw, signed(brand["webhook_secret"], raw))
    assert response.status_code == 400
    assert stored.changes() == {}


def test_unknown_brand_with_an_absurd_id_is_401_not_500(client, brand):
    response = deliver(client, "b" * 1500, RAW, signed(brand["webhook_secret"], RAW))
    assert response.status_code == 401


def test_webhooks_need_no_api_key_and_ignore_one(client, brand):
    headers = {**signed(brand["webhook_secret"], RAW), **ADMIN}
    assert deliver(client, brand["brand_id"], RAW, headers).status_code == 201


def test_previous_secret_works_for_24_hours_after_a_rotation(client, brand, clock):
    old = brand["webhook_secret"]
    rotated = call(client, "POST", f"/brands/{brand['brand_id']}/rotate-webhook-secret", headers=ADMIN)
    assert rotated.status_code == 200
    new = rotated.json["webhook_secret"]
    assert new != old

    def sale_at(order_id: str, secret: str, moment: datetime):
        clock.moment = moment
        raw = json.dumps({**SALE, "order_id": order_id}).encode()
        return deliver(client, brand["brand_id"], raw, signed(secret, raw, int(moment.timestamp())))

    just_before = NOW + timedelta(hours=24) - timedelta(seconds=1)
    after = NOW + timedelta(hours=24, seconds=1)
    assert sale_at("o-new-now", new, NOW).status_code == 201
    assert sale_at("o-old-now", old, NOW).status_code == 201
    assert sale_at("o-old-23h59", old, just_before).status_code == 201
    assert sale_at("o-old-24h01", old, after).status_code == 401
    assert sale_at("o-new-24h01", new, after).status_code == 201
    stored = sorted(c.order_id for c in stored_items(Conversion))
    assert stored == ["o-new-24h01", "o-new-now", "o-old-23h59", "o-old-now"]


def test_a_second_rotation_retires_the_first_secret_at_once(client, brand):
    first = brand["webhook_secret"]
    for _ in range(2):
        call(client, "POST", f"/brands/{brand['brand_id']}/rotate-webhook-secret", headers=ADMIN)
    stored = Stored()
    assert deliver(client, brand["brand_id"], RAW, signed(first, RAW)).status_code == 401
    assert stored.changes() == {}


def test_logs_carry_the_ids_and_never_the_secret_or_the_signature(client, brand, caplog):
    secret = brand["webhook_secret"]
    good = signed(secret, RAW)
    deliver(client, brand["brand_id"], RAW, good)
    deliver(client, brand["brand_id"], RAW, signed("whsec_wrong", RAW))

    [recorded] = [r for r in caplog.records if r.getMessage() == "conversion recorded"]
    assert recorded.brand_id == brand["brand_id"] and recorded.order_id == "order-1001"
    assert recorded.conversion_id.startswith("cv_")
    assert any(r.getMessage() == "webhook signature rejected" for r in caplog.records)
    logged = repr([vars(r) for r in caplog.records])
    assert secret not in logged
    assert good["Affilink-Signature"].split("v1=")[1] not in logged
