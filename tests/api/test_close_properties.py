"""The monthly close at scale and over any history: statements always add up to the
commission of what they approved (§5's reconciliation), and a close reads its month,
not the table."""
from __future__ import annotations

import itertools
from collections import Counter, defaultdict
from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bench.dynamodb_calls import counting_dynamodb_calls
from chalicelib.base.money import CommissionRule
from chalicelib.base.timeutil import format_timestamp
from chalicelib.money import close
from chalicelib.storage import keys
from chalicelib.storage.money import Conversion, StatementLine
from tests.helpers import ADMIN, FrozenClock, bearer, call, click_id_of, make_brand, make_creator, make_link, new_id

ERAS = itertools.count()  # each example lives in years of its own: its months are closed by it alone


def _months(start: datetime, count: int) -> list[str]:
    return [f"{start.year + (start.month - 1 + i) // 12}-{(start.month - 1 + i) % 12 + 1:02d}" for i in range(count)]


@pytest.fixture(autouse=True)
def own_tables(empty_tables):
    """Each test closes months of its own tables (a close reads every pending sale of its month)."""


# --- reconciliation over random histories --------------------------------------------------------

events = st.lists(
    st.one_of(
        st.tuples(st.just("sale"), st.integers(0, 2), st.integers(0, 50_000), st.sampled_from(["EUR", "USD"])),
        st.tuples(st.just("refund"), st.integers(0, 30), st.integers(1, 20_000)),
        st.tuples(st.just("close"), st.integers(0, 3)),
        st.tuples(st.just("wait"), st.integers(1, 40)),
    ),
    min_size=1,
    max_size=25,
)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                  HealthCheck.too_slow])
@given(history=events, hold_days=st.sampled_from([0, 7, 30]), rule=st.sampled_from(
    [{"type": "percent", "rate_bps": 1250}, {"type": "flat", "amount": 300, "currency": "EUR"}]))
def test_statements_always_add_up_to_the_commission_of_what_they_approved(client, history, hold_days, rule):
    start = datetime(2030 + 2 * next(ERAS), 9, 1, tzinfo=timezone.utc)
    months = _months(start, 4)
    clock = FrozenClock(start)
    brand = make_brand(client, hold_days=hold_days, commission=rule)
    creators = [make_creator(client) for _ in range(3)]
    links = [make_link(client, creator, brand) for creator in creators]
    brand_key = bearer(brand["api_key"])
    orders: list[tuple[str, int]] = []  # (order id, amount left to refund)
    for event in history:
        if event[0] == "sale":
            _, who, amount, currency = event
            tap = client.http.get(f"/{links[who]['code']}", headers={"User-Agent": "Mozilla/5.0 (iPhone) Mobile"})
            body = {"type": "sale", "order_id": new_id("o"), "click_id": click_id_of(tap), "amount": amount,
                    "currency": currency}
            assert call(client, "POST", "/conversions", body, brand_key).status_code == 201
            orders.append((body["order_id"], amount))
        elif event[0] == "refund" and orders:
            _, which, amount = event
            order_id, left = orders[which % len(orders)]
            if left == 0:
                continue
            part = min(amount, left)
            body = {"type": "refund", "order_id": order_id, "refund_id": new_id("r"), "amount": part}
            assert call(client, "POST", "/conversions", body, brand_key).status_code == 200
            orders[which % len(orders)] = (order_id, left - part)
        elif event[0] == "close":
            month = months[event[1]]
            status = call(client, "POST", "/admin/close-month", {"month": month}, ADMIN).status_code
            assert status == (200 if close.first_instant_after(month) <= clock.moment else 409)
        else:
            clock.move(timedelta(days=event[1]))
    # Once every month in which a refund was received has been closed
    clock.set(start + timedelta(days=300))
    for month in _months(start, 9):
        assert call(client, "POST", "/admin/close-month", {"month": month}, ADMIN).status_code == 200
    _assert_reconciled(brand["brand_id"])


