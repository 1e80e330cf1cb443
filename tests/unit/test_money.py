"""Money values: integer minor units, round half up, commission rules, ISO 4217 codes."""
import pytest

from chalicelib.base.errors import InvalidInput
from chalicelib.base.money import CommissionRule, Money, normalize_currency, round_half_up

PERCENT_10 = CommissionRule.percent(1000)


def test_one_percent_of_50_rounds_half_up_to_1():
    assert CommissionRule.percent(100).commission(50, 0, "USD") == Money(1, "USD")  # 0.5 -> 1


def test_ten_percent_of_2599_is_260():
    assert PERCENT_10.commission(2599, 0, "USD") == Money(260, "USD")


def test_round_half_up_rounds_halves_up_and_the_rest_to_nearest():
    assert [round_half_up(n, 10) for n in (14, 15, 16, 24, 25)] == [1, 2, 2, 2, 3]
    assert round_half_up(7) == 7


def test_jpy_has_no_minor_unit_and_rounds_on_whole_yen():
    assert PERCENT_10.commission(1234, 0, normalize_currency("jpy")) == Money(123, "JPY")
    assert PERCENT_10.commission(1235, 0, "JPY") == Money(124, "JPY")


def test_kwd_has_three_decimals():
    # 2.5 % of 1.005 KD = 0.025125 KD -> 25 fils
    assert CommissionRule.percent(250).commission(1005, 0, "KWD") == Money(25, "KWD")
    # 10 % of 0.015 KD = 0.0015 KD -> 2 fils (half up)
    assert PERCENT_10.commission(15, 0, "KWD") == Money(2, "KWD")


def test_percent_commission_is_recomputed_on_what_is_left_after_refunds():
    assert PERCENT_10.commission(2599, 1000, "USD") == Money(160, "USD")
    assert PERCENT_10.commission(2599, 2599, "USD") == Money(0, "USD")


def test_flat_commission_is_paid_in_its_own_currency_until_fully_refunded():
    flat = CommissionRule.flat(500, "EUR")
    assert flat.commission(1_000_000, 0, "JPY") == Money(500, "EUR")
    assert flat.commission(1_000_000, 999_999, "JPY") == Money(500, "EUR")
    assert flat.commission(1_000_000, 1_000_000, "JPY") == Money(0, "EUR")


def test_zero_commission_carries_the_currency_it_would_have_had():
    assert PERCENT_10.currency_for("GBP") == "GBP"
    assert CommissionRule.flat(1, "EUR").currency_for("GBP") == "EUR"


def test_refunded_beyond_the_amount_is_a_programming_error():
    with pytest.raises(ValueError):
        PERCENT_10.commission(100, 101, "USD")


def test_largest_amount_is_exact():
    top = 9_007_199_254_740_991
    assert CommissionRule.percent(10_000).commission(top, 0, "USD").amount == top
    assert CommissionRule.percent(1).commission(top, 0, "USD").amount == (top + 5_000) // 10_000


@pytest.mark.parametrize(
    "body, rule",
    [
        ({"type": "percent", "rate_bps": 1000}, CommissionRule.percent(1000)),
        ({"type": "flat", "amount": 250, "currency": "eur"}, CommissionRule.flat(250, "EUR")),
    ],
)
def test_a_rule_reads_from_a_request_and_shows_as_the_api_does(body, rule):
    assert CommissionRule.from_request(body) == rule
    assert CommissionRule.from_request(rule.view()) == rule
    assert rule.view() == {**body, **({"currency": "EUR"} if "currency" in body else {})}


@pytest.mark.parametrize(
    "body",
    [
        None, [], {"type": "percent"}, {"type": "percent", "rate_bps": 0}, {"type": "percent", "rate_bps": 10_001},
        {"type": "flat", "amount": 0, "currency": "EUR"}, {"type": "flat", "amount": 5, "currency": "XYZ"},
        {"type": "percent", "rate_bps": 5, "currency": "EUR"}, {"type": "tiered"},
    ],
)
def test_a_rule_outside_the_contract_is_invalid_input(body):
    with pytest.raises(InvalidInput):
        CommissionRule.from_request(body)


@pytest.mark.parametrize("code", ["usd", "Usd", "EUR", "kwd"])
def test_currency_codes_are_accepted_in_either_case_and_returned_upper(code):
    assert normalize_currency(code) == code.upper()


@pytest.mark.parametrize("code", ["XYZ", "US", "USDD", "", None, 840, "XAU", "ÜSD"])
def test_unknown_currencies_are_refused(code):
    with pytest.raises(InvalidInput):
        normalize_currency(code)
