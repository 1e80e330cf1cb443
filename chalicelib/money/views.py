"""A conversion as the API shows it, and how one is loaded."""
from __future__ import annotations

from typing import Any

from chalicelib.base.errors import NotFound
from chalicelib.storage.money import Conversion, money_store


def conversion_view(conversion: Conversion) -> dict[str, Any]:
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


def load_conversion(brand_id: str, order_id: str) -> Conversion:
    """The brand's conversion of this order (a consistent read), or `NotFound`."""
    conversion = money_store().find_conversion(brand_id, order_id)
    if conversion is None:
        raise NotFound(f"order {order_id} not found")
    return conversion
