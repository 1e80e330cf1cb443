"""Stripe Checkout webhooks: Stripe's signature scheme (checked against the official `stripe` library),
Checkout sessions as sales, refunded charges as proportional refunds, and nothing but `Unusable` for
whatever a body holds."""
from __future__ import annotations

import hashlib
import hmac
import json
import time
from typing import Any, Optional

import pytest
import stripe
from hypothesis import given, settings
from hypothesis import strategies as st

from chalicelib.base.errors import Unauthorized
from chalicelib.integrations import stripe_checkout
from chalicelib.integrations.platform import Interpreted, Payment, Unusable

SECRET = "whsec_test_5f1c0a9e2b7d4c3a8e6f1b0d9c2a7e4f"
NOW = 1_764_151_200  # 2025-11-26T10:00:00Z
CREATED = 1_764_151_140  # 2025-11-26T09:59:00Z
CREATED_AT = "2025-11-26T09:59:00Z"


# --- Stripe's side -------------------------------------------------------------------------------


def stripe_v1(secret: str, timestamp: int, body: bytes) -> str:
    """As Stripe signs: hex HMAC-SHA256 of "<t>.<body>", keyed by the whole whsec_ string."""
    return hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()


def stripe_header(body: bytes, timestamp: int = NOW, secret: str = SECRET) -> dict[str, str]:
    return {"stripe-signature": f"t={timestamp},v1={stripe_v1(secret, timestamp, body)}"}


def event(kind: str, obj: dict[str, Any], event_id: str = "evt_1QkLmN2eZvKYlo2C0aBcDeFg") -> bytes:
    return json.dumps(
        {
            "id": event_id,
            "object": "event",
            "api_version": "2024-06-20",
            "created": CREATED,
            "livemode": False,
            "pending_webhooks": 1,
            "request": {"id": None, "idempotency_key": None},
            "type": kind,
            "data": {"object": obj},
        },
        ensure_ascii=False,
    ).encode("utf-8")


def session(**fields: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "id": "cs_test_a1B2c3D4e5F6g7H8i9J0kLmNoPqRsTuVwXyZ",
        "object": "checkout.session",
        "mode": "payment",
        "status": "complete",
        "payment_status": "paid",
        "payment_intent": "pi_3QkLmN2eZvKYlo2C1xYzAbCd",
        "client_reference_id": None,
        "metadata": {},
        "currency": "usd",
        "amount_subtotal": 1000,
        "amount_total": 1000,
        "total_details": {"amount_discount": 0, "amount_shipping": 0, "amount_tax": 0},
        "customer_details": {"email": "client@example.com", "address": {"country": "US"}},
        "livemode": False,
    }
    base.update(fields)
    return base


def charge(**fields: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "id": "ch_3QkLmN2eZvKYlo2C1aBcDeFg",
        "object": "charge",
        "amount": 1000,
        "amount_captured": 1000,
        "amount_refunded": 0,
        "refunded": False,
        "captured": True,
        "paid": True,
        "status": "succeeded",
        "currency": "usd",
        "payment_intent": "pi_3QkLmN2eZvKYlo2C1xYzAbCd",
        "livemode": False,
    }
    base.update(fields)
    base["refunded"] = base["amount_refunded"] == base["amount"]
    return base


class FakeLedger:
    """Payments remembered by reference; `refunded_amount` of conversions by order id."""

    def __init__(self, payments: tuple[Payment, ...] = (), refunded: Optional[dict[str, int]] = None):
        self.payments = {payment.reference: payment for payment in payments}
        self.refunds = dict(refunded or {})

    def payment(self, reference: str) -> Optional[Payment]:
        return self.payments.get(reference)

    def refunded(self, order_id: str) -> Optional[int]:
        return self.refunds.get(order_id)

    def record(self, interpreted: Interpreted) -> None:
        """What recording the conversion does to `refunded_amount`."""
        body = interpreted.conversion
        assert body is not None
        if body["type"] == "sale":
            self.refunds.setdefault(body["order_id"], 0)
        else:
            self.refunds[body["order_id"]] += body["amount"]
        if interpreted.payment is not None:
            self.payments[interpreted.payment.reference] = interpreted.payment


