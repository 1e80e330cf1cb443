"""Shopify deliveries: the signature, and orders/paid and refunds/create as the `POST /conversions` bodies
they become. Payloads are shaped like Shopify's REST Admin API webhooks (integer ids, money as decimal
strings, `*_set` money bags on refunds)."""
import base64
import copy
import hashlib
import hmac
import json
from typing import Any, Optional

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chalicelib.base.errors import Unauthorized
from chalicelib.integrations import shopify
from chalicelib.integrations.platform import Interpreted, Payment, Unusable

SECRET = "shpss_0123456789abcdef0123456789abcdef"
WEBHOOK_ID = "b54557e4-bdd9-4b37-8a5f-bf7d70bcd043"
CLICK = "Xq3kP9vT2mLw8RzA"


class FakeLedger:
    """Nothing remembered: a Shopify delivery needs no earlier one."""

    def payment(self, reference: str) -> Optional[Payment]:
        return None

    def refunded(self, order_id: str) -> Optional[int]:
        return None


LEDGER = FakeLedger()


def sign(raw: bytes, secret: str = SECRET) -> str:
    """What Shopify sends in X-Shopify-Hmac-Sha256."""
    return base64.b64encode(hmac.new(secret.encode(), raw, hashlib.sha256).digest()).decode()


def headers(topic: str, webhook_id: Optional[str] = WEBHOOK_ID, raw: bytes = b"") -> dict[str, str]:
    result = {
        "x-shopify-topic": topic,
        "x-shopify-hmac-sha256": sign(raw),
        "x-shopify-shop-domain": "maison-lumiere.myshopify.com",
        "x-shopify-api-version": "2024-07",
    }
    if webhook_id is not None:
        result["x-shopify-webhook-id"] = webhook_id
    return result


def interpret(payload: Any, topic: str = "orders/paid", webhook_id: Optional[str] = WEBHOOK_ID) -> Interpreted:
    raw = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    return shopify.interpret(raw, headers(topic, webhook_id, raw), LEDGER)


def conversion(payload: Any, topic: str = "orders/paid") -> dict[str, Any]:
    result = interpret(payload, topic).conversion
    assert result is not None
    return result


def money_set(amount: str, currency: str) -> dict[str, Any]:
    return {
        "shop_money": {"amount": amount, "currency_code": currency},
        "presentment_money": {"amount": amount, "currency_code": currency},
    }


def tax_line(price: str, rate: float, title: str) -> dict[str, Any]:
    return {"price": price, "rate": rate, "title": title, "channel_liable": False}


def line_item(
    item_id: int, title: str, price: str, quantity: int, discounts: tuple = (), taxes: tuple = (), **extra: Any
) -> dict[str, Any]:
    return {
        "id": item_id,
        "product_id": item_id + 1000,
        "variant_id": item_id + 2000,
        "title": title,
        "name": title,
        "sku": f"SKU-{item_id}",
        "price": price,
        "quantity": quantity,
        "current_quantity": quantity,
        "fulfillable_quantity": quantity,
        "taxable": True,
        "requires_shipping": True,
        "gift_card": False,
        "total_discount": "0.00",
        "discount_allocations": [
            {"amount": amount, "discount_application_index": 0} for amount in discounts
        ],
        "tax_lines": list(taxes),
        **extra,
    }


