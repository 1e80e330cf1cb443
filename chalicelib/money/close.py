"""The monthly close: approved sales become statements, what each brand owes each creator.

`close_month(month)` is the one domain function; the schedule (02:00 UTC on the
first, for the month that just ended), `POST /admin/close-month` and the local
run's timer all call it.

1. Claim the month: a `MonthClose` item `closing`, with a lease naming this run.
   A month already `closed` answers its stored result and changes nothing; one
   being closed by a live run answers `closing`; one whose run died (lease past,
   or released by a run that failed) is taken over by this run.
2. Approve: each shard of the sparse `pending_by_eligibility` index is queried
   for `eligible_key` before the first instant of M+1 (never a Scan), and each
   conversion found is approved by an update conditioned on `status = pending`,
   a few at a time. The update also keeps what the statement needs as it was at
   approval (`approved_commission`, `approved_sales`), so a later refund, booked
   as an adjustment of its own month, never counts twice. A stale index entry
   fails the condition: no conversion is ever in two statements.
3. A run that took over first reads back what the dead run approved (the sparse
   `by_statement_month` index), so its lines cover the whole month.
4. Collect the adjustments received in M: the `MonthAdjustment` items each refund
   of an approved conversion wrote in its own transaction, read consistently.
5. Write one line per (brand, creator, commission currency), then mark the month
   `closed` with its counts.

A refund books its adjustment in a transaction that checks the month it was
received in is not being closed (`money/refunds.py`): it lands before the close
reads the adjustments, or in the next month, never in neither.
"""
from __future__ import annotations

import re
import time
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any, Iterable, Mapping, Optional

from chalicelib.base import validation
from chalicelib.base.clock import now
from chalicelib.base.errors import Conflict, InvalidInput
from chalicelib.base.ids import new_id
from chalicelib.base.observability import count, logger, milliseconds
from chalicelib.base.timeutil import format_timestamp, month_of, parse_stored, parse_timestamp
from chalicelib.storage import keys
from chalicelib.storage.errors import AlreadyExists, ChangedMeanwhile
from chalicelib.storage.money import CloseCounts, Conversion, LineValues, MonthAdjustment, MonthClose, money_store

CLOSING = "closing"
CLOSED = "closed"
LEASE = timedelta(minutes=16)  # longer than the close function may run (15 minutes, `.chalice/config.json`)
SETTLE = timedelta(seconds=30)  # after a failed run: time for the indexes to show its last approvals
APPROVERS = 8  # conditional updates in flight at once
_APPROVE_ATTEMPTS = 5
_MONTH = re.compile(r"([0-9]{4})-(0[1-9]|1[0-2])", re.ASCII)


@dataclass(frozen=True)
class CloseResult:
    """What `POST /admin/close-month` answers: the stored state of the month's close."""

    month: str
    status: str
    statements: int = 0
    conversions_approved: int = 0
    adjustments: int = 0

    def view(self) -> dict[str, Any]:
        if self.status != CLOSED:
            return {"month": self.month, "status": self.status}
        return {
            "month": self.month,
            "status": self.status,
            "statements": self.statements,
            "conversions_approved": self.conversions_approved,
            "adjustments": self.adjustments,
        }


@dataclass
class _Line:
    conversions: int = 0
    sales: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    commission: int = 0
    adjustments: int = 0


def parse_month(value: object) -> str:
    """`YYYY-MM` of a year from 0001 to 9998 (the month after it must be a date too), or `InvalidInput`."""
    if not isinstance(value, str) or not _MONTH.fullmatch(value) or not 1 <= int(value[:4]) <= 9998:
        raise InvalidInput("month must be YYYY-MM, such as 2026-11")
    return value


