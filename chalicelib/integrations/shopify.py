"""Shopify webhooks: `orders/paid` becomes a sale, `refunds/create` a refund, every other topic is ignored.

Signature: `X-Shopify-Hmac-Sha256` is the base64 HMAC-SHA256 of the raw body under the shop's webhook
secret. Money arrives as decimal strings in the shop currency (`"59.99"`), ids as integers.

Which fields make the commissionable amount (the contract's "merchandise after discounts, without tax
and shipping", §4), from Shopify's REST Admin API Order and Refund resources:

- Order `line_items[]`: `price` is the unit price before any discount, in the shop currency, and includes
  tax when the order's `taxes_included` is true (the shop enters prices with tax, as in the EU);
  `quantity` is the units ordered; `discount_allocations[].amount` are the discounts allocated to this
  whole line (line-level and order-level discount codes alike; a shipping discount is allocated to
  `shipping_lines`, never here); `tax_lines[].price` is the tax charged on this whole line (after its
  discounts). A line is worth `price × quantity − Σ discount_allocations.amount`, less
  `Σ tax_lines.price` when tax is included in the price; a line never counts below 0.
- Not used: `total_price` / `current_total_price` (they include shipping and tax), `subtotal_price`
  (it includes tax when `taxes_included`), `total_discounts` (already in the allocations),
  `shipping_lines` (shipping is never commissionable), `currency`'s presentment variants (`price_set`
  etc.: the plain fields are in the shop currency, which is `currency`).
- Refund `refund_line_items[]`: `subtotal` is the refunded merchandise of that line after its
  discounts, `total_tax` the tax refunded with it; `subtotal_set` / `total_tax_set` carry the same in
  `shop_money: {amount, currency_code}` (preferred: a string amount and its currency; the plain
  `subtotal` / `total_tax` are JSON numbers, read here exactly as decimals, never as floats).
  `shipping`, `refund_shipping_lines`, `order_adjustments` and `transactions` amounts are never counted.
"""
from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from decimal import Decimal
from typing import Any, Mapping, Optional, TypeGuard
from urllib.parse import parse_qsl, urlsplit

from chalicelib.base.errors import InvalidInput, Unauthorized
from chalicelib.base.money import minor_units, normalize_currency
from chalicelib.base.timeutil import parse_timestamp
from chalicelib.base.validation import MAX_ID_LENGTH, MAX_SAFE_INTEGER
from chalicelib.integrations.platform import Interpreted, Ledger, Payment, Unusable

NAME = "shopify"
SIGNATURE_HEADER = "x-shopify-hmac-sha256"
TOPIC_HEADER = "x-shopify-topic"
WEBHOOK_ID_HEADER = "x-shopify-webhook-id"
SALE_TOPIC = "orders/paid"
REFUND_TOPIC = "refunds/create"
CLICK_PARAMETER = "afl_click"  # the redirect adds it to the landing URL; a storefront may copy it to a cart attribute
_MAX_DELIVERY_ID_LENGTH = 128  # Shopify's webhook ids are UUIDs


def verify(secret: str, raw_body: bytes, headers: Mapping[str, str], now: float) -> None:
    """Return if `x-shopify-hmac-sha256` is the base64 HMAC-SHA256 of `raw_body` under `secret`; else `Unauthorized`.

    `now` is not used: Shopify signs no timestamp (replays are caught by the webhook id)."""
    header = (headers.get(SIGNATURE_HEADER) or "").strip()
    if not header:
        raise Unauthorized(f"missing {SIGNATURE_HEADER} header")
    try:
        given = base64.b64decode(header.encode("ascii"), validate=True)
    except (UnicodeEncodeError, binascii.Error):
        raise Unauthorized(f"{SIGNATURE_HEADER} is not base64") from None
    expected = hmac.new(secret.encode("utf-8"), raw_body, hashlib.sha256).digest()
    if not hmac.compare_digest(expected, given):  # constant time; a wrong length is just a mismatch
        raise Unauthorized(f"{SIGNATURE_HEADER} does not match this brand's Shopify secret")


def interpret(raw_body: bytes, headers: Mapping[str, str], ledger: Ledger) -> Interpreted:
    """The delivery as a `POST /conversions` body, None for a topic that is neither a sale nor a refund,
    or `Unusable`. Nothing but `Unusable` escapes, whatever the body. A sale leaves in the
    `ledger` whether its prices included tax, which its refunds do not say."""
    topic = (headers.get(TOPIC_HEADER) or "").strip().lower()
    if topic not in (SALE_TOPIC, REFUND_TOPIC):
        # Not read at all: a body we ignore cannot be unusable. Without a webhook id, the body's
        # hash keeps retries of the same delivery one delivery.
        return Interpreted(_delivery_id(headers, topic, hashlib.sha256(raw_body).hexdigest()[:32]), None)
    try:
        body = _parse(raw_body)
        if topic == SALE_TOPIC:
            sale = _sale(body)
            payment = Payment(
                f"order:{sale['order_id']}", sale["order_id"], sale["amount"], sale["amount"],
                taxes_included=_flag(body, "taxes_included"),
            )
            return Interpreted(_delivery_id(headers, topic, sale["order_id"]), sale, payment)
        refund = _refund(body, ledger)
        delivery_id = _delivery_id(headers, topic, refund["refund_id"])
        return Interpreted(delivery_id, refund if refund["amount"] > 0 else None)  # shipping only: ignored
    except InvalidInput as error:  # from the money and time helpers
        raise Unusable(error.message) from None


