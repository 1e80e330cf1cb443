"""Shop integrations through the API (§4): secrets set by the admin or the brand, Shopify's
and Stripe's webhooks as they send them, recorded as sales and refunds, replays that change
nothing, and signed deliveries that cannot be used kept whole."""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
from datetime import datetime, timedelta, timezone

import pytest

from chalicelib.storage.integrations import IntegrationRecord, IntegrationSecret
from tests.helpers import ADMIN, Stored, bearer, call, click_id_of, make_brand, make_creator, make_link, new_id

CLOCK_STARTS_AT = datetime(2026, 11, 20, 13, 0, tzinfo=timezone.utc)  # before the orders below
SHOPIFY_SECRET = "shpss_0123456789abcdef0123456789abcdef"
STRIPE_SECRET = "whsec_test_0123456789abcdefghijklmnop"


@pytest.fixture
def shop(client, clock):
    """A brand paying 10 % with Shopify and Stripe configured, a creator and their link."""
    brand = make_brand(client, allowed_domains=["shop.glow.example"])
    creator = make_creator(client)
    link = make_link(client, creator, brand)
    for platform, secret in (("shopify", SHOPIFY_SECRET), ("stripe", STRIPE_SECRET)):
        response = call(client, "PUT", f"/me/integrations/{platform}", {"secret": secret}, bearer(brand["api_key"]))
        assert response.status_code == 200, response.body
    return {"brand": brand, "creator": creator, "link": link}


def tap(client, shop, clock) -> str:
    """A click on the creator's link; the order comes ten minutes later."""
    response = client.http.get(f"/{shop['link']['code']}", headers={"User-Agent": "Mozilla/5.0 (iPhone) Mobile"})
    clock.move(timedelta(minutes=10))
    return click_id_of(response)


# --- Shopify ----------------------------------------------------------------------------------


def shopify_order(order_id: int, click_id: str | None, *, currency="EUR", taxes_included=True) -> dict:
    """A French order: two serums at 30.00 € (VAT included), 5.00 € off one of them, 4.90 € shipping."""
    return {
        "id": order_id, "admin_graphql_api_id": f"gid://shopify/Order/{order_id}", "name": "#1001",
        "currency": currency, "presentment_currency": currency, "taxes_included": taxes_included,
        "financial_status": "paid", "processed_at": "2026-11-20T14:03:12+01:00",
        "total_price": "59.90", "subtotal_price": "55.00", "total_tax": "9.17",
        "landing_site": "/products/serum?utm_source=tiktok", "note_attributes": (
            [{"name": "afl_click", "value": click_id}] if click_id else []),
        "line_items": [{
            "id": 466157049, "product_id": 632910392, "title": "Glow serum", "quantity": 2, "price": "30.00",
            "taxable": True,
            "discount_allocations": [{"amount": "5.00", "discount_application_index": 0}],
            "tax_lines": [{"title": "TVA", "rate": 0.2, "price": "9.17"}],
        }],
        "shipping_lines": [{"id": 271878346, "title": "Colissimo", "price": "4.90", "tax_lines": []}],
    }


def shopify_refund(order_id: int, refund_id: int, subtotal="25.00", tax="4.17", currency="EUR") -> dict:
    return {
        "id": refund_id, "order_id": order_id, "created_at": "2026-11-25T10:00:00+01:00",
        "processed_at": "2026-11-25T10:00:00+01:00", "note": None,
        "refund_line_items": [{
            "id": 104689539, "quantity": 1, "line_item_id": 466157049, "restock_type": "return",
            "subtotal": subtotal, "total_tax": tax,
            "subtotal_set": {"shop_money": {"amount": subtotal, "currency_code": currency},
                             "presentment_money": {"amount": subtotal, "currency_code": currency}},
            "total_tax_set": {"shop_money": {"amount": tax, "currency_code": currency},
                              "presentment_money": {"amount": tax, "currency_code": currency}},
            "line_item": {"id": 466157049, "price": "30.00", "quantity": 2, "taxable": True, "tax_lines": []},
        }],
        "transactions": [{"id": 179259969, "kind": "refund", "amount": "25.00", "currency": currency}],
    }


