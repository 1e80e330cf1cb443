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

from dataclasses import dataclass
from typing import Any, Iterable, Iterator, Mapping, Optional, Protocol

from pynamodb.attributes import MapAttribute, NumberAttribute, UnicodeAttribute
from pynamodb.exceptions import PutError, TransactWriteError, UpdateError
from pynamodb.expressions.update import Action
from pynamodb.indexes import GlobalSecondaryIndex, KeysOnlyProjection
from pynamodb.models import Model

from chalicelib.storage import keys, seam
from chalicelib.storage.accounts import CommissionRuleAttribute
from chalicelib.storage.dynamodb import (
    condition_failed,
    get_or_none,
    index_meta,
    table_meta,
    transaction,
    write_conflict,
)
from chalicelib.storage.errors import AlreadyExists, ChangedMeanwhile
from chalicelib.storage.pagination import Page, key_attributes, paginate


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



# The parties whose listings the store reads (through the brand's indexes, else the creator's).
BRAND = "brand"
CREATOR = "creator"
CLOSING = "closing"


@dataclass(frozen=True)
class RefundWrite:
    """A refund as the domain decided it, against the conversion as it was read: the store
    writes the refund, the conversion's new amounts (only if still as read) and, when
    `adjustment_month` is set, the month's adjustment (only if that month is not closing)."""

    refund_id: str
    amount: int
    occurred_at: str
    received_at: str
    commission_delta: int
    refunded_amount: int  # the conversion's new refunded amount
    commission_amount: int  # its new commission
    status: str  # its new status (a change also takes it off the pending index)
    adjustment_month: Optional[str] = None
    adjustment_key: Optional[str] = None


@dataclass(frozen=True)
class LineValues:
    """One statement line of a closed month, as the close worked it out."""

    brand_id: str
    creator_id: str
    currency: str
    conversions: int
    sales: Mapping[str, int]
    commission: int
    adjustments: int


@dataclass(frozen=True)
class CloseCounts:
    """What a finished close stores about itself."""

    finished_at: str
    statements: int
    conversions_approved: int
    adjustments: int


class MoneyStore(Protocol):
    """What the money capability (and the shop integrations) read and write: conversions,
    refunds, month closes and statement lines. Items are handed out as read-only values."""

    def find_conversion(self, brand_id: str, order_id: str) -> Optional[Conversion]:
        """The brand's conversion of this order (a consistent read), or None."""

    def record_sale(self, values: Mapping[str, Any]) -> Conversion:
        """Create the conversion of these attributes; `AlreadyExists` if its (brand, order) is taken."""

    def find_refund(self, brand_id: str, order_id: str, refund_id: str) -> Optional[Refund]:
        """The refund of this id on this order (a consistent read), or None."""

    def record_refund(self, conversion: Conversion, refund: RefundWrite) -> Conversion:
        """One transaction: the refund (if its id is new), the conversion's update (if its refunded
        amount and status are still those of `conversion`), the adjustment (if its month has no
        close yet). The conversion after it; `ChangedMeanwhile` if any condition failed or a
        concurrent transaction conflicted (nothing written: read again)."""

    def list_conversions(
        self, party: str, party_id: str, *, status: Optional[str], limit: int, cursor: Optional[str], scope: str
    ) -> Page:
        """The party's conversions (`party` "brand" or "creator"), newest received first, of `status` if given."""

    def find_month_close(self, month: str) -> Optional[MonthClose]:
        """The state of the month's close (a consistent read), or None if it never started."""

    def start_close(self, month: str, *, run_id: str, lease_until: str, started_at: str) -> None:
        """Create the month's close, `closing` under this run's lease; `AlreadyExists` if it has one."""

    def take_over_close(self, month: str, *, from_run_id: str, run_id: str, lease_until: str) -> None:
        """Give the closing month's lease to `run_id` if `from_run_id` still holds it; else `ChangedMeanwhile`."""

    def extend_lease(self, month: str, *, run_id: str, lease_until: str) -> None:
        """Move the lease end of the run still closing the month; else `ChangedMeanwhile`."""

    def finish_close(self, month: str, *, run_id: str, counts: CloseCounts) -> MonthClose:
        """Mark the month `closed` with its counts if `run_id` still closes it; else `ChangedMeanwhile`."""

    def find_month_closes(self, months: Iterable[str]) -> list[MonthClose]:
        """The closes of these months that exist (a batch read, in no particular order)."""

    def pending_conversions(self, shard: str, eligible_before: str) -> Iterator[Conversion]:
        """Keys (brand, order) of the shard's pending conversions eligible before this instant (the sparse
        index: may lag, may list one no longer pending), by eligibility."""

    def approve_conversion(self, brand_id: str, order_id: str, month: str) -> Optional[Conversion]:
        """Approve into `month`'s statement if still pending, keeping its commission and net sales as
        now; the conversion after it, None if it was not pending; `ChangedMeanwhile` if a transaction held it."""

    def approved_in(self, month: str) -> Iterator[Conversion]:
        """The conversions approved into `month`'s statement (an index: may lag)."""

    def adjustments_of(self, month: str) -> list[MonthAdjustment]:
        """The adjustments booked in `month` (a consistent read)."""

    def write_statement_lines(self, month: str, lines: Iterable[LineValues]) -> None:
        """Write (or overwrite) these lines of `month`, unpaid."""

    def statement_lines(self, party: str, party_id: str, month: str) -> list[StatementLine]:
        """The party's lines of `month` (an index), by counterparty and currency."""

    def statement_lines_newest_first(
        self, party: str, party_id: str, before_month: Optional[str]
    ) -> Iterator[StatementLine]:
        """The party's lines of months before `before_month` (all, without it), newest month first."""

    def mark_line_paid(
        self, month: str, brand_id: str, creator_id: str, currency: str, paid_at: str
    ) -> Optional[StatementLine]:
        """Stamp the brand's line paid (a line paid already keeps its stamp); the line, None if none."""


