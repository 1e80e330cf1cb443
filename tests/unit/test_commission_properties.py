"""Properties of the commission arithmetic over any sale and refund sequence."""
from hypothesis import given, settings
from hypothesis import strategies as st

from chalicelib import money

MAX_AMOUNT = 9_007_199_254_740_991

percent_rules = st.builds(lambda bps: {"type": "percent", "rate_bps": bps}, st.integers(1, 10_000))
flat_rules = st.builds(
    lambda amount, currency: {"type": "flat", "amount": amount, "currency": currency},
    st.integers(1, MAX_AMOUNT),
    st.sampled_from(["USD", "EUR", "JPY", "KWD"]),
)
rules = st.one_of(percent_rules, flat_rules)
amounts = st.one_of(st.integers(1, 100_000), st.integers(1, MAX_AMOUNT))


@st.composite
def sale_and_refunds(draw, full=False):
    """A sale amount and a sequence of refunds that never exceeds it (or refunds all of it)."""
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


@settings(max_examples=300, deadline=None)
@given(rules, sale_and_refunds())
def test_commission_is_never_negative(rule, sale):
    amount, refunds = sale
    refunded = 0
    for part in [0, *refunds]:
        refunded += part
        assert money.commission(rule, amount, refunded, "USD").amount >= 0


@settings(max_examples=300, deadline=None)
@given(percent_rules, sale_and_refunds())
def test_percent_commission_is_never_above_the_rate_of_what_is_left(rule, sale):
    amount, refunds = sale
    refunded = 0
    for part in [0, *refunds]:
        refunded += part
        bound = money.round_half_up((amount - refunded) * rule["rate_bps"], 10_000)
        assert money.commission(rule, amount, refunded, "USD").amount <= bound


@settings(max_examples=300, deadline=None)
@given(rules, sale_and_refunds(full=True))
def test_commission_is_zero_after_a_full_refund(rule, sale):
    amount, refunds = sale
    assert sum(refunds) == amount
    assert money.commission(rule, amount, sum(refunds), "USD").amount == 0


@settings(max_examples=300, deadline=None)
@given(rules, sale_and_refunds())
def test_commission_changes_over_refunds_add_up_to_final_minus_initial(rule, sale):
    amount, refunds = sale
    initial = money.commission(rule, amount, 0, "USD").amount
    current, refunded, deltas = initial, 0, []
    for part in refunds:
        refunded += part
        after = money.commission(rule, amount, refunded, "USD").amount
        deltas.append(after - current)
        current = after
    final = money.commission(rule, amount, refunded, "USD").amount
    assert all(delta <= 0 for delta in deltas)
    assert sum(deltas) == final - initial