def send_shopify(client, brand_id: str, topic: str, payload: dict, *, secret=SHOPIFY_SECRET, delivery=None):
    raw = json.dumps(payload).encode()
    signature = base64.b64encode(hmac.new(secret.encode(), raw, hashlib.sha256).digest()).decode()
    headers = {"Content-Type": "application/json", "X-Shopify-Topic": topic, "X-Shopify-Hmac-Sha256": signature,
               "X-Shopify-Shop-Domain": "glow.myshopify.com", "X-Shopify-Webhook-Id": delivery or new_id("wh")}
    return call(client, "POST", f"/webhooks/{brand_id}/shopify", headers=headers, raw=raw)


def test_a_shopify_order_becomes_a_sale_on_the_merchandise_alone_and_its_refund_lowers_it(client, clock, shop):
    brand_id = shop["brand"]["brand_id"]
    # Given a paid French order of 2 × 30.00 € (VAT 20 % included), 5.00 € off, 4.90 € shipping
    order = shopify_order(820982911946154508, tap(client, shop, clock))
    response = send_shopify(client, brand_id, "orders/paid", order)
    # Then it is a sale of the merchandise alone: 60.00 − 5.00 − 9.17 VAT = 45.83 €, 10 % = 4.58 €
    assert response.status_code == 201, response.body
    sale = response.json
    assert (sale["order_id"], sale["amount"], sale["currency"]) == ("820982911946154508", 4583, "EUR")
    assert sale["creator_id"] == shop["creator"]["creator_id"] and sale["status"] == "pending"
    assert sale["commission"] == {"amount": 458, "currency": "EUR"}
    assert sale["occurred_at"] == "2026-11-20T13:03:12Z"
    # When one serum (25.00 € after its share of the discount, 4.17 € VAT) is refunded, five days later
    clock.set(datetime(2026, 11, 25, 9, 30, tzinfo=timezone.utc))
    refunded = send_shopify(client, brand_id, "refunds/create", shopify_refund(820982911946154508, 509562969))
    # Then 20.83 € of merchandise is refunded and the commission is on what is left
    assert refunded.status_code == 200, refunded.body
    assert refunded.json["refunded_amount"] == 2083
    assert refunded.json["commission"] == {"amount": 250, "currency": "EUR"}  # 10 % of 25.00


def test_shopify_redeliveries_and_replays_change_nothing(client, clock, shop):
    brand_id = shop["brand"]["brand_id"]
    order = shopify_order(450789469, tap(client, shop, clock))
    first = send_shopify(client, brand_id, "orders/paid", order, delivery="b54557e4-bdd9-4b37-8a5f-bf7d70bcd043")
    assert first.status_code == 201
    before = Stored()
    again = send_shopify(client, brand_id, "orders/paid", order, delivery="b54557e4-bdd9-4b37-8a5f-bf7d70bcd043")
    assert (again.status_code, again.json) == (200, {"status": "duplicate"})
    replayed = send_shopify(client, brand_id, "orders/paid", order)  # a new delivery id, the same order
    assert replayed.status_code == 200 and replayed.json["conversion_id"] == first.json["conversion_id"]
    # Nothing changed but the record that this new delivery was seen
    assert before.changes(IntegrationRecord) == {}


def test_other_shopify_topics_are_ignored(client, shop):
    before = Stored()
    response = send_shopify(client, shop["brand"]["brand_id"], "products/update", {"id": 632910392})
    assert (response.status_code, response.json) == (200, {"status": "ignored"})
    assert before.changes() == {}


def test_an_order_without_a_click_id_is_an_unattributed_conversion(client, clock, shop):
    response = send_shopify(client, shop["brand"]["brand_id"], "orders/paid", shopify_order(1001, None))
    assert response.status_code == 201
    assert response.json["status"] == "unattributed" and response.json["creator_id"] is None


