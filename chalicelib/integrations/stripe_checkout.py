"""Stripe Checkout webhooks: sales from completed Checkout sessions, refunds from refunded charges.

Signature (`Stripe-Signature: t=<unix>,v1=<hex>[,v1=<hex>…]`): the hex HMAC-SHA256 of `"<t>.<raw body>"`
under the endpoint secret, the whole `whsec_…` string being the key, as Stripe computes it. Any one `v1`
matching is enough (Stripe sends several while an endpoint secret is being rolled); other schemes (`v0=`)
are ignored; `t` must be within 300 s of now either way (Stripe's own library only refuses old ones).

The body is a Stripe Event: `{"id": "evt_…", "type": …, "created": <unix>, "data": {"object": {…}}}`.
- `checkout.session.completed` (and `checkout.session.async_payment_succeeded`, sent when a delayed payment
  method such as SEPA debit finally pays) → a sale whose `order_id` is the session id, once the session is paid.
- `charge.refunded` (sent on every refund, partial ones included) → a refund of the sale the charge's payment
  intent paid for, in proportion of what the customer got back.
- Anything else: ignored.
Pure: no storage access, only the `Ledger` the caller passes.
"""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Mapping, Optional

from chalicelib.base import signing
from chalicelib.base.errors import InvalidInput, Unauthorized
from chalicelib.base.money import normalize_currency, round_half_up
from chalicelib.base.timeutil import format_timestamp
from chalicelib.base.validation import MAX_ID_LENGTH, MAX_SAFE_INTEGER, parse_json_object
from chalicelib.integrations.platform import Interpreted, Ledger, Payment, Unusable

NAME = "stripe"
HEADER = "stripe-signature"  # headers arrive lower-cased
_MAX_UNIX_SECONDS = 253_402_300_799  # 9999-12-31T23:59:59Z, the last moment a datetime holds

SALE_EVENTS = ("checkout.session.completed", "checkout.session.async_payment_succeeded")
REFUND_EVENT = "charge.refunded"
# "unpaid": completed with a delayed payment method that has not paid yet; the sale comes with
# `checkout.session.async_payment_succeeded` (or never, if the payment fails).
PAID_STATUSES = ("paid", "no_payment_required")


# --- Signature ---------------------------------------------------------------------------------


def verify(secret: str, raw_body: bytes, headers: Mapping[str, str], now: float) -> None:
    """Return if `raw_body` was signed by Stripe with the endpoint `secret`; else `Unauthorized`
    (Stripe's scheme is Affilink's own: `base/signing.py`)."""
    timestamp, candidates = signing.parse_header(headers.get(HEADER), "Stripe-Signature")
    signing.check_timestamp(timestamp, now, "Stripe-Signature")
    if not signing.matches([secret], timestamp, raw_body or b"", candidates):
        raise Unauthorized("Stripe-Signature does not match the endpoint secret")


# --- Fields --------------------------------------------------------------------------------------


