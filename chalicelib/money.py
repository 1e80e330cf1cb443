"""Money: integer minor units of an ISO 4217 currency, never floats.

Currencies and their exponents come from the `iso4217` package. Funds and
metals without a minor unit (XAU, XXX, …) are not currencies a shop sells in
and are refused.
"""
from __future__ import annotations

from functools import lru_cache

from chalicelib.errors import InvalidInput


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


def round_half_up_ratio(numerator: int, denominator: int) -> int:
    """numerator / denominator rounded half up, in integers only (both ≥ 0)."""
    return (2 * numerator + denominator) // (2 * denominator)


def percent_commission(amount: int, rate_bps: int) -> int:
    """round_half_up(amount × rate_bps / 10000), exact in integers."""
    return round_half_up_ratio(amount * rate_bps, 10_000)
