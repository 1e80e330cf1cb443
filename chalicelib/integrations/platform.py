"""What every shop platform module provides, and what it gets.

A platform module (`shopify.py`, `stripe_checkout.py`) is pure: it verifies a
delivery's signature and turns the delivery into the body `POST /conversions`
takes (a sale or a refund), or says the delivery is not a sale or a refund
(ignored), or that it cannot be used (`Unusable`: the delivery is parked).
Recording, deduplication and parking happen in one place, `deliveries.py`.

Adding a platform is one module with `NAME`, `verify` and `interpret`, and one
line in `catalogue.PLATFORMS`.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping, Optional, Protocol


class Unusable(Exception):
    """A correctly signed delivery that cannot become a sale or a refund; `reason` says why."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Payment:
    """What a sale needs remembered for its later refunds. Stripe: a charge refers to the
    Checkout session's sale through its payment intent. Shopify: a refund does not say
    whether the order's prices included tax, the order did."""

    reference: str  # the Stripe payment intent id; for Shopify `order:<order id>`
    order_id: str  # the order id of the sale (the Checkout session id, the Shopify order id)
    amount_total: int  # what the customer paid, minor units
    commissionable: int  # the sale's amount: merchandise after discounts, no tax or shipping
    taxes_included: bool = False  # the order's prices included tax (Shopify's `taxes_included`)


@dataclass(frozen=True)
class Interpreted:
    """A delivery understood: its id (for deduplication), the `POST /conversions` body it
    becomes (None: an event that is neither a sale nor a refund, ignored), and the payment
    to remember, if any."""

    delivery_id: str
    conversion: Optional[dict[str, Any]]
    payment: Optional[Payment] = None
    # A refund worked out from what the order had refunded so far (Stripe's, in proportion) is
    # recorded only if that is still what it has: two deliveries at once cannot both add theirs.
    expects_refunded: Optional[int] = None


class Ledger(Protocol):
    """What a platform may look up about earlier deliveries of the same brand."""

    def payment(self, reference: str) -> Optional[Payment]:
        """The payment remembered under `reference`, or None."""

    def refunded(self, order_id: str) -> Optional[int]:
        """The `refunded_amount` of the brand's conversion of `order_id`, or None if there is none."""


class PlatformModule(Protocol):
    NAME: str

    def verify(self, secret: str, raw_body: bytes, headers: Mapping[str, str], now: float) -> None:
        """Return if `raw_body` is signed with `secret` (headers lower-cased); else raise `Unauthorized`."""

    def interpret(self, raw_body: bytes, headers: Mapping[str, str], ledger: Ledger) -> Interpreted:
        """The delivery as a `POST /conversions` body (or ignored); `Unusable` when it cannot be used."""
