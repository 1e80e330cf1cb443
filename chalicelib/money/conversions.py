"""Conversions: the sales and refunds brands report, attributed to the click
that led to them, with the commission they earn.

Both ways in (`POST /conversions` with the brand's key, and the signed
`POST /webhooks/{brand_id}/conversions`) end in `record_conversion`.

Exactly once:
- a sale is one conditional put on its key (brand_id, order_id); a retried or
  concurrent duplicate fails the condition, is read back and answered 200 when
  it says the same (amount, currency, click), 409 when it does not;
- a refund is one transaction that writes the Refund item (keyed by
  `brand#order`, refund_id, so a repeated refund id fails) together with the
  conversion's update, conditioned on the refunded amount and status read, so
  two concurrent refunds never both spend the same remainder.

For the monthly close, pending attributed conversions carry `pending_shard` and
`eligible_key` (`occurred_at + hold_days` then `#conversion_id`), so "pending and
eligible before T" is one Query per shard of the sparse `pending_by_eligibility`
index; refunds of approved conversions carry `adjustment_month` and are found
with one Query of the sparse `adjustments_by_month` index.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any, Mapping, Optional

from pynamodb.exceptions import DoesNotExist, PutError, TransactWriteError

from chalicelib.accounts.auth import BRAND, Caller
from chalicelib.accounts.brands import commission_view, load_brand
from chalicelib.accounts.programs import membership_status
from chalicelib.base import validation
from chalicelib.base.config import now
from chalicelib.base.errors import Conflict, InvalidInput, NotFound
from chalicelib.base.ids import new_id
from chalicelib.base.observability import count, count_money, logger
from chalicelib.base.timeutil import epoch_ms, format_timestamp, parse_stored, parse_timestamp
from chalicelib.money import commission as money
from chalicelib.storage.models import Brand, Click, CommissionRule, Conversion, Refund, condition_failed, transaction
from chalicelib.storage.pagination import key_attributes, paginate

TYPES = ("sale", "refund")
SALE_FIELDS = ("type", "order_id", "click_id", "amount", "currency", "occurred_at")
REFUND_FIELDS = ("type", "order_id", "refund_id", "amount", "occurred_at")
STATUSES = ("pending", "approved", "refunded", "unattributed")
FUTURE_TOLERANCE = timedelta(minutes=5)
CLICK_LEAD = timedelta(minutes=5)  # a sale may be stamped up to 5 min before its click
EARLIEST_OCCURRED_AT = datetime(1970, 1, 1, tzinfo=timezone.utc)
PENDING_SHARDS = 10
_REFUND_ATTEMPTS = 5


@dataclass(frozen=True)
class Recorded:
    """The conversion as the API shows it, and whether this call created it
    (a new sale) or found it (a replay, a refund)."""

    conversion: dict
    created: bool


@dataclass(frozen=True)
class Sale:
    order_id: str
    click_id: Optional[str]
    amount: int
    currency: str
    occurred_at: datetime


@dataclass(frozen=True)
class RefundRequest:
    order_id: str
    refund_id: str
    amount: int
    occurred_at: datetime


# --- the two ways in ----------------------------------------------------------------


def record_signed_conversion(
    brand_id: str, raw_body: Optional[bytes], signature_header: Optional[str]
) -> Recorded:
    """The webhook: verify the signature on the raw body, then record as a brand would."""
    from chalicelib.money.signatures import verify_brand_signature

    brand = verify_brand_signature(brand_id, raw_body, signature_header)
    return _record(brand_id, validation.parse_json_object(raw_body), brand)


def record_conversion(brand_id: str, body: Mapping[str, Any]) -> Recorded:
    """A sale (new, or a replay of the same one) or a refund, and the conversion as the API shows it."""
    return _record(brand_id, body, None)


def _record(brand_id: str, body: Mapping[str, Any], brand: Optional[Brand]) -> Recorded:
    if validation.choice(body, "type", TYPES) == "sale":
        sale = _parse_sale(body)
        return _record_sale(brand or load_brand(brand_id, consistent=True), sale)
    return Recorded(_record_refund(brand_id, _parse_refund(body)), created=False)


# --- input ---------------------------------------------------------------------------


def _occurred_at(body: Mapping[str, Any], received: datetime) -> datetime:
    value = body.get("occurred_at")
    if value is None:
        return received.replace(microsecond=0)
    moment = parse_timestamp(value, "occurred_at")
    if moment > received + FUTURE_TOLERANCE:
        raise InvalidInput("occurred_at may not be more than 5 minutes in the future")
    if moment < EARLIEST_OCCURRED_AT:
        raise InvalidInput("occurred_at must be after 1970-01-01T00:00:00Z")
    return moment


def _parse_sale(body: Mapping[str, Any]) -> Sale:
    validation.reject_unknown_fields(body, SALE_FIELDS)
    return Sale(
        order_id=validation.string(body, "order_id", max_length=validation.MAX_ID_LENGTH),
        click_id=validation.string(body, "click_id", max_length=validation.MAX_ID_LENGTH, required=False),
        amount=validation.integer(body, "amount"),
        currency=money.normalize_currency(body.get("currency")),
        occurred_at=_occurred_at(body, now()),
    )


def _parse_refund(body: Mapping[str, Any]) -> RefundRequest:
    validation.reject_unknown_fields(body, REFUND_FIELDS)
    return RefundRequest(
        order_id=validation.string(body, "order_id", max_length=validation.MAX_ID_LENGTH),
        refund_id=validation.string(body, "refund_id", max_length=validation.MAX_ID_LENGTH),
        amount=validation.integer(body, "amount", minimum=1),
        occurred_at=_occurred_at(body, now()),
    )


# --- views -----------------------------------------------------------------------------


def conversion_view(conversion: Conversion) -> dict:
    return {
        "conversion_id": conversion.conversion_id,
        "order_id": conversion.order_id,
        "brand_id": conversion.brand_id,
        "creator_id": conversion.creator_id,
        "link_code": conversion.link_code,
        "click_id": conversion.click_id,
        "amount": int(conversion.amount),
        "refunded_amount": int(conversion.refunded_amount or 0),
        "currency": conversion.currency,
        "commission": {
            "amount": int(conversion.commission_amount),
            "currency": conversion.commission_currency,
        },
        "status": conversion.status,
        "occurred_at": conversion.occurred_at,
        "received_at": conversion.received_at,
        "statement_month": conversion.statement_month,
    }


def _rule_of(conversion: Conversion) -> dict:
    return commission_view(conversion.commission_rule)


# --- sales -------------------------------------------------------------------------------


def attributed_click(brand: Brand, click_id: Optional[str], occurred_at: datetime) -> Optional[Click]:
    """The click this sale is credited to, or None (§4: exists, same brand,
    creator not blocked, sale within [click − 5 min, click + window])."""
    if click_id is None:
        return None
    try:
        click = Click.get(click_id, consistent_read=True)
    except DoesNotExist:
        return None
    if click.expires_at is not None and click.expires_at <= now():
        return None  # expired by TTL but not deleted yet: as good as gone
    if click.brand_id != brand.brand_id:
        return None
    clicked_at = parse_stored(click.clicked_at)
    window = timedelta(days=int(brand.attribution_window_days))
    if not clicked_at - CLICK_LEAD <= occurred_at <= clicked_at + window:
        return None
    if membership_status(brand.brand_id, click.creator_id) == "blocked":
        return None
    return click


def pending_shard(conversion_id: str) -> str:
    digest = hashlib.sha256(conversion_id.encode("utf-8")).digest()
    return f"pending#{int.from_bytes(digest[:4], 'big') % PENDING_SHARDS}"


def eligible_key(occurred_at: datetime, hold_days: int, conversion_id: str) -> str:
    return f"{format_timestamp(occurred_at + timedelta(days=hold_days))}#{conversion_id}"


def _new_conversion(
    brand: Brand, sale: Sale, click: Optional[Click], received: datetime, received_precise: datetime
) -> Conversion:
    rule = commission_view(brand.commission)
    hold_days = int(brand.hold_days)
    if click is not None:
        earned = money.commission(rule, sale.amount, 0, sale.currency)
    else:
        earned = money.Money(0, money.commission_currency(rule, sale.currency))
    conversion_id = new_id("cv")
    pending = click is not None
    return Conversion(
        brand.brand_id,
        sale.order_id,
        conversion_id=conversion_id,
        creator_id=click.creator_id if click else None,
        link_code=click.code if click else None,
        click_id=sale.click_id,
        amount=sale.amount,
        refunded_amount=0,
        currency=sale.currency,
        commission_amount=earned.amount,
        commission_currency=earned.currency,
        commission_rule=CommissionRule(**rule),
        hold_days=hold_days,
        attribution_window_days=int(brand.attribution_window_days),
        status="pending" if pending else "unattributed",
        occurred_at=format_timestamp(sale.occurred_at),
        received_at=format_timestamp(received),
        statement_month=None,
        # Milliseconds, not the shown whole seconds: sales of one second still list newest first.
        listing_key=f"{epoch_ms(received_precise):013d}#{conversion_id}",
        pending_shard=pending_shard(conversion_id) if pending else None,
        eligible_key=eligible_key(sale.occurred_at, hold_days, conversion_id) if pending else None,
    )


def _same_sale(conversion: Conversion, sale: Sale) -> bool:
    return (
        int(conversion.amount) == sale.amount
        and conversion.currency == sale.currency
        and conversion.click_id == sale.click_id
    )


def _record_sale(brand: Brand, sale: Sale) -> Recorded:
    received_precise = now()
    received = received_precise.replace(microsecond=0)
    click = attributed_click(brand, sale.click_id, sale.occurred_at)
    conversion = _new_conversion(brand, sale, click, received, received_precise)
    try:
        conversion.save(condition=Conversion.order_id.does_not_exist())
    except PutError as error:
        if not condition_failed(error):
            raise
        return _replayed_sale(brand.brand_id, sale)
    count("Conversions")
    if conversion.status == "unattributed":
        count("UnattributedConversions")
    count_money("CommissionAmount", int(conversion.commission_amount), conversion.commission_currency)
    logger.info(
        "conversion recorded",
        brand_id=brand.brand_id,
        order_id=sale.order_id,
        conversion_id=conversion.conversion_id,
        status=conversion.status,
    )
    return Recorded(conversion_view(conversion), created=True)


def _replayed_sale(brand_id: str, sale: Sale) -> Recorded:
    existing = _load_conversion(brand_id, sale.order_id)
    log_keys = {"brand_id": brand_id, "order_id": sale.order_id, "conversion_id": existing.conversion_id}
    if not _same_sale(existing, sale):
        logger.info("conflicting sale replay", **log_keys)
        raise Conflict(
            f"order {sale.order_id} was already reported with another amount, currency or click_id"
        )
    logger.info("sale replayed", **log_keys)
    return Recorded(conversion_view(existing), created=False)


def _load_conversion(brand_id: str, order_id: str) -> Conversion:
    try:
        return Conversion.get(brand_id, order_id, consistent_read=True)
    except DoesNotExist:
        raise NotFound(f"order {order_id} not found") from None


# --- refunds -----------------------------------------------------------------------------


def order_key(brand_id: str, order_id: str) -> str:
    return f"{brand_id}#{order_id}"


def _existing_refund(brand_id: str, refund: RefundRequest) -> bool:
    try:
        Refund.get(order_key(brand_id, refund.order_id), refund.refund_id, consistent_read=True)
        return True
    except DoesNotExist:
        return False


def _record_refund(brand_id: str, refund: RefundRequest) -> dict:
    for _attempt in range(_REFUND_ATTEMPTS):
        conversion = _load_conversion(brand_id, refund.order_id)
        if _existing_refund(brand_id, refund):
            return conversion_view(conversion)  # the same refund again: no change
        try:
            return _apply_refund(conversion, refund)
        except TransactWriteError as error:
            if not condition_failed(error):
                raise
            # Another refund (or the monthly close) changed the conversion, or
            # this refund id was written meanwhile: read again and decide anew.
    raise Conflict(f"order {refund.order_id} is being changed by other requests; try again")


def _apply_refund(conversion: Conversion, refund: RefundRequest) -> dict:
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
        money.commission(_rule_of(conversion), amount, new_refunded, conversion.currency).amount
        if attributed
        else 0
    )
    delta = new_commission - old_commission
    new_status = "refunded" if attributed and new_refunded == amount else old_status
    received = now().replace(microsecond=0)

    item = Refund(
        order_key(conversion.brand_id, conversion.order_id),
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
        item.adjustment_month = format_timestamp(received)[:7]
        # Ids are up to 128 characters of any script: hash the refund id so the
        # index sort key stays far under DynamoDB's 1,024-byte limit.
        refund_digest = hashlib.sha256(refund.refund_id.encode("utf-8")).hexdigest()[:24]
        item.adjustment_key = "#".join(
            (conversion.brand_id, conversion.creator_id or "", conversion.commission_currency,
             conversion.conversion_id, refund_digest)
        )

    actions = [
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


# --- listing ----------------------------------------------------------------------------


def list_conversions(caller: Caller, *, status: Optional[str], limit: int, cursor: Optional[str]) -> dict:
    """The caller's conversions, newest received first, optionally of one status."""
    if status is not None and status not in STATUSES:
        raise InvalidInput(f"status must be one of: {', '.join(STATUSES)}")
    index = Conversion.by_brand_received if caller.role == BRAND else Conversion.by_creator_received
    condition = (Conversion.status == status) if status is not None else None
    page = paginate(
        scope=f"conversions:{caller.role}:{caller.id}:{status or '*'}",
        cursor=cursor,
        limit=limit,
        query=lambda start: index.query(
            caller.id,
            filter_condition=condition,
            scan_index_forward=False,
            last_evaluated_key=start,
        ),
        key_attributes=key_attributes(Conversion, index),
    )
    return page.body(conversion_view)
