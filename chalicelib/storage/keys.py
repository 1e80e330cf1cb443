"""Every composite key and key-like attribute Affilink writes, in one place:
the format of a stored key must not drift between the code that writes it and
the code (or the next issue's code) that queries it.

Plain functions of plain values; no table is touched here.
"""
from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

from chalicelib.base.timeutil import epoch_ms, format_timestamp, minute_of, month_of

CATALOGUE = "brands"
"""The one partition of the brands' catalogue index: every brand, in id order."""

PENDING_SHARDS = 10
"""Pending conversions are spread over this many partitions of the sparse index the close queries."""


def listing_key(moment: datetime, item_id: str) -> str:
    """`<epoch ms, 13 digits>#<id>`: newest-first listings (links, conversions).

    Milliseconds, not the whole seconds shown: items of one second still list in order."""
    return f"{epoch_ms(moment):013d}#{item_id}"


def pending_shard(conversion_id: str) -> str:
    """`pending#<0..9>`, from a hash of the id: the close reads each shard."""
    digest = hashlib.sha256(conversion_id.encode("utf-8")).digest()
    return f"pending#{int.from_bytes(digest[:4], 'big') % PENDING_SHARDS}"


def eligible_key(occurred_at: datetime, hold_days: int, conversion_id: str) -> str:
    """`<occurred_at + hold_days>#<conversion id>`: "eligible before T" is one range query."""
    return f"{format_timestamp(occurred_at + timedelta(days=hold_days))}#{conversion_id}"


def order_key(brand_id: str, order_id: str) -> str:
    """`<brand id>#<order id>`: the partition of one order's refunds."""
    return f"{brand_id}#{order_id}"


def adjustment_month(received: datetime) -> str:
    """`YYYY-MM`: the statement month a refund of an approved conversion is booked in."""
    return month_of(received)


def adjustment_key(brand_id: str, creator_id: str, currency: str, conversion_id: str, refund_id: str) -> str:
    """`<brand>#<creator>#<currency>#<conversion>#<refund digest>`: adjustments by statement line.

    Refund ids are up to 128 characters of any script: hashed, so the index sort
    key stays far under DynamoDB's 1,024-byte limit."""
    refund_digest = hashlib.sha256(refund_id.encode("utf-8")).hexdigest()[:24]
    return "#".join((brand_id, creator_id, currency, conversion_id, refund_digest))


def rate_limit_key(action: str, caller_id: str, moment: datetime) -> str:
    """`<action>#<caller>#<UTC minute>`: one fixed-window counter."""
    return f"{action}#{caller_id}#{minute_of(moment)}"


def line_key(brand_id: str, creator_id: str, currency: str) -> str:
    """`<brand>#<creator>#<commission currency>`: one statement line of a month."""
    return f"{brand_id}#{creator_id}#{currency}"


def month_line(month: str, brand_id: str, creator_id: str, currency: str) -> str:
    """`<month>#<brand>#<creator>#<currency>`: a party's lines, newest month first."""
    return f"{month_lines(month)}{line_key(brand_id, creator_id, currency)}"


def month_lines(month: str) -> str:
    """`<month>#`: what every `month_line` of that month begins with (and sorts after all earlier months')."""
    return f"{month}#"


def delivery_record(brand_id: str, delivery_id: str) -> str:
    """`delivery#<brand>#<platform delivery id>`: a shop delivery already recorded."""
    return f"delivery#{brand_id}#{delivery_id}"


def payment_record(brand_id: str, platform: str, reference: str) -> str:
    """`payment#<brand>#<platform>#<reference>`: a sale's platform payment (a Stripe payment intent)."""
    return f"payment#{brand_id}#{platform}#{reference}"


def parked_delivery(brand_id: str, delivery_id: str) -> str:
    """`<brand>#<platform delivery id>`: a delivery parked once however often it is redelivered."""
    return f"{brand_id}#{delivery_id}"


def stats_day(day: str) -> str:
    """`day#YYYY-MM-DD`: a counter item's bucket for one UTC day."""
    return f"day#{day}"


def stats_link_day(day: str, code: str) -> str:
    """`link#YYYY-MM-DD#<code>`: one link's day under its creator or brand (their top links)."""
    return f"link#{day}#{code}"


def visitor_mark(code: str, day: str, visitor_hash: str) -> str:
    """`<code>#<day>#<visitor hash>`: one visitor on one link in one UTC day."""
    return f"{code}#{day}#{visitor_hash}"
