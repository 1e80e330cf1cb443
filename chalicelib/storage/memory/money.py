"""The in-memory twin of `storage.money.DynamoMoneyStore`.

Items are kept as DynamoDB would hold them (`model.serialize()`), one dict per table, and
handed out as fresh model values. One lock makes each write atomic, as a conditional
write or a transaction is in DynamoDB (the close approves from several threads). The
indexes are worked out from the items on each read: the twin never lags, which the
domain must tolerate, not rely on.
"""
from __future__ import annotations

import threading
from typing import Any, Iterable, Iterator, Mapping, Optional

from chalicelib.storage import keys
from chalicelib.storage.errors import AlreadyExists, ChangedMeanwhile
from chalicelib.storage.money import (
    BRAND,
    CLOSING,
    CloseCounts,
    Conversion,
    LineValues,
    MonthAdjustment,
    MonthClose,
    Refund,
    RefundWrite,
    StatementLine,
    line_item,
    refund_items,
    refunded_copy,
)
from chalicelib.storage.pagination import Page, key_attributes, paginate


def _party_key(party: str) -> str:
    return "brand_id" if party == BRAND else "creator_id"


class InMemoryMoneyStore:
    def __init__(self) -> None:
        self.conversions: dict[tuple[str, str], dict] = {}  # (brand, order) -> the stored item
        self.refunds: dict[tuple[str, str], dict] = {}  # (brand#order, refund id) -> item
        self.adjustments: dict[tuple[str, str], dict] = {}  # (month, adjustment key) -> item
        self.closes: dict[str, dict] = {}  # month -> item
        self.lines: dict[tuple[str, str], dict] = {}  # (month, line key) -> item
        self._lock = threading.Lock()

    # Conversions

    def find_conversion(self, brand_id: str, order_id: str) -> Optional[Conversion]:
        item = self.conversions.get((brand_id, order_id))
        return Conversion.from_raw_data(item) if item is not None else None

    def record_sale(self, values: Mapping[str, Any]) -> Conversion:
        item = Conversion(**values).serialize()
        key = (values["brand_id"], values["order_id"])
        with self._lock:
            if key in self.conversions:
                raise AlreadyExists(f"conversion {values['order_id']}")
            self.conversions[key] = item
        return Conversion.from_raw_data(item)

    def find_refund(self, brand_id: str, order_id: str, refund_id: str) -> Optional[Refund]:
        item = self.refunds.get((keys.order_key(brand_id, order_id), refund_id))
        return Refund.from_raw_data(item) if item is not None else None

    def record_refund(self, conversion: Conversion, refund: RefundWrite) -> Conversion:
        item, adjustment = refund_items(conversion, refund)
        key = (conversion.brand_id, conversion.order_id)
        with self._lock:
            stored = self.find_conversion(*key)
            if (
                (item.order_key, item.refund_id) in self.refunds
                or (adjustment is not None and adjustment.month in self.closes)
                or stored is None
                or stored.refunded_amount != int(conversion.refunded_amount or 0)
                or stored.status != conversion.status
            ):
                raise ChangedMeanwhile(f"order {conversion.order_id}")
            self.refunds[(item.order_key, item.refund_id)] = item.serialize()
            if adjustment is not None:
                self.adjustments[(adjustment.month, adjustment.adjustment_key)] = adjustment.serialize()
            self.conversions[key] = refunded_copy(stored, refund).serialize()
        return refunded_copy(conversion, refund)

    def list_conversions(
        self, party: str, party_id: str, *, status: Optional[str], limit: int, cursor: Optional[str], scope: str
    ) -> Page:
        index = Conversion.by_brand_received if party == BRAND else Conversion.by_creator_received
        names = key_attributes(Conversion, index)
        owner = _party_key(party)

        def order(item: dict) -> tuple:
            return tuple(item[name]["S"] for name in reversed(names))  # listing key first

        def query(start: Optional[dict]) -> Iterator[Conversion]:
            after = order(start) if start is not None else None
            items = sorted(
                (item for item in self.conversions.values() if item.get(owner, {}).get("S") == party_id),
                key=order,
                reverse=True,
            )
            for item in items:
                if after is not None and order(item) >= after:
                    continue
                conversion = Conversion.from_raw_data(item)
                if status is None or conversion.status == status:
                    yield conversion

        return paginate(scope=scope, cursor=cursor, limit=limit, query=query, key_attributes=names)

    # The monthly close

    def find_month_close(self, month: str) -> Optional[MonthClose]:
        item = self.closes.get(month)
        return MonthClose.from_raw_data(item) if item is not None else None

    def start_close(self, month: str, *, run_id: str, lease_until: str, started_at: str) -> None:
        item = MonthClose(month, status=CLOSING, run_id=run_id, lease_until=lease_until, started_at=started_at)
        with self._lock:
            if month in self.closes:
                raise AlreadyExists(f"close of {month}")
            self.closes[month] = item.serialize()

    def _update_close(self, month: str, holder: str, **changes: Any) -> MonthClose:
        with self._lock:
            close = self.find_month_close(month)
            if close is None or close.run_id != holder or close.status != CLOSING:
                raise ChangedMeanwhile(f"close of {month}")
            for name, value in changes.items():
                setattr(close, name, value)
            self.closes[month] = close.serialize()
        return MonthClose.from_raw_data(self.closes[month])

    def take_over_close(self, month: str, *, from_run_id: str, run_id: str, lease_until: str) -> None:
        self._update_close(month, from_run_id, run_id=run_id, lease_until=lease_until)

    def extend_lease(self, month: str, *, run_id: str, lease_until: str) -> None:
        self._update_close(month, run_id, lease_until=lease_until)

    def finish_close(self, month: str, *, run_id: str, counts: CloseCounts) -> MonthClose:
        return self._update_close(
            month,
            run_id,
            status="closed",
            finished_at=counts.finished_at,
            statements=counts.statements,
            conversions_approved=counts.conversions_approved,
            adjustments=counts.adjustments,
        )

    def find_month_closes(self, months: Iterable[str]) -> list[MonthClose]:
        return [MonthClose.from_raw_data(self.closes[month]) for month in set(months) if month in self.closes]

    def pending_conversions(self, shard: str, eligible_before: str) -> Iterator[Conversion]:
        found = [
            Conversion.from_raw_data(item)
            for item in self.conversions.values()
            if item.get("pending_shard", {}).get("S") == shard and item["eligible_key"]["S"] < eligible_before
        ]
        return iter(sorted(found, key=lambda conversion: conversion.eligible_key or ""))

    def approve_conversion(self, brand_id: str, order_id: str, month: str) -> Optional[Conversion]:
        with self._lock:
            conversion = self.find_conversion(brand_id, order_id)
            if conversion is None or conversion.status != "pending":
                return None
            conversion.status = "approved"
            conversion.statement_month = month
            conversion.approved_commission = conversion.commission_amount
            conversion.approved_sales = conversion.amount - conversion.refunded_amount
            conversion.pending_shard = None
            conversion.eligible_key = None
            self.conversions[(brand_id, order_id)] = item = conversion.serialize()
        return Conversion.from_raw_data(item)

    def approved_in(self, month: str) -> Iterator[Conversion]:
        found = [
            Conversion.from_raw_data(item)
            for item in self.conversions.values()
            if item.get("statement_month", {}).get("S") == month
        ]
        return iter(sorted(found, key=lambda conversion: conversion.conversion_id))

    def adjustments_of(self, month: str) -> list[MonthAdjustment]:
        return [
            MonthAdjustment.from_raw_data(item)
            for (of_month, _), item in sorted(self.adjustments.items())
            if of_month == month
        ]

    # Statements

    def write_statement_lines(self, month: str, lines: Iterable[LineValues]) -> None:
        items = {(month, item.line_key): item.serialize() for item in (line_item(month, line) for line in lines)}
        with self._lock:
            self.lines.update(items)

    def _lines_of(self, party: str, party_id: str) -> list[StatementLine]:
        owner = _party_key(party)
        found = [StatementLine.from_raw_data(item) for item in self.lines.values() if item[owner]["S"] == party_id]
        return sorted(found, key=lambda line: line.month_line)

    def statement_lines(self, party: str, party_id: str, month: str) -> list[StatementLine]:
        prefix = keys.month_lines(month)
        return [line for line in self._lines_of(party, party_id) if line.month_line.startswith(prefix)]

    def statement_lines_newest_first(
        self, party: str, party_id: str, before_month: Optional[str]
    ) -> Iterator[StatementLine]:
        bound = keys.month_lines(before_month) if before_month else None
        lines = reversed(self._lines_of(party, party_id))
        return iter([line for line in lines if bound is None or line.month_line < bound])

    def mark_line_paid(
        self, month: str, brand_id: str, creator_id: str, currency: str, paid_at: str
    ) -> Optional[StatementLine]:
        key = (month, keys.line_key(brand_id, creator_id, currency))
        with self._lock:
            item = self.lines.get(key)
            if item is None or item["brand_id"]["S"] != brand_id:
                return None
            line = StatementLine.from_raw_data(item)
            line.paid_at = line.paid_at or paid_at
            self.lines[key] = line.serialize()
        return StatementLine.from_raw_data(self.lines[key])