def _assert_reconciled(brand_id: str) -> None:
    conversions = list(Conversion.query(brand_id))
    lines = [line for line in StatementLine.scan() if line.brand_id == brand_id]  # this test's own tables
    # net = commission + adjustments on every line, and no conversion in two statements
    assert all(int(line.net) == int(line.commission) + int(line.adjustments) for line in lines)
    approved = [c for c in conversions if c.statement_month is not None]
    assert sum(int(line.conversions) for line in lines) == len(approved)
    assert len({c.conversion_id for c in approved}) == len(approved)
    # For every creator and commission currency (and from the brand's side), the statements'
    # nets add up to the current commission of the conversions that have a statement month
    owed: Counter[tuple[str, str]] = Counter()
    for conversion in approved:
        owed[(conversion.creator_id, conversion.commission_currency)] += int(conversion.commission_amount)
    stated: Counter[tuple[str, str]] = Counter()
    brand_stated: Counter[str] = Counter()
    for line in lines:
        stated[(line.creator_id, line.currency)] += int(line.net)
        brand_stated[line.currency] += int(line.net)
    assert {k: v for k, v in stated.items() if v} == {k: v for k, v in owed.items() if v}
    brand_owed: defaultdict[str, int] = defaultdict(int)
    for (_, currency), amount in owed.items():
        brand_owed[currency] += amount
    assert {k: v for k, v in brand_stated.items() if v} == {k: v for k, v in brand_owed.items() if v}


# --- what a close reads ---------------------------------------------------------------------------


def _conversions(month_start: datetime, count: int, prefix: str, *, approved_in: str | None = None) -> None:
    """`count` sales from `month_start` on, an hour apart: pending, or approved in `approved_in`."""
    rule = CommissionRule.percent(1000)
    with Conversion.batch_write() as batch:
        for i in range(count):
            occurred = month_start + timedelta(hours=i)
            conversion_id = f"cv_{prefix}{i:06d}"
            pending = approved_in is None
            batch.save(Conversion(
                "br_reads", f"{prefix}-{i}", conversion_id=conversion_id, creator_id=f"cr_{i % 7}",
                link_code="code", click_id=f"click-{prefix}-{i}", amount=1000, refunded_amount=0, currency="EUR",
                commission_amount=100, commission_currency="EUR", commission_rule=rule, hold_days=0,
                attribution_window_days=30, status="pending" if pending else "approved",
                statement_month=approved_in, occurred_at=format_timestamp(occurred),
                received_at=format_timestamp(occurred), listing_key=keys.listing_key(occurred, conversion_id),
                pending_shard=keys.pending_shard(conversion_id) if pending else None,
                eligible_key=keys.eligible_key(occurred, 0, conversion_id) if pending else None,
            ))


N = 40
LEASE_CHECK = 1  # the close reads its month's state once more before writing the lines


@pytest.mark.parametrize("others", [0, 10 * N], ids=["alone", "ten-times-more-in-other-months"])
def test_a_close_reads_one_item_per_approval_whatever_other_months_hold(client, others):
    # Given N sales in November, and maybe ten times as many approved in October and pending in December
    FrozenClock(datetime(2026, 12, 1, 2, 0, tzinfo=timezone.utc))
    _conversions(datetime(2026, 11, 1, tzinfo=timezone.utc), N, "nov")
    _conversions(datetime(2026, 10, 1, tzinfo=timezone.utc), others, "oct", approved_in="2026-10")
    _conversions(datetime(2026, 12, 1, 3, 0, tzinfo=timezone.utc), others, "dec")
    # When November is closed
    with counting_dynamodb_calls() as calls:
        result = close.close_month("2026-11")
    # Then it approved the N and read N items plus a constant, never scanning
    assert result.conversions_approved == N
    assert calls.calls["Scan"] == 0
    assert calls.items_read == N + LEASE_CHECK <= 1.1 * N + 5
