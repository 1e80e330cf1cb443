"""Refunds: partial or full, each counted once, taking back commission.

A refund is one transaction that writes the Refund item (keyed by
`brand#order`, refund_id, so a repeated refund id fails) together with the
conversion's update, conditioned on the refunded amount and status read, so
two concurrent refunds never both spend the same remainder. A refund of an
approved conversion (its month closed) is booked as an adjustment of the month
it was received in (a `MonthAdjustment`, written in the same transaction, which
the close reads with a consistent read).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Mapping, Optional

from chalicelib.base import validation
from chalicelib.base.clock import now
from chalicelib.base.errors import Conflict, InvalidInput
from chalicelib.base.observability import logger
from chalicelib.base.timeutil import format_timestamp
from chalicelib.money.occurred import occurred_at
from chalicelib.money.views import conversion_view, load_conversion
from chalicelib.storage import keys
from chalicelib.storage.errors import ChangedMeanwhile
from chalicelib.storage.money import Conversion, RefundWrite, money_store

REFUND_FIELDS = ("type", "order_id", "refund_id", "amount", "occurred_at")
_ATTEMPTS = 5


@dataclass(frozen=True)
class RefundRequest:
    order_id: str
    refund_id: str
    amount: int
    occurred_at: datetime


def parse_refund(body: Mapping[str, Any]) -> RefundRequest:
    validation.reject_unknown_fields(body, REFUND_FIELDS)
    return RefundRequest(
        order_id=validation.required_string(body, "order_id", max_length=validation.MAX_ID_LENGTH),
        refund_id=validation.required_string(body, "refund_id", max_length=validation.MAX_ID_LENGTH),
        amount=validation.required_integer(body, "amount", minimum=1),
        occurred_at=occurred_at(body, now()),
    )


def record_refund(brand_id: str, refund: RefundRequest, expected_refunded: Optional[int] = None) -> dict[str, Any]:
    """The conversion after this refund (or unchanged, for a refund id seen before).

    With `expected_refunded`, only if the order's `refunded_amount` is still that (else
    `Conflict`): the write is conditioned on the amount read, so the check holds at write time."""
    for _attempt in range(_ATTEMPTS):
        conversion = load_conversion(brand_id, refund.order_id)
        if money_store().find_refund(brand_id, refund.order_id, refund.refund_id) is not None:
            return conversion_view(conversion)  # the same refund again: no change
        if expected_refunded is not None and int(conversion.refunded_amount or 0) != expected_refunded:
            raise Conflict(f"order {refund.order_id} was refunded meanwhile; work the refund out again")
        try:
            return _apply_refund(conversion, refund)
        except ChangedMeanwhile:
            # Another refund (or the monthly close) changed the conversion or was
            # writing it at that instant, this refund id was written meanwhile, or
            # the month it would be booked in began closing: read again, decide anew.
            continue
    raise Conflict(f"order {refund.order_id} is being changed by other requests; try again")


def _apply_refund(conversion: Conversion, refund: RefundRequest) -> dict[str, Any]:
    write = _refund_write(conversion, refund, now().replace(microsecond=0))
    # Conditioned on the conversion as read; with an adjustment, never into a month whose
    # close has begun (the close may have read its adjustments already): the retry reads
    # the clock again (a later month).
    after = money_store().record_refund(conversion, write)
    logger.info(
        "refund recorded",
        brand_id=conversion.brand_id,
        order_id=conversion.order_id,
        conversion_id=conversion.conversion_id,
        refund_id=refund.refund_id,
        commission_delta=write.commission_delta,
        adjustment_month=write.adjustment_month,
    )
    return conversion_view(after)


def _refund_write(conversion: Conversion, refund: RefundRequest, received: datetime) -> RefundWrite:
    """What this refund changes, worked out from the conversion as read."""
    amount = int(conversion.amount)
    refunded = int(conversion.refunded_amount or 0)
    if refund.amount > amount - refunded:
        raise InvalidInput(
            f"refund of {refund.amount} is more than the {amount - refunded} left to refund"
        )
    new_refunded = refunded + refund.amount
    old_status = conversion.status
    attributed = old_status != "unattributed"
    new_commission = (
        conversion.commission_rule.commission(amount, new_refunded, conversion.currency).amount if attributed else 0
    )
    delta = new_commission - int(conversion.commission_amount)
    adjustment_month = adjustment_key = None
    if old_status == "approved" and delta != 0:
        # Its month is closed: the commission taken back is booked in the
        # statement of the month in which this refund arrived.
        adjustment_month = keys.adjustment_month(received)
        adjustment_key = keys.adjustment_key(
            conversion.brand_id,
            conversion.creator_id or "",
            conversion.commission_currency,
            conversion.conversion_id,
            refund.refund_id,
        )
    return RefundWrite(
        refund_id=refund.refund_id,
        amount=refund.amount,
        occurred_at=format_timestamp(refund.occurred_at),
        received_at=format_timestamp(received),
        commission_delta=delta,
        refunded_amount=new_refunded,
        commission_amount=new_commission,
        status="refunded" if attributed and new_refunded == amount else old_status,
        adjustment_month=adjustment_month,
        adjustment_key=adjustment_key,
    )