def interpret(body: bytes, ledger: Optional[FakeLedger] = None) -> Interpreted:
    return stripe_checkout.interpret(body, stripe_header(body), ledger or FakeLedger())


# --- Signature -----------------------------------------------------------------------------------

BODY = event("checkout.session.completed", session(client_reference_id="clk_Zk3pQ9"))


def test_a_stripe_signature_verifies():
    stripe_checkout.verify(SECRET, BODY, stripe_header(BODY), NOW)


def test_any_one_of_several_v1_is_enough_and_other_schemes_are_ignored():
    good = stripe_v1(SECRET, NOW, BODY)
    old_secret = stripe_v1("whsec_the_one_before", NOW, BODY)
    header = f"t={NOW},v0={'0' * 64},v1={old_secret},v1={good}"
    stripe_checkout.verify(SECRET, BODY, {"stripe-signature": header}, NOW)


def test_a_wrong_secret_is_refused_without_telling_the_secret_or_the_expected_value():
    headers = stripe_header(BODY, secret="whsec_someone_else")
    with pytest.raises(Unauthorized) as refused:
        stripe_checkout.verify(SECRET, BODY, headers, NOW)
    assert SECRET not in str(refused.value) and stripe_v1(SECRET, NOW, BODY) not in str(refused.value)


def test_a_changed_body_is_refused():
    with pytest.raises(Unauthorized):
        stripe_checkout.verify(SECRET, BODY + b" ", stripe_header(BODY), NOW)


@pytest.mark.parametrize("offset", [-301, 301, -3600, 86_400])
def test_a_timestamp_more_than_300_s_away_either_way_is_refused(offset: int):
    headers = stripe_header(BODY, timestamp=NOW + offset)
    with pytest.raises(Unauthorized):
        stripe_checkout.verify(SECRET, BODY, headers, NOW)


@pytest.mark.parametrize("offset", [-300, 0, 300])
def test_a_timestamp_within_300_s_is_accepted(offset: int):
    stripe_checkout.verify(SECRET, BODY, stripe_header(BODY, timestamp=NOW + offset), NOW)


def test_now_is_a_float_and_300_5_s_is_too_far():
    stripe_checkout.verify(SECRET, BODY, stripe_header(BODY, timestamp=NOW), NOW + 299.9)
    with pytest.raises(Unauthorized):
        stripe_checkout.verify(SECRET, BODY, stripe_header(BODY, timestamp=NOW - 300), NOW + 0.5)


def test_a_missing_header_is_refused():
    for headers in ({}, {"stripe-signature": ""}, {"affilink-signature": stripe_header(BODY)["stripe-signature"]}):
        with pytest.raises(Unauthorized):
            stripe_checkout.verify(SECRET, BODY, headers, NOW)


@pytest.mark.parametrize(
    "header",
    [
        "garbage",
        f"v1={stripe_v1(SECRET, NOW, BODY)}",  # no t
        f"t={NOW}",  # no v1
        f"t={NOW},v0={stripe_v1(SECRET, NOW, BODY)}",  # only another scheme
        f"t=soon,v1={stripe_v1(SECRET, NOW, BODY)}",
        f"t=-{NOW},v1={stripe_v1(SECRET, NOW, BODY)}",
        f"t={NOW},t={NOW},v1={stripe_v1(SECRET, NOW, BODY)}",
        f"t={NOW},v1={stripe_v1(SECRET, NOW, BODY)[:63]}",  # not 64 hex digits
        f"t={NOW},v1={stripe_v1(SECRET, NOW, BODY)}00",
        f"t={NOW};v1={stripe_v1(SECRET, NOW, BODY)}",
        f"t={NOW}0000000000,v1={stripe_v1(SECRET, NOW, BODY)}",
    ],
)
def test_a_malformed_header_is_refused(header: str):
    with pytest.raises(Unauthorized):
        stripe_checkout.verify(SECRET, BODY, {"stripe-signature": header}, NOW)