# A French shop: prices entered with 20 % VAT included, a 10 % discount code, and shipping.
FRENCH_ORDER: dict[str, Any] = {
    "id": 5612345678901,
    "admin_graphql_api_id": "gid://shopify/Order/5612345678901",
    "name": "#1042",
    "order_number": 1042,
    "email": "claire@example.fr",
    "created_at": "2026-11-20T14:02:58+01:00",
    "processed_at": "2026-11-20T14:03:12+01:00",
    "currency": "EUR",
    "presentment_currency": "EUR",
    "financial_status": "paid",
    "taxes_included": True,
    "total_price": "136.31",
    "subtotal_price": "130.41",
    "total_line_items_price": "144.90",
    "total_discounts": "14.49",
    "total_tax": "22.72",
    "discount_codes": [{"code": "BIENVENUE10", "amount": "14.49", "type": "percentage"}],
    "note_attributes": [{"name": "gift_wrap", "value": "no"}, {"name": "afl_click", "value": CLICK}],
    "landing_site": "/products/serum-eclat?utm_source=tiktok",
    "referring_site": "https://www.tiktok.com/",
    "line_items": [
        line_item(
            13001, "Sérum éclat", "60.00", 2, discounts=("12.00",), taxes=(tax_line("18.00", 0.2, "TVA"),)
        ),
        line_item(
            13002, "Crème de nuit", "24.90", 1, discounts=("2.49",), taxes=(tax_line("3.74", 0.2, "TVA"),)
        ),
    ],
    "shipping_lines": [
        {
            "id": 4100,
            "title": "Colissimo",
            "price": "5.90",
            "discounted_price": "5.90",
            "tax_lines": [tax_line("0.98", 0.2, "TVA")],
            "discount_allocations": [],
        }
    ],
}

# A US shop: prices without tax (sales tax added on top), a discount on one line, and shipping.
US_ORDER: dict[str, Any] = {
    "id": 820982911946154508,
    "name": "#2001",
    "processed_at": "2026-11-27T09:15:00-05:00",
    "currency": "USD",
    "taxes_included": False,
    "total_price": "115.17",
    "subtotal_price": "100.99",
    "total_tax": "6.68",
    "note_attributes": [],
    "landing_site": "/collections/hoodies?utm_medium=social&afl_click=" + CLICK,
    "line_items": [
        line_item(
            14001, "Hoodie", "45.00", 2, discounts=("9.00",), taxes=(tax_line("6.68", 0.0825, "CA State Tax"),)
        ),
        line_item(14002, "Cap", "19.99", 1),
    ],
    "shipping_lines": [
        {"id": 4200, "title": "UPS Ground", "price": "7.50", "tax_lines": [], "discount_allocations": []}
    ],
}


def refund_line(
    refund_line_id: int, item: dict[str, Any], quantity: int, subtotal: str, tax: str, currency: str
) -> dict[str, Any]:
    return {
        "id": refund_line_id,
        "line_item_id": item["id"],
        "quantity": quantity,
        "restock_type": "return",
        "location_id": 905684977,
        "subtotal": float(subtotal),  # Shopify sends these two as JSON numbers
        "total_tax": float(tax),
        "subtotal_set": money_set(subtotal, currency),
        "total_tax_set": money_set(tax, currency),
        "line_item": item,
    }


def refund_of(order: dict[str, Any], lines: list[dict[str, Any]], shipping: str = "0.00", **extra: Any) -> dict:
    refunded = sum(line["subtotal"] + line["total_tax"] for line in lines) + float(shipping)
    return {
        "id": 929361465,
        "order_id": order["id"],
        "admin_graphql_api_id": "gid://shopify/Refund/929361465",
        "created_at": "2026-11-28T10:00:00+01:00",
        "processed_at": "2026-11-28T10:00:02+01:00",
        "note": "Retour client",
        "restock": True,
        "user_id": 548380009,
        "refund_line_items": lines,
        "refund_shipping_lines": (
            [{"id": 1, "shipping_line_id": 4100, "subtotal_amount_set": money_set(shipping, order["currency"])}]
            if shipping != "0.00"
            else []
        ),
        "order_adjustments": [],
        "transactions": [
            {
                "id": 389404469,
                "order_id": order["id"],
                "kind": "refund",
                "gateway": "shopify_payments",
                "status": "success",
                "amount": f"{refunded:.2f}",
                "currency": order["currency"],
            }
        ],
        "duties": [],
        **extra,
    }


# --- the signature -------------------------------------------------------------------------------


def test_a_body_signed_as_shopify_signs_it_is_accepted():
    raw = json.dumps(FRENCH_ORDER).encode()
    shopify.verify(SECRET, raw, {"x-shopify-hmac-sha256": sign(raw)}, now=0.0)