# --- the sale ------------------------------------------------------------------------------------


def _sale(order: dict[str, Any]) -> dict[str, Any]:
    currency = normalize_currency(order.get("currency"), "currency")
    taxes_included = _flag(order, "taxes_included")
    amount = 0
    for line in _list(order, "line_items"):
        line = _object(line, "line_items[]")
        quantity = line.get("quantity")
        if isinstance(quantity, bool) or not isinstance(quantity, int) or not 0 <= quantity <= MAX_SAFE_INTEGER:
            raise Unusable("line_items[].quantity must be a whole number of units")
        value = _money(line.get("price"), currency, "line_items[].price") * quantity
        value -= _sum(line, "discount_allocations", "amount", currency)
        if taxes_included:
            value -= _sum(line, "tax_lines", "price", currency)
        amount += max(value, 0)
    sale: dict[str, Any] = {
        "type": "sale",
        "order_id": _id(order, "id"),
        "amount": _bounded(amount),
        "currency": currency,
    }
    click_id = _click_id(order)
    if click_id is not None:
        sale["click_id"] = click_id
    occurred_at = _timestamp(order, "processed_at")
    if occurred_at is not None:
        sale["occurred_at"] = occurred_at
    return sale


def _click_id(order: dict[str, Any]) -> Optional[str]:
    """The `afl_click` cart attribute, else the `afl_click` parameter of the landing URL, else None.

    Both are set through the storefront (the customer can change them), so a value that cannot be a
    click id is passed over rather than parking the order: the sale is then stored unattributed."""
    attributes = order.get("note_attributes")
    if isinstance(attributes, list):
        for attribute in attributes:
            if isinstance(attribute, dict) and attribute.get("name") == CLICK_PARAMETER:
                if _is_id(attribute.get("value")):
                    return attribute["value"]
    landing_site = order.get("landing_site")
    if isinstance(landing_site, str):
        try:
            parameters = parse_qsl(urlsplit(landing_site).query)
        except ValueError:  # e.g. an unclosed "[" in the host
            return None
        values = [value for name, value in parameters if name == CLICK_PARAMETER and _is_id(value)]
        if values:
            return values[-1]  # our redirect puts afl_click last
    return None


# --- the refund ----------------------------------------------------------------------------------


def _refund(refund: dict[str, Any], ledger: Ledger) -> dict[str, Any]:
    # Tax: a refund line's `subtotal` is pre-tax in a tax-exclusive shop and includes tax in a
    # tax-inclusive one, and the Refund resource does not say which (`taxes_included` is on the
    # Order only). So the sale's delivery left the order's flag in the ledger; a delivery that
    # carries a top-level `taxes_included: true` itself is taken at its word too.
    order_id = _id(refund, "order_id")
    sale = ledger.payment(f"order:{order_id}")
    taxes_included = _flag(refund, "taxes_included") or (sale is not None and sale.taxes_included)
    fallback_currency = _transaction_currency(refund)
    amount = 0
    currencies = set()
    for line in _list(refund, "refund_line_items"):
        line = _object(line, "refund_line_items[]")
        subtotal, currency = _refund_money(line, "subtotal", fallback_currency)
        currencies.add(currency)
        if taxes_included:
            tax, tax_currency = _refund_money(line, "total_tax", fallback_currency)
            currencies.add(tax_currency)
            subtotal -= tax
        amount += max(subtotal, 0)
    if len(currencies) > 1:
        raise Unusable(f"refund_line_items are in more than one currency: {', '.join(sorted(currencies))}")
    body: dict[str, Any] = {
        "type": "refund",
        "order_id": order_id,
        "refund_id": _id(refund, "id"),
        "amount": _bounded(amount),
    }
    occurred_at = _timestamp(refund, "processed_at") or _timestamp(refund, "created_at")
    if occurred_at is not None:
        body["occurred_at"] = occurred_at
    return body


