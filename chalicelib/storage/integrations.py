"""The shop integrations' tables: each brand's platform secrets, what earlier deliveries
left behind (delivery markers, payments to match refunds to), and parked deliveries; and
`IntegrationsStore`, what the shop integrations read and write of them."""
from __future__ import annotations

from datetime import datetime
from typing import Any, Mapping, Optional, Protocol

from pynamodb.attributes import BooleanAttribute, MapAttribute, NumberAttribute, TTLAttribute, UnicodeAttribute
from pynamodb.exceptions import PutError
from pynamodb.indexes import GlobalSecondaryIndex
from pynamodb.models import Model

from chalicelib.base.timeutil import format_timestamp
from chalicelib.storage import keys, seam
from chalicelib.storage.dynamodb import get_or_none, index_meta, raise_refusal, table_meta
from chalicelib.storage.pagination import Page, key_attributes, paginate

PARKED = "parked"
"""The one key of the parked deliveries' index: parked deliveries are rare."""


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
    parked = UnicodeAttribute(default=PARKED)
    listing_key = UnicodeAttribute()  # keys.listing_key(received, delivery_id)
    brand_id = UnicodeAttribute()
    platform = UnicodeAttribute()
    reason = UnicodeAttribute()
    headers = MapAttribute[str, Any](default=dict)
    body = UnicodeAttribute()
    received_at = UnicodeAttribute()

    by_received = ParkedByReceivedIndex()


TABLES = (IntegrationSecret, IntegrationRecord, ParkedDelivery)



class IntegrationsStore(Protocol):
    """What the shop integrations read and write: each brand's platform secrets, the marks
    earlier deliveries left (recorded deliveries, payments) and the parked deliveries.
    Items are handed out as read-only values."""

    def save_secret(self, brand_id: str, platform: str, *, secret: str, updated_at: str) -> None:
        """The brand's signing secret for `platform`, replacing any earlier one (unconditional)."""

    def find_secret(self, brand_id: str, platform: str) -> Optional[IntegrationSecret]:
        """The brand's secret for `platform` (a consistent read: a secret just set verifies at once), or None."""

    def save_payment(
        self,
        brand_id: str,
        platform: str,
        reference: str,
        *,
        order_id: str,
        amount_total: int,
        commissionable: int,
        taxes_included: bool,
        recorded: datetime,
    ) -> None:
        """What a sale's payment `reference` paid for, to match its refunds to (unconditional: a replay
        of the same sale writes the same values)."""

    def find_payment(self, brand_id: str, platform: str, reference: str) -> Optional[IntegrationRecord]:
        """The payment `reference` of the brand on `platform` (a consistent read), or None."""

    def remember_delivery(self, brand_id: str, delivery_id: str, *, recorded: datetime, expires: datetime) -> None:
        """Mark the delivery as recorded until `expires` (DynamoDB's TTL removes the mark some time after)."""

    def delivery_recorded(self, brand_id: str, delivery_id: str) -> bool:
        """True when the delivery was marked recorded and the mark is still stored (a consistent read)."""

    def park_delivery(
        self,
        *,
        brand_id: str,
        delivery_id: str,
        platform: str,
        reason: str,
        headers: Mapping[str, str],
        body: str,
        received: datetime,
    ) -> ParkedDelivery:
        """Keep a delivery that could not be used, whole; `AlreadyExists` when this delivery of the brand
        is parked already (the first one kept stays as it was)."""

    def parked_deliveries(self, *, limit: int, cursor: Optional[str], scope: str) -> Page:
        """Parked deliveries of every brand, newest first (from an index: eventually consistent); the
        cursor resumes after the last one handed out (`InvalidInput` for a foreign one)."""


def parked_item(
    *,
    brand_id: str,
    delivery_id: str,
    platform: str,
    reason: str,
    headers: Mapping[str, str],
    body: str,
    received: datetime,
) -> ParkedDelivery:
    """The item a parked delivery is stored as (both implementations build it here)."""
    key = keys.parked_delivery(brand_id, delivery_id)
    return ParkedDelivery(
        key,
        parked=PARKED,
        listing_key=keys.listing_key(received, key),
        brand_id=brand_id,
        platform=platform,
        reason=reason,
        headers=dict(headers),
        body=body,
        received_at=format_timestamp(received),
    )


def payment_item(
    brand_id: str, platform: str, reference: str, *, order_id: str, amount_total: int, commissionable: int,
    taxes_included: bool, recorded: datetime,
) -> IntegrationRecord:
    """The item a sale's payment is stored as."""
    return IntegrationRecord(
        keys.payment_record(brand_id, platform, reference),
        order_id=order_id,
        amount_total=amount_total,
        commissionable=commissionable,
        taxes_included=taxes_included,
        recorded_at=format_timestamp(recorded),
    )


def delivery_mark(brand_id: str, delivery_id: str, *, recorded: datetime, expires: datetime) -> IntegrationRecord:
    """The item that marks a delivery as recorded."""
    return IntegrationRecord(keys.delivery_record(brand_id, delivery_id), recorded_at=format_timestamp(recorded),
                             expires_at=expires)


class DynamoIntegrationsStore:
    def save_secret(self, brand_id: str, platform: str, *, secret: str, updated_at: str) -> None:
        IntegrationSecret(brand_id, platform, secret=secret, updated_at=updated_at).save()

    def find_secret(self, brand_id: str, platform: str) -> Optional[IntegrationSecret]:
        return get_or_none(IntegrationSecret, brand_id, platform, consistent=True)

    def save_payment(
        self,
        brand_id: str,
        platform: str,
        reference: str,
        *,
        order_id: str,
        amount_total: int,
        commissionable: int,
        taxes_included: bool,
        recorded: datetime,
    ) -> None:
        payment_item(brand_id, platform, reference, order_id=order_id, amount_total=amount_total,
                       commissionable=commissionable, taxes_included=taxes_included, recorded=recorded).save()

    def find_payment(self, brand_id: str, platform: str, reference: str) -> Optional[IntegrationRecord]:
        return get_or_none(IntegrationRecord, keys.payment_record(brand_id, platform, reference), consistent=True)

    def remember_delivery(self, brand_id: str, delivery_id: str, *, recorded: datetime, expires: datetime) -> None:
        delivery_mark(brand_id, delivery_id, recorded=recorded, expires=expires).save()

    def delivery_recorded(self, brand_id: str, delivery_id: str) -> bool:
        return get_or_none(IntegrationRecord, keys.delivery_record(brand_id, delivery_id), consistent=True) is not None

    def park_delivery(
        self,
        *,
        brand_id: str,
        delivery_id: str,
        platform: str,
        reason: str,
        headers: Mapping[str, str],
        body: str,
        received: datetime,
    ) -> ParkedDelivery:
        parked = parked_item(brand_id=brand_id, delivery_id=delivery_id, platform=platform, reason=reason,
                                 headers=headers, body=body, received=received)
        try:
            parked.save(condition=ParkedDelivery.delivery_id.does_not_exist())
        except PutError as error:
            raise_refusal(error, create=True)
            raise
        return parked

    def parked_deliveries(self, *, limit: int, cursor: Optional[str], scope: str) -> Page:
        return paginate(
            scope=scope,
            cursor=cursor,
            limit=limit,
            query=lambda start: ParkedDelivery.by_received.query(
                PARKED, scan_index_forward=False, last_evaluated_key=start
            ),
            key_attributes=key_attributes(ParkedDelivery, ParkedDelivery.by_received),
        )


def integrations_store() -> IntegrationsStore:
    return seam.provide("integrations", DynamoIntegrationsStore)
