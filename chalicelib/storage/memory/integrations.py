"""The in-memory twin of `storage.integrations.DynamoIntegrationsStore`: the three tables as
dicts of stored items; parked deliveries listed in the order of the index's keys."""
from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Iterator, Mapping, Optional

from chalicelib.storage import keys
from chalicelib.storage.errors import AlreadyExists
from chalicelib.storage.integrations import (
    IntegrationRecord,
    IntegrationSecret,
    ParkedDelivery,
    delivery_mark,
    parked_item,
    payment_item,
)
from chalicelib.storage.pagination import Page, key_attributes, paginate


class InMemoryIntegrationsStore:
    def __init__(self) -> None:
        self.secrets: dict[tuple[str, str], dict] = {}  # (brand id, platform) -> the stored item
        self.records: dict[str, dict] = {}  # record key -> the stored item
        self.parked: dict[str, dict] = {}  # parked delivery key -> the stored item

    def save_secret(self, brand_id: str, platform: str, *, secret: str, updated_at: str) -> None:
        self.secrets[(brand_id, platform)] = IntegrationSecret(
            brand_id, platform, secret=secret, updated_at=updated_at).serialize()

    def find_secret(self, brand_id: str, platform: str) -> Optional[IntegrationSecret]:
        item = self.secrets.get((brand_id, platform))
        return IntegrationSecret.from_raw_data(item) if item is not None else None

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
        record = payment_item(brand_id, platform, reference, order_id=order_id, amount_total=amount_total,
                              commissionable=commissionable, taxes_included=taxes_included, recorded=recorded)
        self.records[record.record_key] = record.serialize()

    def find_payment(self, brand_id: str, platform: str, reference: str) -> Optional[IntegrationRecord]:
        item = self.records.get(keys.payment_record(brand_id, platform, reference))
        return IntegrationRecord.from_raw_data(item) if item is not None else None

    def remember_delivery(self, brand_id: str, delivery_id: str, *, recorded: datetime, expires: datetime) -> None:
        mark = delivery_mark(brand_id, delivery_id, recorded=recorded, expires=expires)
        self.records[mark.record_key] = mark.serialize()

    def delivery_recorded(self, brand_id: str, delivery_id: str) -> bool:
        return keys.delivery_record(brand_id, delivery_id) in self.records

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
        if parked.delivery_id in self.parked:
            raise AlreadyExists(f"delivery {delivery_id!r} of brand {brand_id!r} is parked already")
        self.parked[parked.delivery_id] = parked.serialize()
        return ParkedDelivery.from_raw_data(self.parked[parked.delivery_id])

    def parked_deliveries(self, *, limit: int, cursor: Optional[str], scope: str) -> Page:
        def query(start: Optional[dict]) -> Iterator[ParkedDelivery]:
            before = start["listing_key"]["S"] if start else None
            for item in sorted(self.parked.values(), key=lambda item: item["listing_key"]["S"], reverse=True):
                if before is None or item["listing_key"]["S"] < before:
                    yield ParkedDelivery.from_raw_data(item)

        return paginate(scope=scope, cursor=cursor, limit=limit, query=query,
                        key_attributes=key_attributes(ParkedDelivery, ParkedDelivery.by_received))


if TYPE_CHECKING:  # mypy holds the twin to its store's Protocol
    from chalicelib.storage.integrations import IntegrationsStore

    _twin: IntegrationsStore = InMemoryIntegrationsStore()
