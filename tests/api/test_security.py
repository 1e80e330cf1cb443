"""Security, table-driven (issue 11, item 5): no open redirect from any hostile destination,
413 on every route that takes a body, integers beyond 2^53−1 refused, no key, secret or IP
in any log, and every secret compared in constant time."""
from __future__ import annotations

import hashlib
import hmac
import json
import time

import pytest

from app import app
from chalicelib.storage.rate_limits import RateLimitCounter
from tests.helpers import ADMIN, Stored, bearer, call, make_brand, make_creator, make_link, new_id

ALLOWED = "shop.glow.example"
HOSTILE_DESTINATIONS = [
    # other hosts, plainly or hidden
    "https://evil.example/", "http://evil.example/shop.glow.example", "https://shop.glow.example.evil.example/",
    "https://shop.glow.example.evil.example./", "https://evilshop.glow.example.evil/", "https://glow.example/",
    "https://shop.glow.examp1e/", "https://xn--shop-glow-example.evil/",
    # user-info and fragments that put the allowed host before the real one
    "https://shop.glow.example@evil.example/", "https://shop.glow.example:443@evil.example/",
    "https://evil.example#@shop.glow.example/", "https://evil.example?@shop.glow.example/",
    "https://shop.glow.example%40evil.example/", "https://shop.glow.example%2eevil.example/",
    # backslashes, which browsers read as slashes
    "https://evil.example\\.shop.glow.example/", "https://shop.glow.example\\@evil.example/",
    "https:\\\\evil.example/", "/\\evil.example/",
    # scheme tricks
    "//evil.example/", "///evil.example/", "https:evil.example/", "https:/evil.example/",
    "javascript:alert(1)//shop.glow.example", "JavaScript:alert(1)", "data:text/html,<script>alert(1)</script>",
    "ftp://shop.glow.example/", "file:///etc/passwd", "vbscript:msgbox(1)",
    # whitespace and control characters
    " https://evil.example/", "https://evil.example/ ", "https://shop.glow.example\t.evil.example/",
    "https://shop.glow.example\n.evil.example/", "https://shop.glow.example\r\n@evil.example/",
    "https://shop.glow.example\u0000.evil.example/", "https://shop.glow.example\u200b.evil.example/",
    "https://shop.glow.example\u00a0@evil.example/",
    # Unicode look-alikes and dots
    "https://ѕhop.glow.example/", "https://shop.glοw.example/", "https://shop.glow。example.evil.example/",
    "https://ｓｈｏｐ.glow.example.evil.example/",
    # IP hosts, in every spelling a browser accepts
    "https://127.0.0.1/", "https://[::1]/", "https://2130706433/", "https://0x7f.1/", "https://1.0x7f/",
    "https://017700000001/", "https://shop.08/",
    # not URLs at all
    "", "shop.glow.example", "https://", "https:///", "https://:443/",
]


@pytest.fixture
def creator_and_brand(client):
    brand = make_brand(client, allowed_domains=[ALLOWED])
    return make_creator(client), brand


def test_no_hostile_destination_makes_a_link_or_changes_one(client, creator_and_brand):
    creator, brand = creator_and_brand
    link = make_link(client, creator, brand, destination=f"https://{ALLOWED}/p/serum")
    accepted = []
    for destination in HOSTILE_DESTINATIONS:
        before = Stored()
        created = call(client, "POST", "/links", {"brand_id": brand["brand_id"], "destination": destination},
                       bearer(creator["api_key"]))
        changed = call(client, "PATCH", f"/links/{link['code']}", {"destination": destination},
                       bearer(creator["api_key"]))
        if created.status_code != 400 or changed.status_code != 400 or before.changes(RateLimitCounter):
            accepted.append((destination, created.status_code, changed.status_code))
    assert accepted == []
    tap = client.http.get(f"/{link['code']}")
    assert tap.headers["Location"].startswith(f"https://{ALLOWED}/p/serum?afl_click=")


def test_a_host_written_with_unicode_dots_or_letters_that_are_the_allowed_one_is_stored_as_it(client,
                                                                                            creator_and_brand):
    # A fullwidth dot or fullwidth letters name the same host to a browser (IDNA maps them): not
    # another site, so accepted, and stored (and redirected to) in plain ASCII.
    creator, brand = creator_and_brand
    for destination in ("https://shop.glow．example/p", "https://ｓｈｏｐ.glow.example/p"):
        link = make_link(client, creator, brand, destination=destination)
        assert link["destination"] == f"https://{ALLOWED}/p"


def _body_routes():
    for path, methods in sorted(app.routes.items()):
        for method in sorted(methods):
            if method in ("POST", "PUT", "PATCH"):
                yield method, path