@pytest.mark.parametrize("currency, price, expected", [("JPY", "1234", 1234), ("KWD", "1.005", 1005)])
def test_currencies_without_or_with_three_decimals_convert_exactly(client, shop, currency, price, expected):
    order = shopify_order(7001, None, currency=currency, taxes_included=False)
    order["line_items"][0].update(price=price, quantity=1, discount_allocations=[], tax_lines=[])
    response = send_shopify(client, shop["brand"]["brand_id"], "orders/paid", order)
    assert response.status_code == 201, response.body
    assert (response.json["amount"], response.json["currency"]) == (expected, currency)


# --- Stripe -----------------------------------------------------------------------------------


def stripe_event(kind: str, data: dict, clock, event_id: str | None = None) -> dict:
    return {"id": event_id or new_id("evt"), "object": "event", "api_version": "2024-06-20", "livemode": False,
            "created": int(clock.moment.timestamp()), "type": kind, "data": {"object": data},
            "pending_webhooks": 1, "request": {"id": None, "idempotency_key": None}}


def checkout_session(session_id: str, payment_intent: str, click_id: str | None) -> dict:
    """59.90 € paid: 45.83 € of merchandise, 9.17 € VAT, 4.90 € shipping."""
    return {"id": session_id, "object": "checkout.session", "mode": "payment", "currency": "eur",
            "amount_subtotal": 5500, "amount_total": 5990, "payment_status": "paid", "status": "complete",
            "payment_intent": payment_intent, "client_reference_id": click_id, "metadata": {},
            "total_details": {"amount_discount": 500, "amount_shipping": 490, "amount_tax": 917}}


def refunded_charge(payment_intent: str, amount_refunded: int) -> dict:
    return {"id": "ch_3PdGxo2eZvKYlo2C0", "object": "charge", "amount": 5990, "amount_captured": 5990,
            "amount_refunded": amount_refunded, "currency": "eur", "payment_intent": payment_intent,
            "refunded": amount_refunded == 5990, "status": "succeeded"}


def send_stripe(client, brand_id: str, event: dict, *, secret=STRIPE_SECRET, timestamp=None):
    raw = json.dumps(event).encode()
    t = int(timestamp if timestamp is not None else event["created"])
    v1 = hmac.new(secret.encode(), f"{t}.".encode() + raw, hashlib.sha256).hexdigest()
    headers = {"Content-Type": "application/json", "Stripe-Signature": f"t={t},v1={v1}"}
    return call(client, "POST", f"/webhooks/{brand_id}/stripe", headers=headers, raw=raw)


def test_a_stripe_checkout_becomes_a_sale_and_its_refunds_record_only_the_increase(client, clock, shop):
    brand_id = shop["brand"]["brand_id"]
    session = checkout_session(new_id("cs_test"), new_id("pi"), tap(client, shop, clock))
    sale = send_stripe(client, brand_id, stripe_event("checkout.session.completed", session, clock))
    # 5990 − 917 tax − 490 shipping = 4583 of merchandise, 10 % = 458
    assert sale.status_code == 201, sale.body
    assert (sale.json["amount"], sale.json["commission"]["amount"]) == (4583, 458)
    assert sale.json["creator_id"] == shop["creator"]["creator_id"]
    # A first refund of 29.95 € of 59.90 €: half of the merchandise, 4583 × 2995 / 5990 = 2291.5 → 2292
    first = send_stripe(client, brand_id, stripe_event("charge.refunded",
                                                       refunded_charge(session["payment_intent"], 2995), clock))
    assert first.status_code == 200, first.body
    assert first.json["refunded_amount"] == 2292
    # The whole charge refunded later: only the increase is recorded, and the sale is refunded
    full = send_stripe(client, brand_id, stripe_event("charge.refunded",
                                                      refunded_charge(session["payment_intent"], 5990), clock))
    assert (full.json["refunded_amount"], full.json["status"]) == (4583, "refunded")
    # The same event again changes nothing
    before = Stored()
    event = stripe_event("charge.refunded", refunded_charge(session["payment_intent"], 5990), clock)
    assert send_stripe(client, brand_id, event).status_code == 200
    assert before.changes() == {}