def test_an_empty_secret_verifies_nothing():
    with pytest.raises(Unauthorized):
        stripe_checkout.verify("", BODY, stripe_header(BODY, secret=""), NOW)


def test_the_official_stripe_library_agrees_with_the_headers_and_with_us():
    body = event("checkout.session.completed", session(metadata={"note": "Carnet en lin écru"}))
    moment = int(time.time())  # the library checks its tolerance against the real clock
    ours = stripe_header(body, timestamp=moment)["stripe-signature"]
    assert stripe.WebhookSignature.verify_header(body, ours, SECRET, 300)
    several = f"t={moment},v1={stripe_v1('whsec_old', moment, body)},v1={stripe_v1(SECRET, moment, body)}"
    assert stripe.WebhookSignature.verify_header(body, several, SECRET, 300)
    theirs = stripe.WebhookSignature.generate_signature_header(body.decode("utf-8"), SECRET, moment)
    stripe_checkout.verify(SECRET, body, {"stripe-signature": theirs}, time.time())
    with pytest.raises(stripe.SignatureVerificationError):  # and both refuse another secret's
        stripe.WebhookSignature.verify_header(body, stripe_header(body, moment, "whsec_x")["stripe-signature"],
                                              SECRET, 300)


# --- Sales ---------------------------------------------------------------------------------------


def test_a_french_checkout_pays_commission_on_the_merchandise_alone():
    # Prices include French VAT (20 %), computed by Stripe Tax:
    #   2 × carnet à 49,90 € TTC = 99,80 €  (amount_subtotal 9980)
    #   coupon −10,00 €                     (amount_discount 1000)  → merchandise TTC 8980
    #   Colissimo 5,90 € TTC                (shipping 590, of which VAT 590 × 20/120 = 98,33 → 98)
    #   VAT on merchandise 8980 × 20/120 = 1496,67 → 1497; amount_tax = 1497 + 98 = 1595
    #   amount_total = 8980 + 590 = 9570
    # Commission base: merchandise without VAT = 8980 − 1497 = 7483
    #   = amount_total − amount_tax − shipping net of its VAT = 9570 − 1595 − (590 − 98).
    french = session(
        id="cs_live_b1FrAnCe0001",
        currency="eur",
        amount_subtotal=9980,
        amount_total=9570,
        total_details={"amount_discount": 1000, "amount_shipping": 590, "amount_tax": 1595},
        shipping_cost={"amount_subtotal": 590, "amount_tax": 98, "amount_total": 590, "shipping_rate": "shr_1"},
        customer_details={"email": "camille@example.fr", "address": {"country": "FR"}},
        client_reference_id="clk_Paris75011",
        payment_intent="pi_3FrAnCe",
    )
    interpreted = interpret(event("checkout.session.completed", french, event_id="evt_1FrAnCe"))
    assert interpreted == Interpreted(
        "stripe:evt_1FrAnCe",
        {
            "type": "sale",
            "order_id": "cs_live_b1FrAnCe0001",
            "click_id": "clk_Paris75011",
            "amount": 7483,
            "currency": "EUR",
            "occurred_at": CREATED_AT,
        },
        Payment(reference="pi_3FrAnCe", order_id="cs_live_b1FrAnCe0001", amount_total=9570, commissionable=7483),
    )


def test_tax_exclusive_prices_take_out_tax_and_shipping():
    # A US order: 50,00 $ of goods, −5,00 $ discount, 7,00 $ shipping (untaxed),
    # sales tax 8.875 % of 45,00 $ = 3,99375 → 399; amount_total = 4500 + 700 + 399 = 5599.
    # Base: 5599 − 399 − 700 = 4500 (from total_details alone, and the same with shipping_cost).
    details = {"amount_discount": 500, "amount_shipping": 700, "amount_tax": 399}
    without_cost = session(amount_subtotal=5000, amount_total=5599, total_details=details)
    with_cost = dict(without_cost, shipping_cost={"amount_subtotal": 700, "amount_tax": 0, "amount_total": 700})
    for obj in (without_cost, with_cost):
        sale = interpret(event("checkout.session.completed", obj)).conversion
        assert sale is not None and sale["amount"] == 4500 and sale["currency"] == "USD"


