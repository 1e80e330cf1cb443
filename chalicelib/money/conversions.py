"""Conversions: the sales and refunds brands report, both ways in, and the
caller's list of them.

`POST /conversions` (the brand's key) and the signed
`POST /webhooks/{brand_id}/conversions` both end in `_record`: one body, one
behaviour. Sales are in `sales.py`, refunds in `refunds.py`.
"""
from __future__ import annotations

from typing import Any, Mapping, Optional

from chalicelib.accounts.auth import BRAND, CREATOR, Caller
from chalicelib.accounts.brands import load_brand
from chalicelib.base import validation
from chalicelib.base.errors import InvalidInput
from chalicelib.money.refunds import parse_refund, record_refund
from chalicelib.money.sales import Recorded, parse_sale, record_sale
from chalicelib.money.signatures import verify_brand_signature
from chalicelib.money.views import conversion_view
from chalicelib.storage.accounts import Brand
from chalicelib.storage.money import money_store

TYPES = ("sale", "refund")
STATUSES = ("pending", "approved", "refunded", "unattributed")


def record_signed_conversion(
    brand_id: str, raw_body: bytes, signature_header: Optional[str]
) -> Recorded:
    """The webhook: verify the signature on the raw body, then record as a brand would."""
    brand = verify_brand_signature(brand_id, raw_body, signature_header)
    return _record(brand_id, validation.parse_json_object(raw_body), brand)


def record_conversion(
    brand_id: str, body: Mapping[str, Any], *, expected_refunded: Optional[int] = None
) -> Recorded:
    """A sale (new, or a replay of the same one) or a refund, and the conversion as the API shows it.

    `expected_refunded`: record a refund only if the order's `refunded_amount` is still this
    (a shop integration that worked the refund out from it); else `Conflict`."""
    return _record(brand_id, body, None, expected_refunded)


def _record(
    brand_id: str, body: Mapping[str, Any], brand: Optional[Brand], expected_refunded: Optional[int] = None
) -> Recorded:
    if validation.choice(body, "type", TYPES) == "sale":
        sale = parse_sale(body)
        return record_sale(brand or load_brand(brand_id, consistent=True), sale)
    return Recorded(record_refund(brand_id, parse_refund(body), expected_refunded), created=False)


def list_conversions(
    caller: Caller, *, status: Optional[str], limit: int, cursor: Optional[str]
) -> dict[str, Any]:
    """The caller's conversions, newest received first, optionally of one status."""
    if status is not None and status not in STATUSES:
        raise InvalidInput(f"status must be one of: {', '.join(STATUSES)}")
    page = money_store().list_conversions(
        BRAND if caller.role == BRAND else CREATOR,
        caller.id,
        status=status,
        limit=limit,
        cursor=cursor,
        scope=f"conversions:{caller.role}:{caller.id}:{status or '*'}",
    )
    return page.body(conversion_view)