def test_a_stripe_signature_that_is_wrong_or_stale_is_401_and_writes_nothing(client, clock, shop):
    brand_id = shop["brand"]["brand_id"]
    event = stripe_event("checkout.session.completed", checkout_session(new_id("cs"), new_id("pi"), None), clock)
    before = Stored()
    assert send_stripe(client, brand_id, event, secret="whsec_not_the_one").status_code == 401
    assert send_stripe(client, brand_id, event, timestamp=clock.moment.timestamp() - 301).status_code == 401
    assert call(client, "POST", f"/webhooks/{brand_id}/stripe", raw=json.dumps(event).encode()).status_code == 401
    assert before.changes() == {}


# --- both -------------------------------------------------------------------------------------


def test_unknown_brands_and_platforms_not_configured_get_the_same_401(client, clock):
    brand = make_brand(client)  # nothing configured
    before = Stored()
    order = shopify_order(1, None)
    assert send_shopify(client, brand["brand_id"], "orders/paid", order).status_code == 401
    assert send_shopify(client, "br_nobody", "orders/paid", order).status_code == 401
    assert send_shopify(client, "x" * 300, "orders/paid", order).status_code == 401
    assert before.changes() == {}


def test_a_signed_delivery_that_cannot_be_used_is_parked_whole_for_admins(empty_tables, client, clock, shop):
    brand_id = shop["brand"]["brand_id"]
    # Given a signed Shopify order in a currency that does not exist, and a refund of an order never seen
    bad = shopify_order(3003, None, currency="XYZ")
    parked = send_shopify(client, brand_id, "orders/paid", bad, delivery="parked-delivery-1")
    clock.move(timedelta(seconds=1))
    orphan = send_shopify(client, brand_id, "refunds/create", shopify_refund(999999, 1), delivery="parked-2")
    # Then both are answered 202 and kept, with the body as it came
    assert parked.status_code == 202 and parked.json["status"] == "parked"
    assert orphan.status_code == 202
    again = send_shopify(client, brand_id, "orders/paid", bad, delivery="parked-delivery-1")
    assert again.status_code == 202
    listed = call(client, "GET", "/admin/parked-deliveries", headers=ADMIN).json
    assert [item["delivery_id"] for item in listed["items"]] == [
        f"{brand_id}#shopify:parked-2", f"{brand_id}#shopify:parked-delivery-1"]
    assert json.loads(listed["items"][1]["body"]) == bad
    assert listed["items"][1]["headers"]["x-shopify-topic"] == "orders/paid"
    assert call(client, "GET", "/admin/parked-deliveries", headers=bearer(shop["brand"]["api_key"])).status_code == 403


def test_secrets_are_set_by_admin_or_brand_and_never_shown_back(client, caplog):
    brand = make_brand(client)
    secret = "shpss_" + new_id("s")
    response = call(client, "PUT", f"/brands/{brand['brand_id']}/integrations/shopify", {"secret": secret}, ADMIN)
    assert response.json == {"platform": "shopify", "configured": True,
                             "webhook_url": f"https://afl.test/webhooks/{brand['brand_id']}/shopify"}
    assert secret not in json.dumps(call(client, "GET", "/me", headers=bearer(brand["api_key"])).json)
    assert secret not in caplog.text
    assert IntegrationSecret.get(brand["brand_id"], "shopify").secret == secret


@pytest.mark.parametrize(
    "platform, body, status",
    [("paypal", {"secret": "x" * 20}, 404), ("shopify", {"secret": "short"}, 400), ("shopify", {}, 400),
     ("shopify", {"secret": "a" * 20, "extra": 1}, 400), ("stripe", {"secret": "whsec_\u0000abcdefgh"}, 400),
     ("stripe", {"secret": 12345678}, 400)],
)
def test_bad_integration_secrets_are_refused_and_write_nothing(client, platform, body, status):
    brand = make_brand(client)
    before = Stored()
    response = call(client, "PUT", f"/me/integrations/{platform}", body, bearer(brand["api_key"]))
    assert response.status_code == status
    assert before.changes() == {}