@pytest.mark.parametrize(
    "signature",
    [
        pytest.param(None, id="missing"),
        pytest.param("", id="empty"),
        pytest.param("not base64 at all!", id="malformed"),
        pytest.param("%%%%", id="not-base64-alphabet"),
        pytest.param("é", id="not-ascii"),
        pytest.param(sign(b"{}", "another-secret"), id="another-secret"),
        pytest.param(sign(b"{}"), id="another-body"),
        pytest.param(hmac.new(SECRET.encode(), b"{}", hashlib.sha256).hexdigest(), id="hex-not-base64"),
        pytest.param(sign(b"{}")[:-4], id="truncated"),
    ],
)
def test_a_missing_malformed_or_wrong_signature_is_unauthorized(signature):
    raw = json.dumps(FRENCH_ORDER).encode()
    given_headers = {} if signature is None else {"x-shopify-hmac-sha256": signature}
    with pytest.raises(Unauthorized) as raised:
        shopify.verify(SECRET, raw, given_headers, now=0.0)
    assert SECRET not in raised.value.message
    assert sign(raw) not in raised.value.message


def test_a_body_changed_after_signing_is_unauthorized():
    raw = json.dumps(FRENCH_ORDER).encode()
    signature = sign(raw)
    with pytest.raises(Unauthorized):
        shopify.verify(SECRET, raw.replace(b"136.31", b"999.99"), {"x-shopify-hmac-sha256": signature}, now=0.0)


# --- sales ---------------------------------------------------------------------------------------


def test_a_french_vat_inclusive_order_earns_on_the_merchandise_alone():
    # Prices include 20 % VAT (taxes_included). Per line: price × quantity − discounts − VAT.
    #   Sérum éclat:   60.00 × 2 = 120.00 − 12.00 discount = 108.00 TTC − 18.00 VAT = 90.00
    #   Crème de nuit: 24.90 × 1 =  24.90 −  2.49 discount =  22.41 TTC −  3.74 VAT = 18.67
    # Commission base 90.00 + 18.67 = 108.67 EUR = 10867 cents; not total_price 136.31 (VAT and
    # shipping 5.90), not subtotal_price 130.41 (VAT).
    assert interpret(FRENCH_ORDER) == Interpreted(
        f"shopify:{WEBHOOK_ID}",
        {
            "type": "sale",
            "order_id": "5612345678901",
            "amount": 10867,
            "currency": "EUR",
            "click_id": CLICK,
            "occurred_at": "2026-11-20T14:03:12+01:00",
        },
        # remembered for the refunds, which do not say that the prices included tax
        Payment("order:5612345678901", "5612345678901", 10867, 10867, taxes_included=True),
    )


def test_a_tax_exclusive_usd_order_keeps_its_prices_and_drops_sales_tax_and_shipping():
    # Hoodie 45.00 × 2 − 9.00 = 81.00 (the 6.68 sales tax is on top of the price); Cap 19.99.
    # 81.00 + 19.99 = 100.99 USD = 10099 cents (total_price 115.17 has tax and 7.50 shipping).
    sale = conversion(US_ORDER)
    assert sale["amount"] == 10099
    assert sale["currency"] == "USD"
    assert sale["order_id"] == "820982911946154508"
    assert sale["occurred_at"] == "2026-11-27T09:15:00-05:00"


def test_jpy_has_no_decimals_and_converts_exactly():
    # 1980 × 3 = 5940 − 594 discount = 5346 incl. 10 % tax − 486 = 4860 yen.
    order: dict[str, Any] = {
        "id": 7001,
        "currency": "JPY",
        "taxes_included": True,
        "line_items": [line_item(1, "抹茶", "1980", 3, discounts=("594",), taxes=(tax_line("486", 0.1, "消費税"),))],
    }
    assert conversion(order)["amount"] == 4860
    order["line_items"][0]["price"] = "1980.00"  # trailing zeros are still whole yen
    assert conversion(order)["amount"] == 4860


def test_kwd_has_three_decimals_and_converts_exactly():
    # 12.345 × 2 = 24.690 − 1.234 = 23.456 KWD = 23456 fils.
    order = {
        "id": 7002,
        "currency": "KWD",
        "taxes_included": False,
        "line_items": [line_item(1, "Oud", "12.345", 2, discounts=("1.234",), taxes=(tax_line("0.000", 0, "VAT"),))],
    }
    assert conversion(order)["amount"] == 23456


