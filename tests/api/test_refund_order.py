"""Refunds (§4), as a property: the commission of a sale after a set of partial
refunds does not depend on the order in which the refunds arrive, and it is what
the brand's rule says of the amount left."""
from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.helpers import bearer, call, click_id_of, make_brand, make_creator, make_link, new_id

RULES = st.one_of(
    st.builds(lambda rate_bps: {"type": "percent", "rate_bps": rate_bps}, st.integers(1, 10_000)),
    st.builds(
        lambda amount, currency: {"type": "flat", "amount": amount, "currency": currency},
        st.integers(1, 100_000),
        st.sampled_from(["USD", "EUR", "JPY"]),
    ),
)


@st.composite
def refunds_of_a_sale(draw) -> tuple[int, list[tuple[str, int]], list[tuple[str, int]]]:
    """A sale amount, 1 to 5 partial refunds adding up to at most it (sometimes all of
    it), and the same refunds in another order."""
    amount = draw(st.integers(1, 10_000_000))
    refunded = amount if draw(st.integers(0, 3)) == 0 else draw(st.integers(1, amount))
    cuts = sorted(draw(st.sets(st.integers(1, max(refunded - 1, 1)), max_size=min(4, refunded - 1))))
    bounds = [0, *cuts, refunded]
    refunds = [(f"r-{n}", high - low) for n, (low, high) in enumerate(zip(bounds, bounds[1:], strict=False))]
    return amount, refunds, draw(st.permutations(refunds))


def commission_by_the_rule(rule: dict, amount: int, refunded: int, currency: str) -> dict:
    """§4, stated on its own: percent is round_half_up(rate × what is left) in the sale's
    currency; flat is its amount in its own currency until the sale is fully refunded, then 0."""
    if rule["type"] == "percent":
        exact = Decimal(amount - refunded) * Decimal(rule["rate_bps"]) / Decimal(10_000)
        return {"amount": int(exact.quantize(Decimal(1), rounding=ROUND_HALF_UP)), "currency": currency}
    return {"amount": 0 if refunded == amount else rule["amount"], "currency": rule["currency"]}


def report(client, brand: dict, body: dict):
    return call(client, "POST", "/conversions", body, bearer(brand["api_key"]))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rule=RULES, case=refunds_of_a_sale(), currency=st.sampled_from(["USD", "JPY", "KWD"]))
def test_commission_after_partial_refunds_does_not_depend_on_their_order(client, clock, rule, case, currency):
    amount, refunds, reordered = case

    # Given a brand with the drawn rule and two identical sales, attributed through a real tap
    brand = make_brand(client, commission=rule)
    link = make_link(client, make_creator(client), brand)
    tap = client.http.get(f"/{link['code']}", headers={"User-Agent": "Mozilla/5.0 (iPhone) Mobile Safari"})
    assert tap.status_code == 302
    orders = [new_id("order"), new_id("order")]
    for order_id in orders:
        sold = report(client, brand, {"type": "sale", "order_id": order_id, "click_id": click_id_of(tap),
                                      "amount": amount, "currency": currency})
        assert sold.status_code == 201, sold.body
        assert sold.json["status"] == "pending"

    # When the same refunds arrive in one order for the first sale and in another for the second
    finals = []
    for order_id, sequence in zip(orders, (refunds, reordered), strict=True):
        for refund_id, refunded in sequence:
            response = report(client, brand, {"type": "refund", "order_id": order_id, "refund_id": refund_id,
                                              "amount": refunded})
            assert response.status_code == 200, response.body
        finals.append(response.json)

    # Then both end the same, and as the rule says of what is left
    total = sum(refunded for _, refunded in refunds)
    first, second = ((view["commission"], view["refunded_amount"], view["status"]) for view in finals)
    assert first == second
    assert first == (
        commission_by_the_rule(rule, amount, total, currency),
        total,
        "refunded" if total == amount else "pending",
    )
