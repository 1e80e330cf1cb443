"""The shop integrations' tables: each brand's platform secrets, what earlier deliveries
left behind (delivery markers, payments to match refunds to), and parked deliveries."""
from __future__ import annotations

from typing import Any

from pynamodb.attributes import BooleanAttribute, MapAttribute, NumberAttribute, TTLAttribute, UnicodeAttribute
from pynamodb.indexes import GlobalSecondaryIndex
from pynamodb.models import Model

from chalicelib.storage.dynamodb import index_meta, table_meta


class IntegrationSecret(Model):
    """A brand's signing secret for one platform. Stored recoverably (HMAC needs it); the
    table is encrypted at rest with a KMS key in AWS, and the secret is never returned."""

    Meta = table_meta("integration_secrets", holds_secrets=True)
    brand_id = UnicodeAttribute(hash_key=True)
    platform = UnicodeAttribute(range_key=True)
    secret = UnicodeAttribute()
    updated_at = UnicodeAttribute()


class IntegrationRecord(Model):
    """What a delivery leaves for later ones: `delivery#…` (this delivery was recorded; a
    redelivery changes nothing) and `payment#…` (a sale's payment, to match its refunds)."""

    Meta = table_meta("integration_records")
    record_key = UnicodeAttribute(hash_key=True)  # keys.delivery_record / keys.payment_record
    order_id = UnicodeAttribute(null=True)
    amount_total = NumberAttribute(null=True)
    commissionable = NumberAttribute(null=True)
    taxes_included = BooleanAttribute(null=True)
    recorded_at = UnicodeAttribute()
    expires_at = TTLAttribute(null=True)


class ParkedByReceivedIndex(GlobalSecondaryIndex["ParkedDelivery"]):
    Meta = index_meta("by_received")
    parked = UnicodeAttribute(hash_key=True)
    listing_key = UnicodeAttribute(range_key=True)


class ParkedDelivery(Model):
    """A correctly signed shop delivery that could not be used, kept whole for admins."""

    Meta = table_meta("parked_deliveries")
    delivery_id = UnicodeAttribute(hash_key=True)  # keys.parked_delivery
    parked = UnicodeAttribute(default="parked")  # one key: parked deliveries are rare
    listing_key = UnicodeAttribute()  # keys.listing_key(received, delivery_id)
    brand_id = UnicodeAttribute()
    platform = UnicodeAttribute()
    reason = UnicodeAttribute()
    headers = MapAttribute[str, Any](default=dict)
    body = UnicodeAttribute()
    received_at = UnicodeAttribute()

    by_received = ParkedByReceivedIndex()


TABLES = (IntegrationSecret, IntegrationRecord, ParkedDelivery)
