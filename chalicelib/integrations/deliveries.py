"""A shop's webhook delivery, from raw bytes to a recorded sale or refund: verify →
interpret → record, in one place for every platform.

- Unknown brand, platform not configured, bad or missing signature: `Unauthorized`,
  nothing written (the same answer for each, so nothing is learnt about brands).
- A delivery seen before (the platform's delivery or event id): answered as
  `duplicate`, nothing changes (the order and refund ids deduplicate too).
- An event that is neither a sale nor a refund: `ignored`, so the platform does not retry.
- A correctly signed delivery that cannot be used (a shape not understood, an amount
  that does not parse, an unknown currency, a refund of an order never seen, a sale
  replayed with other numbers): `parked`, kept whole for admins, never lost.
- Otherwise the body `POST /conversions` takes is recorded by `money.conversions`.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Mapping, Optional

from chalicelib.base import validation
from chalicelib.base.clock import now
from chalicelib.base.errors import Conflict, InvalidInput, NotFound, Unauthorized
from chalicelib.base.observability import count, logger
from chalicelib.base.timeutil import format_timestamp
from chalicelib.integrations import secrets
from chalicelib.integrations.catalogue import PLATFORMS
from chalicelib.integrations.platform import Interpreted, Payment, Unusable
from chalicelib.money import conversions
from chalicelib.storage.errors import AlreadyExists
from chalicelib.storage.integrations import ParkedDelivery, integrations_store
from chalicelib.storage.money import money_store

DELIVERY_MEMORY = timedelta(days=30)  # longer than any platform retries a delivery
RECORDED, DUPLICATE, IGNORED, PARKED = "recorded", "duplicate", "ignored", "parked"
_KEPT_HEADERS_LIMIT = 4096
_ATTEMPTS = 5


@dataclass(frozen=True)
class Received:
    """What became of a delivery: its outcome, and the conversion when one was recorded."""

    outcome: str  # recorded | duplicate | ignored | parked
    conversion: Optional[dict[str, Any]] = None
    created: bool = False
    reason: Optional[str] = None

    def view(self) -> dict[str, Any]:
        if self.conversion is not None:
            return self.conversion
        return {"status": self.outcome, **({"reason": self.reason} if self.reason else {})}


class _Ledger:
    """What a platform module may look up about the brand's earlier deliveries."""

    def __init__(self, brand_id: str, platform: str):
        self.brand_id = brand_id
        self.platform = platform

    def payment(self, reference: str) -> Optional[Payment]:
        record = integrations_store().find_payment(self.brand_id, self.platform, reference)
        if record is None or record.order_id is None:
            return None
        return Payment(reference, record.order_id, int(record.amount_total or 0), int(record.commissionable or 0),
                       taxes_included=bool(record.taxes_included))

    def refunded(self, order_id: str) -> Optional[int]:
        if not order_id or len(order_id) > validation.MAX_ID_LENGTH:
            return None
        conversion = money_store().find_conversion(self.brand_id, order_id)
        return int(conversion.refunded_amount or 0) if conversion is not None else None


def receive(platform: str, brand_id: str, raw_body: bytes, headers: Mapping[str, str]) -> Received:
    """Verify, interpret and record one delivery of `platform` for `brand_id`."""
    module = PLATFORMS[platform]
    lowered = {name.lower(): value for name, value in headers.items()}
    secret = secrets.secret_of(brand_id, platform)
    try:
        if secret is None:
            raise Unauthorized(f"{platform} is not configured for this brand")
        module.verify(secret, raw_body, lowered, now().timestamp())
    except Unauthorized as error:
        logger.warning("shop delivery refused", platform=platform, brand_id=brand_id[:128], reason=error.message)
        raise
    for attempt in range(1, _ATTEMPTS + 1):
        try:
            interpreted: Interpreted = module.interpret(raw_body, lowered, _Ledger(brand_id, platform))
        except Unusable as unusable:
            delivery_id = _fallback_delivery_id(platform, lowered)
            return _park(platform, brand_id, raw_body, lowered, delivery_id, unusable.reason)
        if integrations_store().delivery_recorded(brand_id, interpreted.delivery_id):
            return Received(DUPLICATE)
        if interpreted.conversion is None:
            return Received(IGNORED)
        try:
            recorded = conversions.record_conversion(
                brand_id, interpreted.conversion, expected_refunded=interpreted.expects_refunded
            )
            break
        except (InvalidInput, NotFound, Conflict) as refused:
            # A refund worked out from what was refunded before (Stripe's, in proportion)
            # may have met another delivery of the same order: read again before parking.
            if attempt == _ATTEMPTS:
                return _park(platform, brand_id, raw_body, lowered, interpreted.delivery_id, refused.message)
    if interpreted.payment is not None:
        _remember_payment(brand_id, platform, interpreted.payment)
    moment = now()
    integrations_store().remember_delivery(brand_id, interpreted.delivery_id, recorded=moment,
                                           expires=moment + DELIVERY_MEMORY)
    count("ShopDeliveries")
    return Received(RECORDED, recorded.conversion, recorded.created)


def _remember_payment(brand_id: str, platform: str, payment: Payment) -> None:
    integrations_store().save_payment(
        brand_id,
        platform,
        payment.reference,
        order_id=payment.order_id,
        amount_total=payment.amount_total,
        commissionable=payment.commissionable,
        taxes_included=payment.taxes_included,
        recorded=now(),
    )


def _fallback_delivery_id(platform: str, headers: Mapping[str, str]) -> str:
    """An id for a delivery that could not be read: the platform's own id header, else the time."""
    for header in ("x-shopify-webhook-id", "stripe-signature"):
        if headers.get(header):
            return f"{platform}:{headers[header][:200]}"
    return f"{platform}:{format_timestamp(now())}"


def _park(
    platform: str, brand_id: str, raw_body: bytes, headers: Mapping[str, str], delivery_id: str, reason: str
) -> Received:
    kept_headers = {name: value[:_KEPT_HEADERS_LIMIT] for name, value in headers.items()
                    if name not in ("authorization", "cookie")}
    try:
        integrations_store().park_delivery(
            brand_id=brand_id,
            delivery_id=delivery_id,
            platform=platform,
            reason=reason[:500],
            headers=kept_headers,
            body=raw_body.decode("utf-8", "replace"),
            received=now(),
        )
    except AlreadyExists:
        pass  # parked once however often the platform redelivers it
    count("ParkedDeliveries")
    logger.warning("shop delivery parked", platform=platform, brand_id=brand_id, delivery_id=delivery_id,
                   reason=reason[:500])
    return Received(PARKED, reason=reason[:500])


def parked_view(parked: ParkedDelivery) -> dict[str, Any]:
    return {
        "delivery_id": parked.delivery_id,
        "brand_id": parked.brand_id,
        "platform": parked.platform,
        "reason": parked.reason,
        "received_at": parked.received_at,
        "headers": parked.headers.as_dict() if parked.headers else {},
        "body": parked.body,
    }


def list_parked(*, limit: int, cursor: Optional[str]) -> dict[str, Any]:
    """Parked deliveries, newest first (admins)."""
    return integrations_store().parked_deliveries(limit=limit, cursor=cursor, scope="parked-deliveries").body(
        parked_view)
