"""Sales: attributed to the click that led to them, with the commission they earn.

Exactly once: a sale is one conditional put on its key (brand_id, order_id); a
retried or concurrent duplicate fails the condition, is read back and is a
replay when it says the same (amount, currency, click), a `Conflict` when not.

Pending attributed conversions carry `pending_shard` and `eligible_key`
(`storage.keys`), so "pending and eligible before T" is one Query per shard of
the sparse index the monthly close reads.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Mapping, Optional

from chalicelib.accounts.programs import is_blocked
from chalicelib.base import validation
from chalicelib.base.clock import now
from chalicelib.base.errors import Conflict
from chalicelib.base.ids import new_id
from chalicelib.base.money import Money, normalize_currency
from chalicelib.base.observability import count, count_money, logger
from chalicelib.base.timeutil import format_timestamp, parse_stored
from chalicelib.money.occurred import occurred_at
from chalicelib.money.views import conversion_view, load_conversion
from chalicelib.storage import keys
from chalicelib.storage.accounts import Brand
from chalicelib.storage.errors import AlreadyExists
from chalicelib.storage.money import Conversion, money_store
from chalicelib.storage.tap import Click, tap_store

SALE_FIELDS = ("type", "order_id", "click_id", "amount", "currency", "occurred_at")
CLICK_LEAD = timedelta(minutes=5)  # a sale may be stamped up to 5 min before its click


@dataclass(frozen=True)
class Sale:
    order_id: str
    click_id: Optional[str]
    amount: int
    currency: str
    occurred_at: datetime


@dataclass(frozen=True)
class Recorded:
    """The conversion as the API shows it, and whether this call created it
    (a new sale) or found it (a replay, a refund)."""

    conversion: dict[str, Any]
    created: bool


def parse_sale(body: Mapping[str, Any]) -> Sale:
    validation.reject_unknown_fields(body, SALE_FIELDS)
    return Sale(
        order_id=validation.required_string(body, "order_id", max_length=validation.MAX_ID_LENGTH),
        click_id=validation.string(body, "click_id", max_length=validation.MAX_ID_LENGTH, required=False),
        amount=validation.required_integer(body, "amount"),
        currency=normalize_currency(body.get("currency")),
        occurred_at=occurred_at(body, now()),
    )


def attributed_click(brand: Brand, click_id: Optional[str], occurred: datetime) -> Optional[Click]:
    """The click this sale is credited to, or None (§4: exists, same brand,
    creator not blocked, sale within [click − 5 min, click + window])."""
    if click_id is None:
        return None
    click = tap_store().find_click(click_id)
    if click is None:
        return None
    if click.expires_at is not None and click.expires_at <= now():
        return None  # expired by TTL but not deleted yet: as good as gone
    if click.brand_id != brand.brand_id:
        return None
    clicked_at = parse_stored(click.clicked_at)
    window = timedelta(days=int(brand.attribution_window_days))
    if clicked_at is None or not clicked_at - CLICK_LEAD <= occurred <= clicked_at + window:
        return None
    if is_blocked(brand.brand_id, click.creator_id):
        return None
    return click


def _new_conversion(
    brand: Brand, sale: Sale, click: Optional[Click], received: datetime, received_precise: datetime
) -> dict[str, Any]:
    """The attributes of the conversion this sale makes (the store builds the item)."""
    rule = brand.commission
    hold_days = int(brand.hold_days)
    if click is not None:
        earned = rule.commission(sale.amount, 0, sale.currency)
    else:
        earned = Money(0, rule.currency_for(sale.currency))
    conversion_id = new_id("cv")
    pending = click is not None
    return dict(
        brand_id=brand.brand_id,
        order_id=sale.order_id,
        conversion_id=conversion_id,
        creator_id=click.creator_id if click else None,
        link_code=click.code if click else None,
        click_id=sale.click_id,
        amount=sale.amount,
        refunded_amount=0,
        currency=sale.currency,
        commission_amount=earned.amount,
        commission_currency=earned.currency,
        commission_rule=rule,
        hold_days=hold_days,
        attribution_window_days=int(brand.attribution_window_days),
        status="pending" if pending else "unattributed",
        occurred_at=format_timestamp(sale.occurred_at),
        received_at=format_timestamp(received),
        statement_month=None,
        listing_key=keys.listing_key(received_precise, conversion_id),
        pending_shard=keys.pending_shard(conversion_id) if pending else None,
        eligible_key=keys.eligible_key(sale.occurred_at, hold_days, conversion_id) if pending else None,
    )


def _same_sale(conversion: Conversion, sale: Sale) -> bool:
    return (
        int(conversion.amount) == sale.amount
        and conversion.currency == sale.currency
        and conversion.click_id == sale.click_id
    )


def record_sale(brand: Brand, sale: Sale) -> Recorded:
    """A new sale (created), or the replay of one already recorded."""
    received_precise = now()
    received = received_precise.replace(microsecond=0)
    click = attributed_click(brand, sale.click_id, sale.occurred_at)
    try:
        conversion = money_store().record_sale(_new_conversion(brand, sale, click, received, received_precise))
    except AlreadyExists:
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
    existing = load_conversion(brand_id, sale.order_id)
    log_keys: dict[str, Any] = {
        "brand_id": brand_id, "order_id": sale.order_id, "conversion_id": existing.conversion_id
    }
    if not _same_sale(existing, sale):
        logger.info("conflicting sale replay", **log_keys)
        raise Conflict(
            f"order {sale.order_id} was already reported with another amount, currency or click_id"
        )
    logger.info("sale replayed", **log_keys)
    return Recorded(conversion_view(existing), created=False)