def test_a_price_sent_as_a_json_number_is_read_exactly():
    # Shopify sends strings; a number is read as a decimal, never as a float (0.1 + 0.2 stays 0.30).
    lines = b'[{"price": 0.1, "quantity": 1}, {"price": 0.2, "quantity": 1}]'
    raw = b'{"id": 7005, "currency": "USD", "line_items": ' + lines + b"}"
    assert conversion(raw)["amount"] == 30


def test_a_line_never_counts_below_zero():
    order = {
        "id": 7003,
        "currency": "USD",
        "line_items": [line_item(1, "Free sample", "5.00", 1, discounts=("6.00",)), line_item(2, "Mug", "12.00", 1)],
    }
    assert conversion(order)["amount"] == 1200


def test_an_order_without_line_items_is_a_sale_of_zero():
    assert conversion({"id": 7004, "currency": "EUR", "line_items": []})["amount"] == 0


def test_the_click_id_comes_from_the_afl_click_cart_attribute_first():
    order = copy.deepcopy(FRENCH_ORDER)
    order["landing_site"] = "/?afl_click=FromTheLandingSite1"
    assert conversion(order)["click_id"] == CLICK


def test_the_click_id_comes_from_the_landing_site_when_there_is_no_cart_attribute():
    assert conversion(US_ORDER)["click_id"] == CLICK
    order = copy.deepcopy(US_ORDER)
    order["landing_site"] = f"https://maison-lumiere.fr/products/serum?afl_click={CLICK}&utm_source=tiktok#top"
    order["note_attributes"] = [{"name": "afl_click", "value": ""}]
    assert conversion(order)["click_id"] == CLICK


def test_a_click_id_that_cannot_be_one_is_passed_over():
    order = copy.deepcopy(FRENCH_ORDER)
    order["note_attributes"] = [{"name": "afl_click", "value": "x" * 129}, {"name": "afl_click", "value": 42}]
    order["landing_site"] = f"/products/serum?afl_click={'y' * 200}"
    assert "click_id" not in conversion(order)
    order["landing_site"] = f"/products/serum?afl_click={CLICK}"
    assert conversion(order)["click_id"] == CLICK


@pytest.mark.parametrize("landing_site", [None, "/products/serum?utm_source=tiktok", "", "http://[broken/?afl_click=1"])
def test_without_a_click_id_the_sale_has_none(landing_site):
    order = copy.deepcopy(US_ORDER)
    order["landing_site"] = landing_site
    order.pop("note_attributes")
    sale = conversion(order)
    assert "click_id" not in sale
    assert sale["amount"] == 10099


@pytest.mark.parametrize("processed_at", [None, "absent"])
def test_without_processed_at_the_sale_has_no_occurred_at(processed_at):
    order = copy.deepcopy(US_ORDER)
    if processed_at == "absent":
        order.pop("processed_at")
    else:
        order["processed_at"] = None
    assert "occurred_at" not in conversion(order)


def test_without_a_webhook_id_the_delivery_is_named_by_its_topic_and_order():
    assert interpret(US_ORDER, webhook_id=None).delivery_id == "shopify:orders/paid:820982911946154508"


# --- refunds -------------------------------------------------------------------------------------


def test_a_refund_of_one_line_is_its_subtotal():
    # One Sérum éclat back: 60.00 − 6.00 (its share of the discount) = 54.00, VAT 9.00 included.
    # The Refund resource does not say taxes_included, and no sale of it is in the ledger: the
    # subtotal is taken as it is.
    serum = FRENCH_ORDER["line_items"][0]
    refund = refund_of(FRENCH_ORDER, [refund_line(61001, serum, 1, "54.00", "9.00", "EUR")])
    assert interpret(refund, "refunds/create") == Interpreted(
        f"shopify:{WEBHOOK_ID}",
        {
            "type": "refund",
            "order_id": "5612345678901",
            "refund_id": "929361465",
            "amount": 5400,
            "occurred_at": "2026-11-28T10:00:02+01:00",
        },
    )


