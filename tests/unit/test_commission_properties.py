"""Properties of the commission arithmetic over any sale and refund sequence."""
from hypothesis import given, settings
from hypothesis import strategies as st

from chalicelib.money import commission as money

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


def commission_after_each_refund(rule, amount, refunds):
    """(refunded so far, commission then), before any refund and after each one."""
    refunded = 0
    for part in [0, *refunds]:
        refunded += part
        yield refunded, money.commission(rule, amount, refunded, "USD").amount


@settings(max_examples=300, deadline=None)
@given(rules, sale_and_refunds())
def test_commission_is_never_negative(rule, sale):
    amount, refunds = sale
    for _refunded, commission in commission_after_each_refund(rule, amount, refunds):
        assert commission >= 0


@settings(max_examples=300, deadline=None)
@given(percent_rules, sale_and_refunds())
def test_percent_commission_is_never_above_the_rate_of_what_is_left(rule, sale):
    amount, refunds = sale
    for refunded, commission in commission_after_each_refund(rule, amount, refunds):
        assert commission <= money.round_half_up((amount - refunded) * rule["rate_bps"], 10_000)


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
    commissions = [commission for _refunded, commission in commission_after_each_refund(rule, amount, refunds)]
    deltas = [after - before for before, after in zip(commissions, commissions[1:], strict=False)]
    initial = money.commission(rule, amount, 0, "USD").amount
    final = money.commission(rule, amount, sum(refunds), "USD").amount
    assert all(delta <= 0 for delta in deltas)
    assert sum(deltas) == final - initial