def test_jpy_amounts_are_whole_yen_exactly():
    # ¥12,800 tax included (10 %: 12800 / 11 = 1163.6 → Stripe says 1164), no shipping: base 11636 yen.
    obj = session(currency="jpy", amount_subtotal=12800, amount_total=12800,
                  total_details={"amount_discount": 0, "amount_shipping": 0, "amount_tax": 1164})
    sale = interpret(event("checkout.session.completed", obj)).conversion
    assert sale is not None and (sale["amount"], sale["currency"]) == (11636, "JPY")


def test_kwd_amounts_are_fils_exactly():
    # 12.345 KD = 12345 fils (three decimals), shipping 1.500 KD, no VAT in Kuwait: base 10845 fils.
    obj = session(currency="kwd", amount_subtotal=10845, amount_total=12345,
                  total_details={"amount_discount": 0, "amount_shipping": 1500, "amount_tax": 0})
    sale = interpret(event("checkout.session.completed", obj)).conversion
    assert sale is not None and (sale["amount"], sale["currency"]) == (10845, "KWD")


def test_missing_total_details_parts_count_zero_and_the_base_never_goes_below_zero():
    for details, expected in (
        (None, 1000),
        ({}, 1000),
        ({"amount_discount": 0, "amount_shipping": None, "amount_tax": 100}, 900),
        ({"amount_shipping": 700, "amount_tax": 400}, 0),  # 1000 − 400 − 700 < 0
    ):
        obj = session(total_details=details)
        if details is None:
            del obj["total_details"]
        sale = interpret(event("checkout.session.completed", obj)).conversion
        assert sale is not None and sale["amount"] == expected


def test_the_click_id_comes_from_client_reference_id_first_then_metadata():
    cases = (
        ({"client_reference_id": "clk_ref", "metadata": {"afl_click": "clk_meta"}}, "clk_ref"),
        ({"client_reference_id": None, "metadata": {"afl_click": "clk_meta"}}, "clk_meta"),
        ({"client_reference_id": "", "metadata": {"afl_click": "clk_meta"}}, "clk_meta"),
        ({"client_reference_id": None, "metadata": {"order_note": "gift"}}, None),
        ({"client_reference_id": None, "metadata": {"afl_click": ""}}, None),
        ({"client_reference_id": None, "metadata": None}, None),
    )
    for fields, expected in cases:
        sale = interpret(event("checkout.session.completed", session(**fields))).conversion
        assert sale is not None
        assert sale.get("click_id") == expected
        assert ("click_id" in sale) == (expected is not None)


def test_an_unpaid_session_is_ignored_and_a_session_without_payment_is_a_sale():
    unpaid = interpret(event("checkout.session.completed", session(payment_status="unpaid"), event_id="evt_u"))
    assert unpaid == Interpreted("stripe:evt_u", None)
    free = session(payment_status="no_payment_required", payment_intent=None, amount_subtotal=1000,
                   amount_total=0, total_details={"amount_discount": 1000, "amount_shipping": 0, "amount_tax": 0})
    interpreted = interpret(event("checkout.session.completed", free))
    assert interpreted.conversion is not None and interpreted.conversion["amount"] == 0
    assert interpreted.payment is None  # no payment intent: nothing a refund could name


def test_a_delayed_payment_that_succeeds_becomes_the_same_sale():
    completed = interpret(event("checkout.session.completed", session(payment_status="unpaid"), "evt_a"))
    succeeded = interpret(event("checkout.session.async_payment_succeeded", session(), "evt_b"))
    assert completed.conversion is None
    assert succeeded.conversion is not None and succeeded.conversion["order_id"] == session()["id"]
    assert succeeded.payment is not None