def test_a_refund_flagged_taxes_included_drops_its_tax_and_never_counts_shipping():
    # 54.00 TTC − 9.00 VAT = 45.00; the 5.90 shipping refunded with it is not counted.
    serum = FRENCH_ORDER["line_items"][0]
    refund = refund_of(
        FRENCH_ORDER, [refund_line(61001, serum, 1, "54.00", "9.00", "EUR")], shipping="5.90", taxes_included=True
    )
    assert conversion(refund, "refunds/create")["amount"] == 4500


def test_a_refund_of_an_order_whose_prices_included_tax_drops_its_tax_as_the_sale_did():
    # The sale's delivery left taxes_included in the ledger: 54.00 TTC − 9.00 VAT = 45.00
    class RememberingLedger(FakeLedger):
        def payment(self, reference: str) -> Optional[Payment]:
            return Payment(reference, "5612345678901", 10867, 10867, taxes_included=True)

    serum = FRENCH_ORDER["line_items"][0]
    refund = refund_of(FRENCH_ORDER, [refund_line(61001, serum, 1, "54.00", "9.00", "EUR")])
    raw = json.dumps(refund).encode()
    result = shopify.interpret(raw, headers("refunds/create", WEBHOOK_ID, raw), RememberingLedger())
    assert result.conversion is not None and result.conversion["amount"] == 4500


def test_a_refund_without_money_sets_uses_the_plain_numbers_in_the_transactions_currency():
    hoodie = US_ORDER["line_items"][0]
    line = refund_line(62001, hoodie, 1, "40.50", "3.34", "USD")
    del line["subtotal_set"], line["total_tax_set"]
    refund = refund_of(US_ORDER, [line])
    assert json.dumps(refund).count('"subtotal": 40.5') == 1  # a JSON number, read exactly
    assert conversion(refund, "refunds/create")["amount"] == 4050
    refund["transactions"] = []
    with pytest.raises(Unusable):
        interpret(refund, "refunds/create")


def test_a_refund_uses_created_at_when_it_has_no_processed_at():
    refund = refund_of(US_ORDER, [refund_line(62001, US_ORDER["line_items"][1], 1, "19.99", "0.00", "USD")])
    refund.pop("processed_at")
    assert conversion(refund, "refunds/create")["occurred_at"] == "2026-11-28T10:00:00+01:00"


def test_a_shipping_only_refund_is_ignored():
    refund = refund_of(FRENCH_ORDER, [], shipping="5.90")
    assert interpret(refund, "refunds/create") == Interpreted(f"shopify:{WEBHOOK_ID}", None)


def test_without_a_webhook_id_a_refund_is_named_by_its_topic_and_refund_id():
    refund = refund_of(US_ORDER, [refund_line(62001, US_ORDER["line_items"][1], 1, "19.99", "0.00", "USD")])
    assert interpret(refund, "refunds/create", webhook_id=None).delivery_id == "shopify:refunds/create:929361465"


def test_a_refund_in_two_currencies_is_unusable():
    lines = [
        refund_line(1, US_ORDER["line_items"][0], 1, "40.50", "3.34", "USD"),
        refund_line(2, US_ORDER["line_items"][1], 1, "19.99", "0.00", "CAD"),
    ]
    with pytest.raises(Unusable):
        interpret(refund_of(US_ORDER, lines), "refunds/create")


# --- other topics and unusable bodies ------------------------------------------------------------


@pytest.mark.parametrize("topic", ["orders/create", "orders/updated", "customers/create", "app/uninstalled", ""])
def test_other_topics_are_ignored_whatever_their_body(topic):
    assert interpret(FRENCH_ORDER, topic) == Interpreted(f"shopify:{WEBHOOK_ID}", None)
    assert interpret(b"not json", topic).conversion is None
    ignored = shopify.interpret(b"not json", {"x-shopify-topic": topic}, LEDGER)
    assert ignored.conversion is None and ignored.delivery_id.startswith(f"shopify:{topic}:")