def first_instant_after(month: str) -> datetime:
    """The first instant of the month after `month` (UTC)."""
    year, number = int(month[:4]), int(month[5:])
    return datetime(year + number // 12, number % 12 + 1, 1, tzinfo=timezone.utc)


def month_before(moment: datetime) -> str:
    """The month that ended last before `moment` (what the schedule closes)."""
    first = moment.astimezone(timezone.utc).replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    return month_of(first - timedelta(days=1))


def close_state(month: str) -> Optional[CloseResult]:
    """The stored state of a month's close, or None if it never started."""
    item = money_store().find_month_close(month)
    return _result(item) if item is not None else None


def is_closed(month: str) -> bool:
    state = close_state(month)
    return state is not None and state.status == CLOSED


def month_from_request(body: Mapping[str, Any]) -> str:
    """The month of a `{"month": "YYYY-MM"}` body."""
    validation.reject_unknown_fields(body, ("month",))
    return parse_month(body.get("month"))


def ensure_closable(month: str) -> datetime:
    """The first instant after `month`; `Conflict` while the month has not ended."""
    bound = first_instant_after(parse_month(month))
    if bound > now():
        raise Conflict(f"month {month} has not ended yet")
    return bound


def scheduled_month(detail_month: Optional[str], event_time: str) -> str:
    """The month a close event asks for: the one it names, else the month that
    ended before the event (the schedule fires on the first of the next month)."""
    if detail_month:
        return parse_month(detail_month)
    return month_before(parse_timestamp(event_time, "time"))


def close_month(month: str) -> CloseResult:
    """Close `month` (or answer its stored state); see the module's docstring."""
    bound = ensure_closable(month)
    run_id = new_id("run")
    claim = _claim(month, run_id)
    if isinstance(claim, CloseResult):
        return claim
    took_over = claim
    started = time.monotonic()
    log: dict[str, Any] = {"month": month, "run_id": run_id}
    phase = "approve"
    try:
        approved = _approve_eligible(month, bound)
        logger.info("close: conversions approved", phase=phase, approved=len(approved), **log)
        if took_over:
            phase = "read back"
            approved = _approved_earlier(month, approved)
            logger.info("close: approvals of the run it took over read back", phase=phase,
                        approved=len(approved), **log)
        phase = "adjustments"
        adjustments = money_store().adjustments_of(month)
        logger.info("close: adjustments collected", phase=phase, adjustments=len(adjustments), **log)
        phase = "lines"
        lines = _lines(approved, adjustments)
        _write_lines(month, lines, run_id)
        logger.info("close: statement lines written", phase=phase, lines=len(lines), **log)
        phase = "finish"
        result = _finish(month, run_id, lines, len(approved), len(adjustments))
    except Exception:
        logger.exception("close failed", phase=phase, **log)
        _release(month, run_id)
        raise
    count("ConversionsApproved", result.conversions_approved)
    count("StatementLines", len(lines))
    count("Adjustments", result.adjustments)
    milliseconds("CloseDuration", (time.monotonic() - started) * 1000)
    logger.info("close: month closed", phase="done", statements=result.statements, **log)
    return result


def _result(item: MonthClose) -> CloseResult:
    return CloseResult(
        month=item.month,
        status=item.status,
        statements=int(item.statements or 0),
        conversions_approved=int(item.conversions_approved or 0),
        adjustments=int(item.adjustments or 0),
    )


def _claim(month: str, run_id: str) -> CloseResult | bool:
    """The stored result when there is nothing to do; else whether this run took over."""
    moment = now()
    lease_until = format_timestamp(moment + LEASE)
    store = money_store()
    try:
        store.start_close(month, run_id=run_id, lease_until=lease_until, started_at=format_timestamp(moment))
        return False
    except AlreadyExists:
        pass
    existing = store.find_month_close(month)
    if existing is None or existing.status == CLOSED:
        return _result(existing) if existing is not None else CloseResult(month, CLOSING)
    lease = parse_stored(existing.lease_until)
    if lease is not None and lease > moment:
        return _result(existing)  # another run is closing it now
    try:
        store.take_over_close(month, from_run_id=existing.run_id, run_id=run_id, lease_until=lease_until)
    except ChangedMeanwhile:
        return close_state(month) or CloseResult(month, CLOSING)  # another run took it over first
    return True


def _release(month: str, run_id: str) -> None:
    """A run that failed gives its lease back, so running the close again soon finishes it:
    after `SETTLE`, because the run that takes over reads the failed run's approvals back
    through an index, which may lag behind the last of them for a moment."""
    try:
        money_store().extend_lease(month, run_id=run_id, lease_until=format_timestamp(now() + SETTLE))
    except Exception:
        logger.exception("close: lease not released; it expires by itself", month=month)


def _approve_eligible(month: str, bound: datetime) -> dict[str, Conversion]:
    """Approve every pending conversion eligible before `bound`; the approved ones by id."""
    below = format_timestamp(bound)
    store = money_store()
    found: Iterable[Conversion] = (
        entry
        for shard in range(keys.PENDING_SHARDS)
        for entry in store.pending_conversions(f"pending#{shard}", below)
    )
    approved: dict[str, Conversion] = {}
    with ThreadPoolExecutor(max_workers=APPROVERS, thread_name_prefix="approve") as pool:
        for conversion in pool.map(lambda entry: _approve(entry, month), found):
            if conversion is not None:
                approved[conversion.conversion_id] = conversion
    return approved


def _approve(entry: Conversion, month: str) -> Optional[Conversion]:
    """The conversion approved, or None when the index entry was stale (refunded in full, or
    approved already)."""
    store = money_store()
    for attempt in range(1, _APPROVE_ATTEMPTS + 1):
        try:
            return store.approve_conversion(entry.brand_id, entry.order_id, month)
        except ChangedMeanwhile:
            if attempt == _APPROVE_ATTEMPTS:
                raise
            time.sleep(0.05 * attempt)  # a refund's transaction holds the item for a moment
    return None


def _approved_earlier(month: str, approved: dict[str, Conversion]) -> dict[str, Conversion]:
    everything = dict(approved)
    for conversion in money_store().approved_in(month):
        everything.setdefault(conversion.conversion_id, conversion)
    return everything


def _lines(
    approved: dict[str, Conversion], adjustments: list[MonthAdjustment]
) -> dict[tuple[str, str, str], _Line]:
    lines: dict[tuple[str, str, str], _Line] = defaultdict(_Line)
    for conversion in approved.values():
        line = lines[(conversion.brand_id, conversion.creator_id or "", conversion.commission_currency)]
        line.conversions += 1
        line.sales[conversion.currency] += int(conversion.approved_sales or 0)
        line.commission += int(conversion.approved_commission or 0)
    for adjustment in adjustments:
        line = lines[(adjustment.brand_id, adjustment.creator_id, adjustment.currency)]
        line.adjustments += int(adjustment.commission_delta)
    return lines


def _write_lines(month: str, lines: dict[tuple[str, str, str], _Line], run_id: str) -> None:
    store = money_store()
    state = store.find_month_close(month)
    if state is None or state.run_id != run_id:
        raise RuntimeError(f"the close of {month} was taken over by another run")
    store.write_statement_lines(month, [
        LineValues(
            brand_id=brand_id,
            creator_id=creator_id,
            currency=currency,
            conversions=line.conversions,
            sales=dict(line.sales),
            commission=line.commission,
            adjustments=line.adjustments,
        )
        for (brand_id, creator_id, currency), line in lines.items()
    ])


def _finish(
    month: str, run_id: str, lines: dict[tuple[str, str, str], _Line], approved: int, adjustments: int
) -> CloseResult:
    statements = len({brand for brand, _, _ in lines}) + len({creator for _, creator, _ in lines})
    counts = CloseCounts(
        finished_at=format_timestamp(now()),
        statements=statements,
        conversions_approved=approved,
        adjustments=adjustments,
    )
    return _result(money_store().finish_close(month, run_id=run_id, counts=counts))