def test_other_event_types_are_ignored():
    for kind, obj in (
        ("checkout.session.expired", session(payment_status="unpaid")),
        ("checkout.session.async_payment_failed", session(payment_status="unpaid")),
        ("payment_intent.succeeded", {"id": "pi_1", "object": "payment_intent", "amount": 1000}),
        ("charge.succeeded", charge()),
        ("customer.created", {"id": "cus_1", "object": "customer"}),
    ):
        assert interpret(event(kind, obj, event_id="evt_other")) == Interpreted("stripe:evt_other", None)


@pytest.mark.parametrize(
    "fields",
    [
        {"currency": "xyz"},
        {"currency": None},
        {"amount_total": 10.5},
        {"amount_total": -1},
        {"amount_total": True},
        {"amount_total": 9_007_199_254_740_992},
        {"amount_total": "1000"},
        {"total_details": {"amount_tax": "100"}},
        {"total_details": []},
        {"shipping_cost": {"amount_total": None}},
        {"id": "cs_" + "x" * 126},
        {"id": None},
        {"client_reference_id": "c" * 129},
        {"client_reference_id": 42},
        {"metadata": "afl_click"},
        {"payment_status": None},
        {"payment_intent": {"id": "pi_expanded"}},
    ],
)
def test_a_session_that_cannot_be_used_is_unusable(fields: dict[str, Any]):
    with pytest.raises(Unusable):
        interpret(event("checkout.session.completed", session(**fields)))


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"not json",
        b"[1, 2]",
        b'{"id": "evt_1", "type": "checkout.session.completed"}',
        b'{"id": "evt_1", "type": "checkout.session.completed", "data": {"object": []}}',
        b'{"type": "checkout.session.completed", "data": {"object": {}}}',
        b'{"id": "evt_1", "type": 7}',
        b'{"id": "evt_1", "id": "evt_2", "type": "customer.created"}',
        b"\xff\xfe",
        event("checkout.session.completed", session()).replace(str(CREATED).encode(), b"1e9"),
        event("checkout.session.completed", session()).replace(str(CREATED).encode(), b"99999999999999"),
    ],
)
def test_a_body_that_is_not_a_stripe_event_is_unusable(body: bytes):
    with pytest.raises(Unusable):
        interpret(body)


# --- Refunds -------------------------------------------------------------------------------------

# A 10,00 $ order with 1,99 $ shipping: commissionable 801 of amount_total 1000.
SALE = Payment(reference="pi_refunds", order_id="cs_test_refunds", amount_total=1000, commissionable=801)


def refunded(amount_refunded: int, event_id: str = "evt_r", **fields: Any) -> bytes:
    fields.setdefault("payment_intent", SALE.reference)
    return event("charge.refunded", charge(id="ch_refunds", amount_refunded=amount_refunded, **fields), event_id)


def test_a_partial_refund_is_in_proportion_rounded_half_up():
    # 500 of 1000 refunded: 500 × 801 / 1000 = 400.5 → 401 (half up; half-even would say 400).
    ledger = FakeLedger((SALE,), {SALE.order_id: 0})
    assert interpret(refunded(500, "evt_r1"), ledger) == Interpreted(
        "stripe:evt_r1",
        {"type": "refund", "order_id": "cs_test_refunds", "refund_id": "ch_refunds:500", "amount": 401,
         "occurred_at": CREATED_AT},
        expects_refunded=0,  # recorded only if nothing was refunded meanwhile
    )


def test_a_second_partial_refund_records_only_the_increase_and_all_of_it_adds_up_to_the_sale():
    ledger = FakeLedger((SALE,), {SALE.order_id: 0})
    first = interpret(refunded(500, "evt_r1"), ledger)  # 400.5 → 401
    ledger.record(first)
    # 750 refunded in all: 750 × 801 / 1000 = 600.75 → 601; 401 already recorded → 200.
    second = interpret(refunded(750, "evt_r2"), ledger)
    assert second.conversion is not None
    assert (second.conversion["refund_id"], second.conversion["amount"]) == ("ch_refunds:750", 200)
    ledger.record(second)
    # All of it: 1000 × 801 / 1000 = 801; 601 already → 200; the refunds add up to the sale's 801.
    last = interpret(refunded(1000, "evt_r3"), ledger)
    assert last.conversion is not None and last.conversion["amount"] == 200
    ledger.record(last)
    assert ledger.refunded(SALE.order_id) == 801