def _changed(order: dict[str, Any], path: tuple, value: Any) -> dict[str, Any]:
    changed = copy.deepcopy(order)
    target = changed
    for key in path[:-1]:
        target = target[key]
    if value is KeyError:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return changed


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(b"", id="empty"),
        pytest.param(b"<html>oops</html>", id="not-json"),
        pytest.param(b"\xff\xfe{}", id="not-utf8"),
        pytest.param(b"[1, 2]", id="not-an-object"),
        pytest.param(b'{"id": 1, "id": 2, "currency": "USD", "line_items": []}', id="repeated-key"),
        pytest.param(b'{"id": 1, "currency": "USD", "line_items": [], "x": NaN}', id="nan"),
        pytest.param(_changed(FRENCH_ORDER, ("id",), KeyError), id="missing-id"),
        pytest.param(_changed(FRENCH_ORDER, ("id",), None), id="null-id"),
        pytest.param(_changed(FRENCH_ORDER, ("id",), True), id="boolean-id"),
        pytest.param(_changed(FRENCH_ORDER, ("id",), 1.5), id="float-id"),
        pytest.param(_changed(FRENCH_ORDER, ("id",), "9" * 129), id="id-too-long"),
        pytest.param(_changed(FRENCH_ORDER, ("currency",), "XYZ"), id="unknown-currency"),
        pytest.param(_changed(FRENCH_ORDER, ("currency",), KeyError), id="missing-currency"),
        pytest.param(_changed(FRENCH_ORDER, ("line_items",), KeyError), id="missing-line-items"),
        pytest.param(_changed(FRENCH_ORDER, ("line_items", 0), "Sérum"), id="line-not-an-object"),
        pytest.param(_changed(FRENCH_ORDER, ("line_items", 0, "price"), "60.001"), id="too-many-decimals"),
        pytest.param(_changed(FRENCH_ORDER, ("line_items", 0, "price"), 60.001), id="number-too-many-decimals"),
        pytest.param(_changed(FRENCH_ORDER, ("line_items", 0, "price"), "-60.00"), id="negative-price"),
        pytest.param(_changed(FRENCH_ORDER, ("line_items", 0, "price"), "soixante"), id="price-not-a-number"),
        pytest.param(_changed(FRENCH_ORDER, ("line_items", 0, "quantity"), "2"), id="quantity-a-string"),
        pytest.param(_changed(FRENCH_ORDER, ("line_items", 0, "quantity"), -1), id="negative-quantity"),
        pytest.param(
            _changed(FRENCH_ORDER, ("line_items", 0, "discount_allocations", 0, "amount"), "1.234"),
            id="discount-too-many-decimals",
        ),
        pytest.param(_changed(FRENCH_ORDER, ("line_items", 0, "tax_lines"), "18.00"), id="tax-lines-not-a-list"),
        pytest.param(_changed(FRENCH_ORDER, ("taxes_included",), "yes"), id="taxes-included-a-string"),
        pytest.param(_changed(FRENCH_ORDER, ("processed_at",), "yesterday"), id="processed-at-not-a-time"),
        pytest.param(
            _changed(FRENCH_ORDER, ("line_items", 0, "price"), "9007199254740991"), id="amount-beyond-2-53"
        ),
        pytest.param(_changed(FRENCH_ORDER, ("line_items", 0, "price"), "1e400"), id="amount-enormous"),
    ],
)
def test_an_unusable_order_raises_unusable(body):
    with pytest.raises(Unusable) as raised:
        interpret(body)
    assert raised.value.reason


def _french_refund() -> dict[str, Any]:
    return refund_of(
        FRENCH_ORDER, [refund_line(61001, FRENCH_ORDER["line_items"][0], 1, "54.00", "9.00", "EUR")]
    )


@pytest.mark.parametrize(
    "path, value",
    [
        (("id",), KeyError),
        (("order_id",), KeyError),
        (("order_id",), "o" * 129),
        (("refund_line_items",), KeyError),
        (("refund_line_items",), {"subtotal": "54.00"}),
        (("refund_line_items", 0, "subtotal_set", "shop_money", "currency_code"), "EURO"),
        (("refund_line_items", 0, "subtotal_set", "shop_money", "amount"), "54.001"),
        (("refund_line_items", 0, "subtotal_set", "shop_money"), None),
        (("refund_line_items", 0, "subtotal_set"), "54.00"),
        (("processed_at",), 1764320402),
    ],
)
def test_an_unusable_refund_raises_unusable(path, value):
    with pytest.raises(Unusable):
        interpret(_changed(_french_refund(), path, value), "refunds/create")


