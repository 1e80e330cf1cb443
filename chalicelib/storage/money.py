"""The money tables: conversions (one per reported sale), refunds, and the
monthly close's own: month closes and statement lines.

Pending attributed conversions carry `pending_shard` and `eligible_key`, and
approved ones `statement_month`: the sparse indexes the monthly close reads, so
it reads its month and never a whole table. A refund of an approved conversion
also writes a `MonthAdjustment` in the same transaction: the close reads a
month's adjustments from the base table with a consistent read, so a refund
written a moment before the close began cannot be missed by an index lagging.
"""
from __future__ import annotations

from typing import Any, Optional, Protocol

from pynamodb.attributes import MapAttribute, NumberAttribute, UnicodeAttribute
from pynamodb.indexes import GlobalSecondaryIndex, KeysOnlyProjection
from pynamodb.models import Model

from chalicelib.storage import seam
from chalicelib.storage.accounts import CommissionRuleAttribute
from chalicelib.storage.dynamodb import get_or_none, index_meta, table_meta


class ConversionsByBrandIndex(GlobalSecondaryIndex["Conversion"]):
    Meta = index_meta("by_brand_received")
    brand_id = UnicodeAttribute(hash_key=True)
    listing_key = UnicodeAttribute(range_key=True)


class ConversionsByCreatorIndex(GlobalSecondaryIndex["Conversion"]):
    Meta = index_meta("by_creator_received")
    creator_id = UnicodeAttribute(hash_key=True)
    listing_key = UnicodeAttribute(range_key=True)


class PendingConversionsIndex(GlobalSecondaryIndex["Conversion"]):
    """Sparse: only pending attributed conversions carry `pending_shard`.
    The close queries each shard for `eligible_key < first instant of M+1`."""

    Meta = index_meta("pending_by_eligibility", KeysOnlyProjection())
    pending_shard = UnicodeAttribute(hash_key=True)
    eligible_key = UnicodeAttribute(range_key=True)


class ConversionsByStatementIndex(GlobalSecondaryIndex["Conversion"]):
    """Sparse: approved conversions by statement month. Read only when a close of
    that month takes over from one that died (it rebuilds every line)."""

    Meta = index_meta("by_statement_month")
    statement_month = UnicodeAttribute(hash_key=True)
    conversion_id = UnicodeAttribute(range_key=True)


class Conversion(Model):
    """Keyed by (brand, order_id): the conditional put on that key is what makes
    a sale exactly-once however often the webhook is retried."""

    Meta = table_meta("conversions", stream_view_type="NEW_AND_OLD_IMAGES")  # read by the stats aggregator
    brand_id = UnicodeAttribute(hash_key=True)
    order_id = UnicodeAttribute(range_key=True)
    conversion_id = UnicodeAttribute()
    creator_id = UnicodeAttribute(null=True)
    link_code = UnicodeAttribute(null=True)
    click_id = UnicodeAttribute(null=True)
    amount = NumberAttribute()
    refunded_amount = NumberAttribute(default=0)
    currency = UnicodeAttribute()
    commission_amount = NumberAttribute()
    commission_currency = UnicodeAttribute()
    # Copied from the brand when the conversion is received (a later PATCH of
    # the brand changes later conversions only).
    commission_rule = CommissionRuleAttribute()
    hold_days = NumberAttribute()
    attribution_window_days = NumberAttribute()
    status = UnicodeAttribute()  # pending | approved | refunded | unattributed
    occurred_at = UnicodeAttribute()
    received_at = UnicodeAttribute()
    statement_month = UnicodeAttribute(null=True)
    # Set in the same update as the approval: what statement lines are built from, so
    # a refund after approval (an adjustment of its own month) is never counted twice.
    approved_commission = NumberAttribute(null=True)
    approved_sales = NumberAttribute(null=True)  # amount − refunded_amount at approval
    listing_key = UnicodeAttribute()
    pending_shard = UnicodeAttribute(null=True)
    eligible_key = UnicodeAttribute(null=True)

    by_brand_received = ConversionsByBrandIndex()
    by_creator_received = ConversionsByCreatorIndex()
    pending_by_eligibility = PendingConversionsIndex()
    by_statement_month = ConversionsByStatementIndex()