def _conversion_index(party: str) -> Any:
    return Conversion.by_brand_received if party == BRAND else Conversion.by_creator_received


def _line_index(party: str) -> Any:
    return StatementLine.by_brand if party == BRAND else StatementLine.by_creator


def line_item(month: str, line: LineValues) -> StatementLine:
    """The stored line of these values (both stores write the same item)."""
    return StatementLine(
        month,
        keys.line_key(line.brand_id, line.creator_id, line.currency),
        month_line=keys.month_line(month, line.brand_id, line.creator_id, line.currency),
        brand_id=line.brand_id,
        creator_id=line.creator_id,
        currency=line.currency,
        conversions=line.conversions,
        sales=dict(line.sales),
        commission=line.commission,
        adjustments=line.adjustments,
        net=line.commission + line.adjustments,
        paid_at=None,
    )


def refund_items(conversion: Conversion, refund: RefundWrite) -> tuple[Refund, Optional[MonthAdjustment]]:
    """The refund item and, when it books one, its month adjustment (both stores write the same)."""
    order = keys.order_key(conversion.brand_id, conversion.order_id)
    item = Refund(
        order,
        refund.refund_id,
        brand_id=conversion.brand_id,
        creator_id=conversion.creator_id,
        amount=refund.amount,
        occurred_at=refund.occurred_at,
        commission_delta=refund.commission_delta,
        commission_currency=conversion.commission_currency,
        received_at=refund.received_at,
        adjustment_month=refund.adjustment_month,
        adjustment_key=refund.adjustment_key,
    )
    if refund.adjustment_month is None or refund.adjustment_key is None:
        return item, None
    adjustment = MonthAdjustment(
        refund.adjustment_month,
        refund.adjustment_key,
        brand_id=conversion.brand_id,
        creator_id=conversion.creator_id or "",
        currency=conversion.commission_currency,
        commission_delta=refund.commission_delta,
        refund_key=f"{order}#{refund.refund_id}",
    )
    return item, adjustment


def refunded_copy(conversion: Conversion, refund: RefundWrite) -> Conversion:
    """`conversion` as the refund leaves it (a new value: the one read stays as it was)."""
    after = Conversion.from_raw_data(conversion.serialize())
    after.refunded_amount = refund.refunded_amount
    after.commission_amount = refund.commission_amount
    if refund.status != conversion.status:
        after.status = refund.status
        after.pending_shard = None
        after.eligible_key = None
    return after


