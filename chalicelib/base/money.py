"""Money as every capability speaks it: integer minor units of an ISO 4217
currency (never floats), `round_half_up` in integers, and the commission rule
a brand sets, which conversions copy and statements will sum.

It sits in the base because accounts (a brand's terms), the money flows
(conversions, refunds, the close) and storage (the rule as stored) all use the
same value. Currencies come from the `iso4217` package, imported on first use.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any, NamedTuple, Optional

from chalicelib.base import validation
from chalicelib.base.errors import InvalidInput

PERCENT = "percent"
FLAT = "flat"
MAX_RATE_BPS = 10_000


@lru_cache(maxsize=None)
def _exponent(code: str) -> Optional[int]:
    from iso4217 import Currency

    try:
        return Currency(code).exponent
    except ValueError:
        return None


def minor_unit_exponent(currency: str) -> int:
    """How many decimals `currency` has (EUR 2, JPY 0): amounts are stored in its minor units."""
    return _exponent(normalize_currency(currency)) or 0


def normalize_currency(value: object, field: str = "currency") -> str:
    """An ISO 4217 alpha code in either case, returned upper case; else `InvalidInput`.

    Funds and metals without a minor unit (XAU, XXX, …) are not currencies a
    shop sells in and are refused."""
    if not isinstance(value, str) or len(value) != 3 or not value.isascii() or not value.isalpha():
        raise InvalidInput(f"{field} must be an ISO 4217 currency code such as USD")
    code = value.upper()
    if _exponent(code) is None:
        raise InvalidInput(f"{field} {value!r} is not an ISO 4217 currency")
    return code


def minor_units(value: object, currency: str, field: str = "amount") -> int:
    """A decimal amount as the platforms send it (`"59.99"`, `"1234"` for JPY, `"1.005"` for
    KWD) in minor units of `currency`, exactly (no float); `InvalidInput` when it has more
    decimals than the currency or is not a non-negative decimal number."""
    from decimal import Decimal, InvalidOperation

    exponent = _exponent(normalize_currency(currency))
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise InvalidInput(f"{field} must be a decimal amount")
    try:
        amount = Decimal(str(value).strip())
    except InvalidOperation:
        raise InvalidInput(f"{field} {value!r} is not a decimal amount") from None
    if not amount.is_finite() or amount < 0 or amount.adjusted() > 20:
        raise InvalidInput(f"{field} {value!r} is not a decimal amount the API takes")
    scaled = amount.scaleb(exponent or 0)
    if scaled != scaled.to_integral_value():
        raise InvalidInput(f"{field} {value!r} has more decimals than {currency.upper()} has")
    if scaled > validation.MAX_SAFE_INTEGER:
        raise InvalidInput(f"{field} {value!r} is more than the API takes")
    return int(scaled)


def round_half_up(numerator: int, denominator: int = 1) -> int:
    """numerator / denominator rounded half up (the contract's `round_half_up`),
    in integers only (both ≥ 0): no float ever touches money."""
    return (2 * numerator + denominator) // (2 * denominator)


class Money(NamedTuple):
    amount: int
    currency: str


@dataclass(frozen=True)
class CommissionRule:
    """What a brand pays per sale: a percentage of the sale (`rate_bps`, 1000 =
    10 %) in the sale's currency, or a flat amount in its own currency."""

    kind: str  # PERCENT | FLAT
    rate_bps: Optional[int] = None
    amount: Optional[int] = None
    currency: Optional[str] = None

    @classmethod
    def percent(cls, rate_bps: int) -> CommissionRule:
        return cls(PERCENT, rate_bps=rate_bps)

    @classmethod
    def flat(cls, amount: int, currency: str) -> CommissionRule:
        return cls(FLAT, amount=amount, currency=currency)

    @classmethod
    def from_request(cls, value: object) -> CommissionRule:
        """The rule from a request's `commission` object, or `InvalidInput`."""
        if not isinstance(value, dict):
            raise InvalidInput(
                'commission must be {"type": "percent", "rate_bps": …} '
                'or {"type": "flat", "amount": …, "currency": …}'
            )
        kind = value.get("type")
        if kind == PERCENT:
            validation.reject_unknown_fields(value, ("type", "rate_bps"))
            return cls.percent(validation.required_integer(value, "rate_bps", minimum=1, maximum=MAX_RATE_BPS))
        if kind == FLAT:
            validation.reject_unknown_fields(value, ("type", "amount", "currency"))
            amount = validation.required_integer(value, "amount", minimum=1)
            return cls.flat(amount, normalize_currency(value.get("currency"), "commission.currency"))
        raise InvalidInput('commission.type must be "percent" or "flat"')

    def view(self) -> dict[str, Any]:
        """The rule as the API shows it."""
        if self.kind == PERCENT:
            return {"type": PERCENT, "rate_bps": self.rate_bps}
        return {"type": FLAT, "amount": self.amount, "currency": self.currency}

    def currency_for(self, sale_currency: str) -> str:
        """The currency this rule pays in: the sale's for percent, its own for flat."""
        return self.currency if self.kind == FLAT and self.currency else sale_currency

    def commission(self, amount: int, refunded: int, sale_currency: str) -> Money:
        """What a sale of `amount` earns once `refunded` of it was refunded.

        Percent: round_half_up((amount − refunded) × rate_bps / 10000) in the
        sale's currency. Flat: the flat amount in its own currency until the sale
        is fully refunded, then 0 (a sale of 0 that was never refunded still earns it).
        """
        if not 0 <= refunded <= amount:
            raise ValueError("refunded must be between 0 and the sale amount")
        currency = self.currency_for(sale_currency)
        if self.kind == PERCENT and self.rate_bps is not None:
            return Money(round_half_up((amount - refunded) * self.rate_bps, 10_000), currency)
        if self.kind == FLAT and self.amount is not None:
            fully_refunded = refunded > 0 and refunded == amount
            return Money(0 if fully_refunded else self.amount, currency)
        raise ValueError(f"incomplete commission rule {self!r}")