def _refund_money(line: dict[str, Any], field: str, fallback_currency: Optional[str]) -> tuple[int, str]:
    """`<field>_set.shop_money` (amount and currency) when present, else `<field>` in the transactions'
    currency; minor units and the currency."""
    money_set = line.get(f"{field}_set")
    if money_set is not None:
        shop_money = _object(_object(money_set, f"{field}_set").get("shop_money"), f"{field}_set.shop_money")
        currency = normalize_currency(shop_money.get("currency_code"), f"{field}_set.shop_money.currency_code")
        return _money(shop_money.get("amount"), currency, f"{field}_set.shop_money.amount"), currency
    if fallback_currency is None:
        raise Unusable(f"refund_line_items[].{field} has no currency (no {field}_set and no transaction currency)")
    return _money(line.get(field), fallback_currency, f"refund_line_items[].{field}"), fallback_currency


def _transaction_currency(refund: dict[str, Any]) -> Optional[str]:
    transactions = refund.get("transactions")
    if isinstance(transactions, list) and transactions and isinstance(transactions[0], dict):
        if transactions[0].get("currency") is not None:
            return normalize_currency(transactions[0]["currency"], "transactions[].currency")
    return None


# --- reading the body ----------------------------------------------------------------------------


def _parse(raw_body: bytes) -> dict[str, Any]:
    """The body as a JSON object; decimals as `Decimal` (never float); a repeated key is refused (a signed
    body must mean one thing to every parser)."""

    def no_constants(name: str) -> None:
        raise ValueError(f"{name} is not JSON")

    def no_repeats(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        body = dict(pairs)
        if len(body) != len(pairs):
            raise ValueError("a key is repeated")
        return body

    try:
        body = json.loads(raw_body, parse_float=Decimal, parse_constant=no_constants, object_pairs_hook=no_repeats)
    except (ValueError, RecursionError):  # UnicodeDecodeError and JSONDecodeError are ValueErrors
        raise Unusable("the body is not JSON (or repeats a key)") from None
    return _object(body, "the body")


def _object(value: Any, field: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise Unusable(f"{field} must be an object")
    return value


def _list(body: dict[str, Any], field: str) -> list[Any]:
    value = body.get(field)
    if not isinstance(value, list):
        raise Unusable(f"{field} must be a list")
    return value


def _flag(body: dict[str, Any], field: str) -> bool:
    value = body.get(field)
    if value is not None and not isinstance(value, bool):
        raise Unusable(f"{field} must be true or false")
    return value is True


def _money(value: Any, currency: str, field: str) -> int:
    """A Shopify money value (a decimal string, or a JSON number read as a `Decimal`) in minor units, exactly."""
    if isinstance(value, Decimal):
        value = str(value)
    return minor_units(value, currency, field)  # InvalidInput (→ Unusable) for anything else


def _sum(line: dict[str, Any], field: str, amount_field: str, currency: str) -> int:
    """Σ `<field>[].<amount_field>` of a line; a missing or null list is none."""
    entries = line.get(field)
    if entries is None:
        return 0
    if not isinstance(entries, list):
        raise Unusable(f"line_items[].{field} must be a list")
    name = f"line_items[].{field}[].{amount_field}"
    return sum(_money(_object(entry, f"line_items[].{field}[]").get(amount_field), currency, name) for entry in entries)


def _bounded(amount: int) -> int:
    if amount > MAX_SAFE_INTEGER:
        raise Unusable(f"the amount is more than the API takes ({MAX_SAFE_INTEGER} minor units)")
    return amount


def _is_id(value: Any) -> TypeGuard[str]:
    """An order, refund or click id the API takes: 1..128 characters of Unicode text."""
    if not isinstance(value, str) or not 1 <= len(value) <= MAX_ID_LENGTH:
        return False
    try:
        value.encode("utf-8")  # an unpaired surrogate ("\ud800") could be neither stored nor sent
    except UnicodeEncodeError:
        return False
    return True


def _id(body: dict[str, Any], field: str) -> str:
    """A Shopify id (an integer; a string is taken too) as the API's 1..128 character id."""
    value = body.get(field)
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not _is_id(value):
        raise Unusable(f"{field} must be an integer or a string of 1 to {MAX_ID_LENGTH} characters")
    return value


def _timestamp(body: dict[str, Any], field: str) -> Optional[str]:
    """The RFC 3339 timestamp (with its offset) as sent, or None when absent or null."""
    value = body.get(field)
    if value is None:
        return None
    parse_timestamp(value, field)  # only checked; the API reads the offset itself
    return value


def _delivery_id(headers: Mapping[str, str], topic: str, fallback: str) -> str:
    webhook_id = (headers.get(WEBHOOK_ID_HEADER) or "").strip()
    if len(webhook_id) > _MAX_DELIVERY_ID_LENGTH:
        raise Unusable(f"{WEBHOOK_ID_HEADER} is longer than {_MAX_DELIVERY_ID_LENGTH} characters")
    return f"shopify:{webhook_id}" if webhook_id else f"shopify:{topic}:{fallback}"
