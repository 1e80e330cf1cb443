"""The money tables: conversions (one per reported sale) and refunds.

Pending attributed conversions carry `pending_shard` and `eligible_key`, and
refunds of approved conversions `adjustment_month` and `adjustment_key`
(formats in `keys`): the two sparse indexes the monthly close reads.
"""
from __future__ import annotations

from pynamodb.attributes import NumberAttribute, UnicodeAttribute
from pynamodb.indexes import GlobalSecondaryIndex, KeysOnlyProjection
from pynamodb.models import Model

from chalicelib.storage.accounts import CommissionRuleAttribute
from chalicelib.storage.dynamodb import index_meta, table_meta


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


class Conversion(Model):
    """Keyed by (brand, order_id): the conditional put on that key is what makes
    a sale exactly-once however often the webhook is retried."""

    Meta = table_meta("conversions")
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
    listing_key = UnicodeAttribute()
    pending_shard = UnicodeAttribute(null=True)
    eligible_key = UnicodeAttribute(null=True)

    by_brand_received = ConversionsByBrandIndex()
    by_creator_received = ConversionsByCreatorIndex()
    pending_by_eligibility = PendingConversionsIndex()


class AdjustmentsByMonthIndex(GlobalSecondaryIndex["Refund"]):
    """Sparse: refunds of already approved conversions, by the month they arrived."""

    Meta = index_meta("adjustments_by_month")
    adjustment_month = UnicodeAttribute(hash_key=True)
    adjustment_key = UnicodeAttribute(range_key=True)


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
    adjustment_month = UnicodeAttribute(null=True)
    adjustment_key = UnicodeAttribute(null=True)

    adjustments_by_month = AdjustmentsByMonthIndex()


TABLES = (Conversion, Refund)