@pytest.mark.parametrize("method, path", list(_body_routes()))
def test_every_route_that_takes_a_body_answers_413_past_64_kib_and_writes_nothing(client, method, path):
    concrete = path.replace("{brand_id}", "br_x").replace("{creator_id}", "cr_x").replace("{code}", "abc")
    concrete = concrete.replace("{platform}", "shopify").replace("{month}", "2026-01")
    before = Stored()
    for headers in ({}, ADMIN):
        response = call(client, method, concrete, raw=b'{"a": "' + b"x" * 65_530 + b'"}', headers=headers)
        assert response.status_code == 413, (method, path, response.status_code)
    assert before.changes() == {}


@pytest.mark.parametrize(
    "body",
    [
        {"type": "sale", "order_id": "o-big", "amount": 2**53, "currency": "EUR"},
        {"type": "sale", "order_id": "o-big", "amount": 10**30, "currency": "EUR"},
        {"type": "refund", "order_id": "o-big", "refund_id": "r-1", "amount": 2**53},
    ],
)
def test_integers_beyond_2_to_the_53_minus_1_are_400_and_write_nothing(client, body):
    brand = make_brand(client)
    before = Stored()
    response = call(client, "POST", "/conversions", body, bearer(brand["api_key"]))
    assert response.status_code == 400
    assert before.changes() == {}


def test_no_key_secret_or_ip_address_reaches_any_log(client, caplog, capsys):
    # Given a day of the API's life: accounts, a link, a tap from a known address, a signed sale
    ip = "203.0.113.77"
    brand = make_brand(client)
    creator = make_creator(client)
    link = make_link(client, creator, brand)
    tap = client.http.get(f"/{link['code']}", headers={"X-Forwarded-For": ip, "User-Agent": "Mozilla/5.0"})
    click_id = tap.headers["Location"].split("afl_click=")[1]
    body = json.dumps({"type": "sale", "order_id": new_id("o"), "click_id": click_id, "amount": 100,
                       "currency": "EUR"}).encode()
    t = int(time.time())
    signature = hmac.new(brand["webhook_secret"].encode(), f"{t}.".encode() + body, hashlib.sha256).hexdigest()
    call(client, "POST", f"/webhooks/{brand['brand_id']}/conversions", raw=body,
         headers={"Affilink-Signature": f"t={t},v1={signature}"})
    call(client, "PUT", "/me/integrations/shopify", {"secret": "shpss_" + "s" * 20}, bearer(brand["api_key"]))
    call(client, "GET", "/me", headers={"Authorization": "Bearer afl_c_not-a-real-key"})
    # Then nothing logged holds any of them
    logged = caplog.text + "".join(json.dumps(r.__dict__, default=str) for r in caplog.records)
    logged += "".join(capsys.readouterr())
    for secret in (brand["api_key"], brand["webhook_secret"], creator["api_key"], "shpss_" + "s" * 20,
                   "afl_c_not-a-real-key", signature, ip):
        assert secret not in logged


def test_every_secret_is_compared_in_constant_time(client, monkeypatch):
    # Given every comparison of the hmac module watched
    import sys

    compared: list[str] = []
    real = hmac.compare_digest

    def compare(a, b):
        # Every module on the way to the comparison (a shared scheme compares for its caller)
        frame = sys._getframe(1)
        while frame is not None:
            compared.append(frame.f_globals["__name__"])
            frame = frame.f_back
        return real(a, b)

    monkeypatch.setattr(hmac, "compare_digest", compare)
    # When a key, a webhook signature and both platforms' signatures are checked
    brand = make_brand(client)
    call(client, "GET", "/me", headers=bearer(brand["api_key"]))
    call(client, "POST", f"/webhooks/{brand['brand_id']}/conversions", raw=b"{}",
         headers={"Affilink-Signature": f"t={int(time.time())},v1={'0' * 64}"})
    for platform, secret in (("shopify", "shpss_" + "k" * 20), ("stripe", "whsec_" + "k" * 20)):
        call(client, "PUT", f"/me/integrations/{platform}", {"secret": secret}, bearer(brand["api_key"]))
    call(client, "POST", f"/webhooks/{brand['brand_id']}/shopify", raw=b"{}",
         headers={"X-Shopify-Hmac-Sha256": "AAAA", "X-Shopify-Topic": "orders/paid"})
    call(client, "POST", f"/webhooks/{brand['brand_id']}/stripe", raw=b"{}",
         headers={"Stripe-Signature": f"t={int(time.time())},v1={'0' * 64}"})
    # Then each went through hmac.compare_digest
    assert compared.count("chalicelib.accounts.auth") >= 1
    assert "chalicelib.money.signatures" in compared
    assert "chalicelib.integrations.shopify" in compared
    assert "chalicelib.integrations.stripe_checkout" in compared
