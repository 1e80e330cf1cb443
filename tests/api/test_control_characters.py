"""NUL and other control characters in ids and free text are refused (issue 11, item 8)."""
from __future__ import annotations

import pytest

from chalicelib.storage.rate_limits import RateLimitCounter
from tests.helpers import Stored, bearer, call, make_brand, make_creator


@pytest.mark.parametrize("character", ["\u0000", "\u001b", "\r", "\n", "\u007f", "\u0085"])
@pytest.mark.parametrize("field", ["order_id", "click_id"])
def test_a_sale_with_a_control_character_in_an_id_is_400_and_writes_nothing(client, field, character):
    brand = make_brand(client)
    body = {"type": "sale", "order_id": "order-1", "amount": 100, "currency": "EUR",
            field: f"id{character}tail"}
    before = Stored()
    response = call(client, "POST", "/conversions", body, bearer(brand["api_key"]))
    assert response.status_code == 400
    assert "control characters" in response.json["Message"]
    assert before.changes() == {}


def test_a_refund_id_with_a_nul_is_400_and_writes_nothing(client):
    brand = make_brand(client)
    sale = {"type": "sale", "order_id": "order-2", "amount": 100, "currency": "EUR"}
    assert call(client, "POST", "/conversions", sale, bearer(brand["api_key"])).status_code == 201
    before = Stored()
    refund = {"type": "refund", "order_id": "order-2", "refund_id": "r\u00001", "amount": 10}
    assert call(client, "POST", "/conversions", refund, bearer(brand["api_key"])).status_code == 400
    assert before.changes() == {}


def test_a_link_source_with_a_control_character_is_400_and_writes_nothing_but_the_rate_count(client):
    brand = make_brand(client)
    creator = make_creator(client)
    body = {"brand_id": brand["brand_id"], "destination": "https://shop.glow.example/p", "source": "tiktok\u0000x"}
    before = Stored()
    response = call(client, "POST", "/links", body, bearer(creator["api_key"]))
    assert response.status_code == 400
    assert before.changes(RateLimitCounter) == {}
    ok = call(client, "POST", "/links", {**body, "source": "tiktok:video:7312 (live) é"}, bearer(creator["api_key"]))
    assert ok.status_code == 201 and ok.json["source"] == "tiktok:video:7312 (live) é"