def _object(value: object, what: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise Unusable(f"{what} must be an object")
    return value


def _text(body: Mapping[str, Any], field: str, what: str) -> str:
    value = body.get(field)
    if not isinstance(value, str) or not 1 <= len(value) <= MAX_ID_LENGTH:
        raise Unusable(f"{what}.{field} must be a string of 1 to {MAX_ID_LENGTH} characters")
    return value


def _amount(body: Mapping[str, Any], field: str, what: str, *, required: bool = True) -> int:
    value = body.get(field)
    if value is None and not required:
        return 0
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_SAFE_INTEGER:
        raise Unusable(f"{what}.{field} must be an integer amount in minor units")
    return value


def _currency(body: Mapping[str, Any], what: str) -> str:
    try:
        return normalize_currency(body.get("currency"), f"{what}.currency")
    except InvalidInput as error:
        raise Unusable(error.message) from None


def _occurred_at(event: Mapping[str, Any]) -> str:
    created = event.get("created")
    if isinstance(created, bool) or not isinstance(created, int) or not 0 <= created <= _MAX_UNIX_SECONDS:
        raise Unusable("event.created must be unix seconds")
    return format_timestamp(datetime.fromtimestamp(created, timezone.utc))


def _click_id(session: Mapping[str, Any]) -> Optional[str]:
    # `client_reference_id` is what a shop passes to Checkout (`?client_reference_id=` on a payment link,
    # or the session's creation); `metadata.afl_click` is the fallback for shops that set metadata instead.
    reference = session.get("client_reference_id")
    if reference is not None and reference != "":
        return _text(session, "client_reference_id", "session")
    metadata = session.get("metadata")
    if metadata is None:
        return None
    click = _object(metadata, "session.metadata").get("afl_click")
    if click is None or click == "":  # Stripe metadata values are strings; "" is how a key is unset
        return None
    return _text(metadata, "afl_click", "session.metadata")


def _shipping_without_tax(session: Mapping[str, Any], details: Mapping[str, Any]) -> int:
    # `total_details.amount_tax` already holds the tax on shipping. With tax-inclusive prices (the rule in
    # the EU) the shipping rate's amount includes its tax too, so taking both out would remove the shipping
    # tax twice: `shipping_cost.amount_total − shipping_cost.amount_tax` is the shipping net of tax either way.
    # Without `shipping_cost`, `total_details.amount_shipping` (missing: no shipping).
    cost = session.get("shipping_cost")
    if cost is None:
        return _amount(details, "amount_shipping", "session.total_details", required=False)
    shipping = _object(cost, "session.shipping_cost")
    gross = _amount(shipping, "amount_total", "session.shipping_cost")
    return max(0, gross - _amount(shipping, "amount_tax", "session.shipping_cost", required=False))


# --- Events --------------------------------------------------------------------------------------


def _sale(delivery_id: str, event: Mapping[str, Any], session: Mapping[str, Any]) -> Interpreted:
    # Session fields used: `id` (the order), `payment_status`, `amount_total` (what the customer paid,
    # after discounts), `total_details.amount_tax` and the shipping (taken out: commissions are paid on
    # merchandise), `currency`, `client_reference_id` / `metadata.afl_click` (the click), and
    # `payment_intent` (what a later `charge.refunded` names).
    order_id = _text(session, "id", "session")
    status = session.get("payment_status")
    if not isinstance(status, str):
        raise Unusable("session.payment_status must be a string")
    if status not in PAID_STATUSES:
        return Interpreted(delivery_id, None)
    currency = _currency(session, "session")
    amount_total = _amount(session, "amount_total", "session")
    raw_details = session.get("total_details")
    details = {} if raw_details is None else _object(raw_details, "session.total_details")
    tax = _amount(details, "amount_tax", "session.total_details", required=False)  # all tax, shipping's too
    amount = max(0, amount_total - tax - _shipping_without_tax(session, details))
    amount_total, amount = _iso_minor(amount_total, currency), _iso_minor(amount, currency)
    sale: dict[str, Any] = {"type": "sale", "order_id": order_id, "amount": amount, "currency": currency}
    click_id = _click_id(session)
    if click_id is not None:
        sale["click_id"] = click_id
    sale["occurred_at"] = _occurred_at(event)
    payment = None
    if session.get("payment_intent") is not None:  # null for no_payment_required, and in subscription mode
        reference = _text(session, "payment_intent", "session")
        payment = Payment(reference=reference, order_id=order_id, amount_total=amount_total, commissionable=amount)
    return Interpreted(delivery_id, sale, payment)


def _refund(delivery_id: str, event: Mapping[str, Any], charge: Mapping[str, Any], ledger: Ledger) -> Interpreted:
    # Charge fields used: `id`, `payment_intent` (leads to the sale), `amount` and `amount_refunded`
    # (cumulative: all refunds of this charge so far), `currency` (checked only: a refund has none).
    charge_id = _text(charge, "id", "charge")
    intent = _text(charge, "payment_intent", "charge")
    charged = _amount(charge, "amount", "charge")
    refunded_total = _amount(charge, "amount_refunded", "charge")
    currency = _currency(charge, "charge")
    if refunded_total > charged:
        raise Unusable("charge.amount_refunded is more than charge.amount")
    occurred_at = _occurred_at(event)
    payment = ledger.payment(intent)
    if payment is None:
        raise Unusable(f"no sale for payment intent {intent}")
    already = ledger.refunded(payment.order_id)
    if already is None:
        raise Unusable(f"no conversion for order {payment.order_id}")
    # The commissionable part refunded so far, in proportion to what the customer got back (capped at the
    # sale's amount should the charge say more than the session did); only the increase is new.
    if payment.amount_total <= 0:
        return Interpreted(delivery_id, None)
    commissionable_refunded = min(
        payment.commissionable,
        round_half_up(_iso_minor(refunded_total, currency) * payment.commissionable, payment.amount_total),
    )
    increase = commissionable_refunded - already
    if increase <= 0:
        return Interpreted(delivery_id, None)
    # The cumulative amount names this state of the charge: a redelivered event makes the same refund id.
    refund_id = f"{charge_id}:{refunded_total}"
    if len(refund_id) > MAX_ID_LENGTH:
        raise Unusable(f"refund id would be more than {MAX_ID_LENGTH} characters")
    refund = {
        "type": "refund",
        "order_id": payment.order_id,
        "refund_id": refund_id,
        "amount": increase,
        "occurred_at": occurred_at,
    }
    return Interpreted(delivery_id, refund, expects_refunded=already)


# Stripe's amounts are in the currency's minor units, as ISO 4217 counts them, except for a few
# currencies Stripe keeps as two-decimal for backwards compatibility although ISO 4217 gives them
# none: the Icelandic króna (5 ISK is `amount: 500`, always a multiple of 100).
_STRIPE_FACTOR = {"ISK": 100}


def _iso_minor(amount: int, currency: str) -> int:
    factor = _STRIPE_FACTOR.get(currency, 1)
    if amount % factor:
        raise Unusable(f"a {currency} amount from Stripe must be a multiple of {factor}")
    return amount // factor


def interpret(raw_body: bytes, headers: Mapping[str, str], ledger: Ledger) -> Interpreted:
    """The Stripe event as a `POST /conversions` body, ignored (conversion None), or `Unusable`."""
    try:
        event = parse_json_object(raw_body)
    except InvalidInput as error:
        raise Unusable(error.message) from None
    delivery_id = "stripe:" + _text(event, "id", "event")
    kind = event.get("type")
    if not isinstance(kind, str):
        raise Unusable("event.type must be a string")
    if kind not in SALE_EVENTS and kind != REFUND_EVENT:
        return Interpreted(delivery_id, None)
    data = _object(event.get("data"), "event.data")
    thing = _object(data.get("object"), "event.data.object")
    if kind == REFUND_EVENT:
        return _refund(delivery_id, event, thing, ledger)
    return _sale(delivery_id, event, thing)
