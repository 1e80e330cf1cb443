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

from pynamodb.exceptions import TransactWriteError
from pynamodb.expressions.update import Action

from chalicelib.base import validation
from chalicelib.base.clock import now
from chalicelib.base.errors import Conflict, InvalidInput
from chalicelib.base.observability import logger
from chalicelib.base.timeutil import format_timestamp
from chalicelib.money.occurred import occurred_at
from chalicelib.money.views import conversion_view, load_conversion
from chalicelib.storage import keys
from chalicelib.storage.dynamodb import condition_failed, get_or_none, transaction, write_conflict
from chalicelib.storage.money import Conversion, MonthAdjustment, MonthClose, Refund

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
        order = keys.order_key(brand_id, refund.order_id)
        if get_or_none(Refund, order, refund.refund_id, consistent=True) is not None:
            return conversion_view(conversion)  # the same refund again: no change
        if expected_refunded is not None and int(conversion.refunded_amount or 0) != expected_refunded:
            raise Conflict(f"order {refund.order_id} was refunded meanwhile; work the refund out again")
        try:
            return _apply_refund(conversion, refund)
        except TransactWriteError as error:
            if not (condition_failed(error) or write_conflict(error)):
                raise
            # Another refund (or the monthly close) changed the conversion or was
            # writing it at that instant, this refund id was written meanwhile, or
            # the month it would be booked in began closing: read again, decide anew.
    raise Conflict(f"order {refund.order_id} is being changed by other requests; try again")


def _apply_refund(conversion: Conversion, refund: RefundRequest) -> dict[str, Any]:
    amount = int(conversion.amount)
    refunded = int(conversion.refunded_amount or 0)
    if refund.amount > amount - refunded:
        raise InvalidInput(
            f"refund of {refund.amount} is more than the {amount - refunded} left to refund"
        )
    new_refunded = refunded + refund.amount
    old_commission = int(conversion.commission_amount)
    old_status = conversion.status
    attributed = old_status != "unattributed"
    new_commission = (
        conversion.commission_rule.commission(amount, new_refunded, conversion.currency).amount if attributed else 0
    )
    delta = new_commission - old_commission
    new_status = "refunded" if attributed and new_refunded == amount else old_status
    received = now().replace(microsecond=0)

    item = Refund(
        keys.order_key(conversion.brand_id, conversion.order_id),
        refund.refund_id,
        brand_id=conversion.brand_id,
        creator_id=conversion.creator_id,
        amount=refund.amount,
        occurred_at=format_timestamp(refund.occurred_at),
        commission_delta=delta,
        commission_currency=conversion.commission_currency,
        received_at=format_timestamp(received),
    )
    if old_status == "approved" and delta != 0:
        # Its month is closed: the commission taken back is booked in the
        # statement of the month in which this refund arrived.
        item.adjustment_month = keys.adjustment_month(received)
        item.adjustment_key = keys.adjustment_key(
            conversion.brand_id,
            conversion.creator_id or "",
            conversion.commission_currency,
            conversion.conversion_id,
            refund.refund_id,
        )

    actions: list[Action] = [
        Conversion.refunded_amount.set(new_refunded),
        Conversion.commission_amount.set(new_commission),
    ]
    if new_status != old_status:
        actions += [
            Conversion.status.set(new_status),
            Conversion.pending_shard.remove(),
            Conversion.eligible_key.remove(),
        ]
    with transaction() as write:
        write.save(item, condition=Refund.refund_id.does_not_exist())
        if item.adjustment_month is not None and item.adjustment_key is not None:
            write.save(
                MonthAdjustment(
                    item.adjustment_month,
                    item.adjustment_key,
                    brand_id=conversion.brand_id,
                    creator_id=conversion.creator_id or "",
                    currency=conversion.commission_currency,
                    commission_delta=delta,
                    refund_key=f"{item.order_key}#{refund.refund_id}",
                )
            )
            # Never into a month whose close has begun: the close may have read its
            # adjustments already. The retry reads the clock again (a later month).
            write.condition_check(MonthClose, item.adjustment_month, condition=MonthClose.month.does_not_exist())
        write.update(
            conversion,
            actions=actions,
            condition=(Conversion.refunded_amount == refunded) & (Conversion.status == old_status),
        )

    conversion.refunded_amount = new_refunded
    conversion.commission_amount = new_commission
    conversion.status = new_status
    if new_status != old_status:
        conversion.pending_shard = None
        conversion.eligible_key = None
    logger.info(
        "refund recorded",
        brand_id=conversion.brand_id,
        order_id=conversion.order_id,
        conversion_id=conversion.conversion_id,
        refund_id=refund.refund_id,
        commission_delta=delta,
        adjustment_month=item.adjustment_month,
    )
    return conversion_view(conversion)