class Refund(Model):
    """Keyed by (brand#order, refund_id): a repeated refund id changes nothing."""

    Meta = table_meta("refunds")
    order_key = UnicodeAttribute(hash_key=True)
    refund_id = UnicodeAttribute(range_key=True)
    brand_id = UnicodeAttribute()
    creator_id = UnicodeAttribute(null=True)
    amount = NumberAttribute()
    commission_delta = NumberAttribute()
    commission_currency = UnicodeAttribute()
    occurred_at = UnicodeAttribute(null=True)  # as the brand reported it
    received_at = UnicodeAttribute()
    adjustment_month = UnicodeAttribute(null=True)  # where its MonthAdjustment was booked, if any
    adjustment_key = UnicodeAttribute(null=True)


class MonthAdjustment(Model):
    """Commission a refund took back from an approved conversion, booked in the
    month the refund was received: what the close of that month adds to its lines."""

    Meta = table_meta("month_adjustments")
    month = UnicodeAttribute(hash_key=True)
    adjustment_key = UnicodeAttribute(range_key=True)  # keys.adjustment_key
    brand_id = UnicodeAttribute()
    creator_id = UnicodeAttribute()
    currency = UnicodeAttribute()  # the commission currency
    commission_delta = NumberAttribute()  # < 0
    refund_key = UnicodeAttribute()  # "<order_key>#<refund_id>": the refund it comes from


class MonthClose(Model):
    """The state of one month's close: `closing` (with the lease of the run doing it),
    then `closed` with its counts. Refunds check it before booking an adjustment."""

    Meta = table_meta("month_closes")
    month = UnicodeAttribute(hash_key=True)
    status = UnicodeAttribute()  # closing | closed
    run_id = UnicodeAttribute()
    lease_until = UnicodeAttribute()
    started_at = UnicodeAttribute()
    finished_at = UnicodeAttribute(null=True)
    statements = NumberAttribute(default=0)
    conversions_approved = NumberAttribute(default=0)
    adjustments = NumberAttribute(default=0)


class StatementLinesByCreatorIndex(GlobalSecondaryIndex["StatementLine"]):
    Meta = index_meta("by_creator")
    creator_id = UnicodeAttribute(hash_key=True)
    month_line = UnicodeAttribute(range_key=True)


class StatementLinesByBrandIndex(GlobalSecondaryIndex["StatementLine"]):
    Meta = index_meta("by_brand")
    brand_id = UnicodeAttribute(hash_key=True)
    month_line = UnicodeAttribute(range_key=True)


class StatementLine(Model):
    """One brand, one creator and one commission currency in one closed month."""

    Meta = table_meta("statement_lines")
    month = UnicodeAttribute(hash_key=True)
    line_key = UnicodeAttribute(range_key=True)  # keys.line_key
    month_line = UnicodeAttribute()  # keys.month_line: newest-first listings per party
    brand_id = UnicodeAttribute()
    creator_id = UnicodeAttribute()
    currency = UnicodeAttribute()
    conversions = NumberAttribute(default=0)
    sales = MapAttribute[str, Any](default=dict)  # sale currency -> amount, net of refunds at approval
    commission = NumberAttribute(default=0)
    adjustments = NumberAttribute(default=0)
    net = NumberAttribute(default=0)
    paid_at = UnicodeAttribute(null=True)

    by_creator = StatementLinesByCreatorIndex()
    by_brand = StatementLinesByBrandIndex()


TABLES = (Conversion, Refund, MonthAdjustment, MonthClose, StatementLine)


class MoneyStore(Protocol):
    """What the money capability (and the shop integrations) read and write: conversions,
    refunds, month closes and statement lines. Items are handed out as read-only values."""

    def find_conversion(self, brand_id: str, order_id: str) -> Optional[Conversion]:
        """The brand's conversion of this order (a consistent read), or None."""


class DynamoMoneyStore:
    def find_conversion(self, brand_id: str, order_id: str) -> Optional[Conversion]:
        return get_or_none(Conversion, brand_id, order_id, consistent=True)


def money_store() -> MoneyStore:
    return seam.provide("money", DynamoMoneyStore)
