"""Money: integer minor units of an ISO 4217 currency, never floats.

Currencies and their exponents come from the `iso4217` package. Funds and
metals without a minor unit (XAU, XXX, …) are not currencies a shop sells in
and are refused.
"""
from __future__ import annotations

from functools import lru_cache
from typing import Any, Mapping, NamedTuple

from chalicelib.base.errors import InvalidInput


@lru_cache(maxsize=None)
def _exponent(code: str):
    from iso4217 import Currency

    try:
        return Currency(code).exponent
    except ValueError:
        return None


def normalize_currency(value: object, field: str = "currency") -> str:
    """An ISO 4217 alpha code in either case, returned upper case; else 400."""
    if not isinstance(value, str) or len(value) != 3 or not value.isascii() or not value.isalpha():
        raise InvalidInput(f"{field} must be an ISO 4217 currency code such as USD")
    code = value.upper()
    if _exponent(code) is None:
        raise InvalidInput(f"{field} {value!r} is not an ISO 4217 currency")
    return code


def minor_unit_exponent(code: str) -> int:
    exponent = _exponent(code)
    if exponent is None:
        raise InvalidInput(f"{code!r} is not an ISO 4217 currency")
    return exponent


def round_half_up(numerator: int, denominator: int = 1) -> int:
    """numerator / denominator rounded half up (the contract's `round_half_up`),
    in integers only (both ≥ 0): no float ever touches money."""
    return (2 * numerator + denominator) // (2 * denominator)


def percent_commission(amount: int, rate_bps: int) -> int:
    """round_half_up(amount × rate_bps / 10000), exact in integers."""
    return round_half_up(amount * rate_bps, 10_000)


class Money(NamedTuple):
    amount: int
    currency: str


def commission_currency(rule: Mapping[str, Any], sale_currency: str) -> str:
    """The currency a rule pays in: the sale's for percent, its own for flat."""
    return rule["currency"] if rule["type"] == "flat" else sale_currency


def commission(rule: Mapping[str, Any], amount: int, refunded: int, sale_currency: str) -> Money:
    """The commission a sale earns under `rule` once `refunded` of its `amount` was refunded.

    `rule` is `{"type": "percent", "rate_bps"}` or `{"type": "flat", "amount", "currency"}`.
    Percent: round_half_up((amount − refunded) × rate_bps / 10000) in the sale's
    currency. Flat: the flat amount in its own currency until the sale is fully
    refunded, then 0 (a sale of 0 that was never refunded still earns it).
    """
    if not 0 <= refunded <= amount:
        raise ValueError("refunded must be between 0 and the sale amount")
    currency = commission_currency(rule, sale_currency)
    if rule["type"] == "percent":
        return Money(percent_commission(amount - refunded, int(rule["rate_bps"])), currency)
    if rule["type"] == "flat":
        fully_refunded = refunded > 0 and refunded == amount
        return Money(0 if fully_refunded else int(rule["amount"]), currency)
    raise ValueError(f"unknown commission type {rule['type']!r}")
