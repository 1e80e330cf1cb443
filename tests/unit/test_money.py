"""Commission arithmetic: integer minor units, round half up, ISO 4217 exponents."""
import pytest

from chalicelib.base.errors import InvalidInput
from chalicelib.money import commission as money

PERCENT_10 = {"type": "percent", "rate_bps": 1000}


def test_one_percent_of_50_rounds_half_up_to_1():
    assert money.percent_commission(50, 100) == 1  # 0.5 -> 1


def test_ten_percent_of_2599_is_260():
    assert money.commission(PERCENT_10, 2599, 0, "USD") == money.Money(260, "USD")


def test_round_half_up_rounds_halves_up_and_the_rest_to_nearest():
    assert [money.round_half_up(n, 10) for n in (14, 15, 16, 24, 25)] == [1, 2, 2, 2, 3]
    assert money.round_half_up(7) == 7


def test_jpy_has_no_minor_unit_and_rounds_on_whole_yen():
    assert money.minor_unit_exponent("JPY") == 0
    assert money.commission(PERCENT_10, 1234, 0, "jpy".upper()) == money.Money(123, "JPY")
    assert money.commission(PERCENT_10, 1235, 0, "JPY") == money.Money(124, "JPY")


def test_kwd_has_three_decimals():
    assert money.minor_unit_exponent("KWD") == 3
    # 2.5 % of 1.005 KD = 0.025125 KD -> 25 fils
    assert money.commission({"type": "percent", "rate_bps": 250}, 1005, 0, "KWD") == money.Money(25, "KWD")
    # 10 % of 0.015 KD = 0.0015 KD -> 2 fils (half up)
    assert money.commission(PERCENT_10, 15, 0, "KWD") == money.Money(2, "KWD")


def test_percent_commission_is_recomputed_on_what_is_left_after_refunds():
    assert money.commission(PERCENT_10, 2599, 1000, "USD") == money.Money(160, "USD")
    assert money.commission(PERCENT_10, 2599, 2599, "USD") == money.Money(0, "USD")


def test_flat_commission_is_paid_in_its_own_currency_until_fully_refunded():
    flat = {"type": "flat", "amount": 500, "currency": "EUR"}
    assert money.commission(flat, 1_000_000, 0, "JPY") == money.Money(500, "EUR")
    assert money.commission(flat, 1_000_000, 999_999, "JPY") == money.Money(500, "EUR")
    assert money.commission(flat, 1_000_000, 1_000_000, "JPY") == money.Money(0, "EUR")


def test_zero_commission_carries_the_currency_it_would_have_had():
    assert money.commission_currency(PERCENT_10, "GBP") == "GBP"
    assert money.commission_currency({"type": "flat", "amount": 1, "currency": "EUR"}, "GBP") == "EUR"


def test_refunded_beyond_the_amount_is_a_programming_error():
    with pytest.raises(ValueError):
        money.commission(PERCENT_10, 100, 101, "USD")


def test_largest_amount_is_exact():
    top = 9_007_199_254_740_991
    assert money.commission({"type": "percent", "rate_bps": 10_000}, top, 0, "USD").amount == top
    assert money.percent_commission(top, 1) == (top + 5_000) // 10_000


@pytest.mark.parametrize("code", ["usd", "Usd", "EUR", "kwd"])
def test_currency_codes_are_accepted_in_either_case_and_returned_upper(code):
    assert money.normalize_currency(code) == code.upper()


@pytest.mark.parametrize("code", ["XYZ", "US", "USDD", "", None, 840, "XAU", "ÜSD"])
def test_unknown_currencies_are_refused(code):
    with pytest.raises(InvalidInput):
        money.normalize_currency(code)
