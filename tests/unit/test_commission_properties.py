"""Properties of commission over any sale and any refunds, checked against an
independent statement of the contract's rule (§4), not against the code's own
formula: exact fractions and `decimal`'s ROUND_HALF_UP stand in for
"round_half_up(rate × (amount − refunded))"."""
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from chalicelib.base.money import CommissionRule

MAX_AMOUNT = 9_007_199_254_740_991

percent_rules = st.builds(CommissionRule.percent, st.integers(1, 10_000))
flat_rules = st.builds(CommissionRule.flat, st.integers(1, MAX_AMOUNT), st.sampled_from(["USD", "EUR", "JPY", "KWD"]))
rules = st.one_of(percent_rules, flat_rules)
amounts = st.one_of(st.integers(0, 100_000), st.integers(1, MAX_AMOUNT))


@st.composite
def sale_and_refunds(draw, full=False):
    """A sale amount and partial refunds that never exceed it (or refund all of it)."""
    amount = draw(amounts)
    refunds = []
    left = amount
    for _ in range(draw(st.integers(0, 8))):
        if left == 0:
            break
        part = draw(st.integers(1, left))
        refunds.append(part)
        left -= part
    if full and left:
        refunds.append(left)
    return amount, refunds


def commissions_over_refunds(rule, amount, refunds):
    """(left to refund, commission), before any refund and after each one."""
    refunded = 0
    for part in [0, *refunds]:
        refunded += part
        yield amount - refunded, rule.commission(amount, refunded, "USD").amount


def exact_percent(rule, left):
    return Fraction(left * rule.rate_bps, 10_000)


@settings(max_examples=300, deadline=None)
@given(rules, sale_and_refunds())
def test_commission_is_never_negative_and_never_grows_as_refunds_arrive(rule, sale):
    amount, refunds = sale
    earned = [commission for _left, commission in commissions_over_refunds(rule, amount, refunds)]
    assert all(commission >= 0 for commission in earned)
    assert earned == sorted(earned, reverse=True)


@settings(max_examples=300, deadline=None)
@given(percent_rules, sale_and_refunds())
def test_percent_commission_is_within_half_a_minor_unit_of_the_rate_on_what_is_left(rule, sale):
    amount, refunds = sale
    for left, commission in commissions_over_refunds(rule, amount, refunds):
        assert abs(commission - exact_percent(rule, left)) <= Fraction(1, 2)


@settings(max_examples=300, deadline=None)
@given(percent_rules, sale_and_refunds())
def test_percent_commission_rounds_exact_halves_up_as_decimal_does(rule, sale):
    amount, refunds = sale
    for left, commission in commissions_over_refunds(rule, amount, refunds):
        exact = Decimal(left * rule.rate_bps) / Decimal(10_000)  # exact: at most 4 decimal places
        assert commission == int(exact.quantize(Decimal(1), rounding=ROUND_HALF_UP))


@settings(max_examples=300, deadline=None)
@given(flat_rules, sale_and_refunds())
def test_flat_commission_is_the_flat_amount_until_nothing_is_left(rule, sale):
    amount, refunds = sale
    for left, commission in commissions_over_refunds(rule, amount, refunds):
        fully_refunded = left == 0 and sum(refunds) > 0
        assert commission == (0 if fully_refunded else rule.amount)


@settings(max_examples=300, deadline=None)
@given(rules, sale_and_refunds(full=True))
def test_commission_is_zero_after_a_full_refund(rule, sale):
    amount, refunds = sale
    assume(amount > 0)  # a sale of 0 has nothing to refund: it keeps a flat commission
    assert rule.commission(amount, sum(refunds), "USD").amount == 0