def test_the_french_refund_is_in_proportion_of_the_amount_paid():
    # 25,00 € of the 95,70 € paid: 2500 × 7483 / 9570 = 1954.86 → 1955.
    sale = Payment("pi_3FrAnCe", "cs_live_b1FrAnCe0001", amount_total=9570, commissionable=7483)
    body = event("charge.refunded", charge(id="ch_fr", amount=9570, amount_refunded=2500, currency="eur",
                                           payment_intent="pi_3FrAnCe"))
    refund = interpret(body, FakeLedger((sale,), {sale.order_id: 0})).conversion
    assert refund is not None and (refund["amount"], refund["refund_id"]) == (1955, "ch_fr:2500")


def test_a_redelivered_refund_event_makes_the_same_refund_and_once_recorded_nothing():
    ledger = FakeLedger((SALE,), {SALE.order_id: 0})
    first = interpret(refunded(500, "evt_r1"), ledger)
    again = interpret(refunded(500, "evt_r1"), ledger)  # redelivered before the first was recorded
    assert first == again and first.conversion is not None and first.conversion["refund_id"] == "ch_refunds:500"
    ledger.record(first)
    assert interpret(refunded(500, "evt_r1"), ledger).conversion is None  # nothing new


def test_an_older_refund_state_arriving_late_changes_nothing():
    ledger = FakeLedger((SALE,), {SALE.order_id: 0})
    ledger.record(interpret(refunded(750, "evt_r2"), ledger))  # 601
    assert interpret(refunded(500, "evt_r1"), ledger) == Interpreted("stripe:evt_r1", None)


def test_a_refund_with_an_unknown_payment_intent_is_unusable():
    with pytest.raises(Unusable) as unusable:
        interpret(refunded(500, payment_intent="pi_never_seen"), FakeLedger((SALE,), {SALE.order_id: 0}))
    assert "pi_never_seen" in unusable.value.reason


def test_a_refund_whose_conversion_is_gone_is_unusable():
    with pytest.raises(Unusable):
        interpret(refunded(500), FakeLedger((SALE,), {}))


def test_a_refund_of_a_sale_without_commissionable_amount_is_ignored():
    free = Payment("pi_refunds", "cs_test_refunds", amount_total=1000, commissionable=0)
    assert interpret(refunded(1000), FakeLedger((free,), {free.order_id: 0})).conversion is None


@pytest.mark.parametrize(
    "fields",
    [
        {"payment_intent": None},
        {"amount_refunded": 1001},
        {"amount_refunded": -5},
        {"amount_refunded": 500.0},
        {"amount_refunded": False},
        {"amount": "1000"},
        {"currency": "usdollar"},
        {"id": 12},
    ],
)
def test_a_charge_that_cannot_be_used_is_unusable(fields: dict[str, Any]):
    obj = charge(id="ch_refunds", payment_intent=SALE.reference, amount_refunded=500)
    obj.update(fields)
    with pytest.raises(Unusable):
        interpret(event("charge.refunded", obj), FakeLedger((SALE,), {SALE.order_id: 0}))


# --- Properties ----------------------------------------------------------------------------------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=20,
)
# Real-looking sessions and charges with any of their fields replaced by odd values, valid ones included.
odd_values = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-2, max_value=2**60), st.floats(allow_nan=False),
    st.sampled_from(["", "eur", "JPY", "xxx", "paid", "unpaid", "pi_refunds", "x" * 129, "\u00e9"]),
    st.dictionaries(st.sampled_from(["amount_tax", "amount_shipping", "amount_total", "afl_click"]),
                    st.none() | st.integers(min_value=-1, max_value=5000) | st.text(max_size=3), max_size=3),
    st.lists(st.integers(), max_size=2),
)