def test_only_the_brand_itself_or_the_admin_sets_its_secrets(client):
    brand = make_brand(client)
    creator = make_creator(client)
    body = {"secret": "whsec_" + new_id("s")}
    assert call(client, "PUT", "/me/integrations/stripe", body, bearer(creator["api_key"])).status_code == 403
    other = make_brand(client)
    forbidden = call(client, "PUT", f"/brands/{brand['brand_id']}/integrations/stripe", body,
                     bearer(other["api_key"]))
    assert forbidden.status_code == 403


def test_two_stripe_refunds_of_one_charge_at_once_record_what_was_refunded_once(client, clock, shop):
    brand_id = shop["brand"]["brand_id"]
    session = checkout_session(new_id("cs_test"), new_id("pi"), tap(client, shop, clock))
    assert send_stripe(client, brand_id, stripe_event("checkout.session.completed", session, clock)).status_code == 201
    # When Stripe delivers the half refund and the full refund of the charge at the same moment
    events = [stripe_event("charge.refunded", refunded_charge(session["payment_intent"], cumulative), clock)
              for cumulative in (2995, 5990)]
    answers = _deliver_at_once(client, brand_id, events)
    # Then whatever their order, the whole merchandise is refunded once and nothing is parked
    assert sorted(answers) == [200, 200]
    order = call(client, "GET", "/me/conversions", headers=bearer(shop["brand"]["api_key"])).json["items"][0]
    assert (order["refunded_amount"], order["status"]) == (4583, "refunded")


def test_two_partial_stripe_refunds_at_once_take_back_only_what_was_refunded(client, clock, shop):
    brand_id = shop["brand"]["brand_id"]
    for _ in range(6):  # several rounds: the two deliveries must meet at least once for the test to mean anything
        session = checkout_session(new_id("cs_test"), new_id("pi"), tap(client, shop, clock))
        sale = send_stripe(client, brand_id, stripe_event("checkout.session.completed", session, clock))
        assert sale.status_code == 201
        # When 10.00 € and then 20.00 € in all are refunded, delivered at the same moment
        events = [stripe_event("charge.refunded", refunded_charge(session["payment_intent"], cumulative), clock)
                  for cumulative in (1000, 2000)]
        answers = _deliver_at_once(client, brand_id, events)
        # Then the sale has 20.00 € of 59.90 € refunded, in proportion: 4583 × 2000 / 5990 = 1530.2 → 1530
        assert sorted(answers) == [200, 200]
        [order] = [item for item in call(client, "GET", "/me/conversions?limit=100",
                                         headers=bearer(shop["brand"]["api_key"])).json["items"]
                   if item["order_id"] == session["id"]]
        assert order["refunded_amount"] == 1530


def _deliver_at_once(client, brand_id: str, events: list[dict]) -> list[int]:
    """Send the Stripe events from as many threads released together; their statuses."""
    import threading

    start, answers = threading.Barrier(len(events)), []

    def deliver(event):
        start.wait()
        answers.append(send_stripe(client, brand_id, event).status_code)

    threads = [threading.Thread(target=deliver, args=(event,)) for event in events]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return answers



def test_the_webhook_urls_name_the_api_s_address_when_it_is_configured(client, brand, monkeypatch):
    # (In AWS the short-link domain is CloudFront in front of the tap function: it serves only taps.)
    from chalicelib.base import config

    monkeypatch.setenv("AFFILINK_API_BASE_URL", "https://api.glow.example/")
    config.reset()
    answer = call(client, "PUT", "/me/integrations/shopify", {"secret": "shpss_0123456789abcdef"},
                  bearer(brand["api_key"]))
    assert answer.status_code == 200, answer.body
    assert answer.json["webhook_url"] == f"https://api.glow.example/webhooks/{brand['brand_id']}/shopify"