class DynamoMoneyStore:
    def find_conversion(self, brand_id: str, order_id: str) -> Optional[Conversion]:
        return get_or_none(Conversion, brand_id, order_id, consistent=True)

    def record_sale(self, values: Mapping[str, Any]) -> Conversion:
        conversion = Conversion(**values)
        try:
            conversion.save(condition=Conversion.order_id.does_not_exist())
        except PutError as error:
            if condition_failed(error):
                raise AlreadyExists(f"conversion {values.get('order_id')}") from None
            raise
        return conversion

    def find_refund(self, brand_id: str, order_id: str, refund_id: str) -> Optional[Refund]:
        return get_or_none(Refund, keys.order_key(brand_id, order_id), refund_id, consistent=True)

    def record_refund(self, conversion: Conversion, refund: RefundWrite) -> Conversion:
        item, adjustment = refund_items(conversion, refund)
        actions: list[Action] = [
            Conversion.refunded_amount.set(refund.refunded_amount),
            Conversion.commission_amount.set(refund.commission_amount),
        ]
        if refund.status != conversion.status:
            actions += [
                Conversion.status.set(refund.status),
                Conversion.pending_shard.remove(),
                Conversion.eligible_key.remove(),
            ]
        try:
            with transaction() as write:
                write.save(item, condition=Refund.refund_id.does_not_exist())
                if adjustment is not None:
                    write.save(adjustment)
                    # Never into a month whose close has begun: the close may have read its
                    # adjustments already.
                    write.condition_check(MonthClose, adjustment.month, condition=MonthClose.month.does_not_exist())
                write.update(
                    Conversion(conversion.brand_id, conversion.order_id),
                    actions=actions,
                    condition=(Conversion.refunded_amount == int(conversion.refunded_amount or 0))
                    & (Conversion.status == conversion.status),
                )
        except TransactWriteError as error:
            if condition_failed(error) or write_conflict(error):
                raise ChangedMeanwhile(f"order {conversion.order_id}") from None
            raise
        return refunded_copy(conversion, refund)

    def list_conversions(
        self, party: str, party_id: str, *, status: Optional[str], limit: int, cursor: Optional[str], scope: str
    ) -> Page:
        index = _conversion_index(party)
        condition = (Conversion.status == status) if status is not None else None
        return paginate(
            scope=scope,
            cursor=cursor,
            limit=limit,
            query=lambda start: index.query(
                party_id, filter_condition=condition, scan_index_forward=False, last_evaluated_key=start
            ),
            key_attributes=key_attributes(Conversion, index),
        )

    def find_month_close(self, month: str) -> Optional[MonthClose]:
        return get_or_none(MonthClose, month, consistent=True)

    def start_close(self, month: str, *, run_id: str, lease_until: str, started_at: str) -> None:
        item = MonthClose(month, status=CLOSING, run_id=run_id, lease_until=lease_until, started_at=started_at)
        try:
            item.save(condition=MonthClose.month.does_not_exist())
        except PutError as error:
            if condition_failed(error):
                raise AlreadyExists(f"close of {month}") from None
            raise

    def _update_close(self, month: str, run_id: str, actions: list[Action]) -> MonthClose:
        item = MonthClose(month)
        try:
            item.update(actions=actions, condition=(MonthClose.run_id == run_id) & (MonthClose.status == CLOSING))
        except UpdateError as error:
            if condition_failed(error):
                raise ChangedMeanwhile(f"close of {month}") from None
            raise
        return item

    def take_over_close(self, month: str, *, from_run_id: str, run_id: str, lease_until: str) -> None:
        self._update_close(month, from_run_id, [MonthClose.run_id.set(run_id), MonthClose.lease_until.set(lease_until)])

    def extend_lease(self, month: str, *, run_id: str, lease_until: str) -> None:
        self._update_close(month, run_id, [MonthClose.lease_until.set(lease_until)])

    def finish_close(self, month: str, *, run_id: str, counts: CloseCounts) -> MonthClose:
        return self._update_close(month, run_id, [
            MonthClose.status.set("closed"),
            MonthClose.finished_at.set(counts.finished_at),
            MonthClose.statements.set(counts.statements),
            MonthClose.conversions_approved.set(counts.conversions_approved),
            MonthClose.adjustments.set(counts.adjustments),
        ])

    def find_month_closes(self, months: Iterable[str]) -> list[MonthClose]:
        wanted = list(months)
        return list(MonthClose.batch_get(wanted)) if wanted else []

    def pending_conversions(self, shard: str, eligible_before: str) -> Iterator[Conversion]:
        return Conversion.pending_by_eligibility.query(shard, Conversion.eligible_key < eligible_before)

    def approve_conversion(self, brand_id: str, order_id: str, month: str) -> Optional[Conversion]:
        conversion = Conversion(brand_id, order_id)
        try:
            conversion.update(
                actions=[
                    Conversion.status.set("approved"),
                    Conversion.statement_month.set(month),
                    Conversion.approved_commission.set(Conversion.commission_amount),
                    Conversion.approved_sales.set(Conversion.amount - Conversion.refunded_amount),
                    Conversion.pending_shard.remove(),
                    Conversion.eligible_key.remove(),
                ],
                condition=Conversion.status == "pending",
            )
        except UpdateError as error:
            if condition_failed(error):
                return None
            if write_conflict(error):
                raise ChangedMeanwhile(f"conversion {order_id}") from None
            raise
        return conversion

    def approved_in(self, month: str) -> Iterator[Conversion]:
        return Conversion.by_statement_month.query(month)

    def adjustments_of(self, month: str) -> list[MonthAdjustment]:
        return list(MonthAdjustment.query(month, consistent_read=True))

    def write_statement_lines(self, month: str, lines: Iterable[LineValues]) -> None:
        with StatementLine.batch_write() as batch:
            for line in lines:
                batch.save(line_item(month, line))

    def statement_lines(self, party: str, party_id: str, month: str) -> list[StatementLine]:
        return list(_line_index(party).query(party_id, StatementLine.month_line.startswith(keys.month_lines(month))))

    def statement_lines_newest_first(
        self, party: str, party_id: str, before_month: Optional[str]
    ) -> Iterator[StatementLine]:
        condition = StatementLine.month_line < keys.month_lines(before_month) if before_month else None
        return _line_index(party).query(party_id, condition, scan_index_forward=False)

    def mark_line_paid(
        self, month: str, brand_id: str, creator_id: str, currency: str, paid_at: str
    ) -> Optional[StatementLine]:
        line = StatementLine(month, keys.line_key(brand_id, creator_id, currency))
        try:
            line.update(
                actions=[StatementLine.paid_at.set(StatementLine.paid_at | paid_at)],
                condition=StatementLine.line_key.exists() & (StatementLine.brand_id == brand_id),
            )
        except UpdateError as error:
            if condition_failed(error):
                return None
            raise
        return line


def money_store() -> MoneyStore:
    return seam.provide("money", DynamoMoneyStore)