# --- nothing but Unusable escapes, whatever the body ---------------------------------------------

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20)
    | st.sampled_from(["12.34", "0", "1e400", "-1", "EUR", "JPY", "KWD", "2026-11-20T14:03:12+01:00", "9" * 200]),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=20,
)


def _leaf(value: st.SearchStrategy) -> st.SearchStrategy:
    """A Shopify-looking value, mostly, or anything at all."""
    return st.one_of(value, value, value, json_values)


money = _leaf(st.sampled_from(["0.00", "19.99", "1980", "12.345", "60.001", "1e2", " 5 ", "9007199254740991"]))
currencies = _leaf(st.sampled_from(["EUR", "usd", "JPY", "KWD", "XAU", "XYZ"]))
shopify_orders = st.fixed_dictionaries(
    {"id": _leaf(st.integers(0, 2**64)), "currency": currencies, "line_items": _leaf(st.lists(
        st.fixed_dictionaries({
            "price": money,
            "quantity": _leaf(st.integers(-2, 2**60)),
            "discount_allocations": _leaf(st.lists(st.fixed_dictionaries({"amount": money}), max_size=2)),
            "tax_lines": _leaf(st.lists(st.fixed_dictionaries({"price": money}), max_size=2)),
        }),
        max_size=3,
    ))},
    optional={
        "taxes_included": _leaf(st.booleans()),
        "processed_at": _leaf(st.just("2026-11-20T14:03:12+01:00")),
        "note_attributes": _leaf(st.lists(st.fixed_dictionaries({"name": _leaf(st.just("afl_click")), "value": _leaf(
            st.text(min_size=1, max_size=130))}), max_size=2)),
        "landing_site": _leaf(st.text(max_size=40).map(lambda text: "/p?afl_click=" + text)),
    },
)
money_bags = _leaf(st.fixed_dictionaries({"shop_money": _leaf(st.fixed_dictionaries(
    {"amount": money, "currency_code": currencies}))}))
shopify_refunds = st.fixed_dictionaries(
    {
        "id": _leaf(st.integers(0, 2**64)),
        "order_id": _leaf(st.integers(0, 2**64)),
        "refund_line_items": _leaf(st.lists(
            st.fixed_dictionaries(
                {},
                optional={
                    "subtotal": money, "total_tax": money, "subtotal_set": money_bags, "total_tax_set": money_bags
                },
            ),
            max_size=3,
        )),
    },
    optional={
        "taxes_included": _leaf(st.booleans()),
        "processed_at": _leaf(st.just("2026-11-28T10:00:02+01:00")),
        "created_at": json_values,
        "transactions": _leaf(st.lists(st.fixed_dictionaries({"currency": currencies}), max_size=2)),
    },
)
topics = st.sampled_from(["orders/paid", "refunds/create"])


def _only_unusable(raw: bytes, topic: str) -> None:
    try:
        result = shopify.interpret(raw, headers(topic, raw=raw), LEDGER)
    except Unusable as unusable:
        assert isinstance(unusable.reason, str) and unusable.reason
        return
    assert isinstance(result, Interpreted)
    if result.conversion is not None:
        amount = result.conversion["amount"]
        assert isinstance(amount, int) and 0 <= amount <= 9_007_199_254_740_991
        assert result.conversion["type"] == ("sale" if topic == "orders/paid" else "refund")


@settings(max_examples=300, deadline=None)
@given(st.one_of(json_values, shopify_orders, shopify_refunds), topics)
def test_any_json_body_is_a_conversion_or_unusable(body, topic):
    _only_unusable(json.dumps(body).encode(), topic)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=200), topics)
def test_any_bytes_are_a_conversion_or_unusable(raw, topic):
    _only_unusable(raw, topic)