def _mutated(base: dict[str, Any]) -> st.SearchStrategy[dict[str, Any]]:
    changes = st.dictionaries(st.sampled_from(sorted(base) + ["shipping_cost", "total_details"]), odd_values,
                              max_size=4)
    removals = st.sets(st.sampled_from(sorted(base)), max_size=2)
    return st.builds(lambda change, drop: {k: v for k, v in {**base, **change}.items() if k not in drop},
                     changes, removals)


stripe_like = st.one_of(
    st.tuples(st.sampled_from(["checkout.session.completed", "checkout.session.async_payment_succeeded"]),
              _mutated(session(payment_intent=SALE.reference, client_reference_id="clk_1"))),
    st.tuples(st.just("charge.refunded"), _mutated(charge(payment_intent=SALE.reference, amount_refunded=500))),
)


def _never_raises_but_unusable(body: bytes) -> None:
    ledger = FakeLedger((SALE,), {SALE.order_id: 0})
    try:
        result = stripe_checkout.interpret(body, {}, ledger)
    except Unusable as unusable:
        assert unusable.reason
        return
    assert isinstance(result, Interpreted)
    if result.conversion is not None:
        assert result.conversion["amount"] >= 0


@settings(max_examples=300, deadline=None)
@given(json_values)
def test_any_json_body_is_interpreted_or_unusable(value: object):
    _never_raises_but_unusable(json.dumps(value).encode())


@settings(max_examples=300, deadline=None)
@given(stripe_like, st.one_of(st.just(CREATED), st.integers(), st.none(), st.text(max_size=3)))
def test_any_stripe_shaped_event_is_interpreted_or_unusable(kind_and_object: tuple[str, Any], created: object):
    kind, obj = kind_and_object
    body = {"id": "evt_prop", "object": "event", "type": kind, "created": created, "data": {"object": obj}}
    _never_raises_but_unusable(json.dumps(body).encode())


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=64))
def test_any_bytes_are_interpreted_or_unusable(body: bytes):
    _never_raises_but_unusable(body)


def test_deeply_nested_json_is_unusable():
    _never_raises_but_unusable(b"[" * 100_000 + b"]" * 100_000)
    _never_raises_but_unusable(b'{"id": "evt_1", "type": "charge.refunded", "data": ' + b"[" * 50_000 + b"]" * 50_000
                               + b"}")


def test_icelandic_kronur_come_from_stripe_in_hundredths_and_are_stored_whole():
    # Stripe keeps ISK two-decimal for backwards compatibility: 12,500 kr is `amount_total: 1250000`;
    # ISO 4217 gives ISK no minor unit, so the sale is 12500.
    result = interpret(event("checkout.session.completed", session(currency="isk", amount_total=1_250_000,
                                                                   amount_subtotal=1_250_000)))
    assert result.conversion is not None
    assert (result.conversion["amount"], result.conversion["currency"]) == (12_500, "ISK")
    assert result.payment is not None and result.payment.amount_total == 12_500


def test_an_isk_amount_that_is_not_whole_kronur_is_unusable():
    with pytest.raises(Unusable):
        interpret(event("checkout.session.completed", session(currency="isk", amount_total=1_250_050,
                                                              amount_subtotal=1_250_050)))


def test_a_refund_says_which_refunded_amount_it_was_worked_out_from():
    payment = Payment("pi_3QkLmN2eZvKYlo2C1xYzAbCd", "cs_test_a1B2c3D4e5F6g7H8i9J0kLmNoPqRsTuVwXyZ", 1000, 800)
    ledger = FakeLedger((payment,), {payment.order_id: 120})
    result = interpret(event("charge.refunded", charge(amount_refunded=500)), ledger)
    # 800 × 500 / 1000 = 400 refunded in all; 120 were already: 280 more, only if still 120
    assert result.conversion is not None and result.conversion["amount"] == 280
    assert result.expects_refunded == 120
