"""The money store's promises, on its in-memory twin and on DynamoDB (moto): what is stored,
what is refused. Tables are shared by a worker's tests: every case uses fresh ids (and
fresh shards and months where it lists by them)."""
from __future__ import annotations

from contextlib import contextmanager
from typing import Any, Optional

import pytest
from botocore.exceptions import ClientError
from pynamodb.exceptions import TransactWriteError, UpdateError

from chalicelib.base.money import CommissionRule
from chalicelib.storage import keys
from chalicelib.storage import money as money_storage
from chalicelib.storage.errors import AlreadyExists, ChangedMeanwhile
from chalicelib.storage.memory.money import InMemoryMoneyStore
from chalicelib.storage.money import (
    BRAND,
    CREATOR,
    CloseCounts,
    Conversion,
    DynamoMoneyStore,
    LineValues,
    RefundWrite,
)
from tests.helpers import new_id

RULE = CommissionRule.percent(1000)


@pytest.fixture
def store(implementation):
    return InMemoryMoneyStore() if implementation == "memory" else DynamoMoneyStore()


def conversion_values(brand_id: str, order_id: str, **changes: Any) -> dict[str, Any]:
    conversion_id = new_id("cv")
    values: dict[str, Any] = dict(
        brand_id=brand_id,
        order_id=order_id,
        conversion_id=conversion_id,
        creator_id=new_id("cr"),
        link_code="code",
        click_id=new_id("ck"),
        amount=2599,
        refunded_amount=0,
        currency="EUR",
        commission_amount=260,
        commission_currency="EUR",
        commission_rule=RULE,
        hold_days=30,
        attribution_window_days=30,
        status="pending",
        occurred_at="2026-11-10T10:00:00Z",
        received_at="2026-11-10T10:00:00Z",
        statement_month=None,
        listing_key=f"1762768800000#{conversion_id}",
        pending_shard=new_id("pending"),
        eligible_key=f"2026-12-10T10:00:00Z#{conversion_id}",
    )
    values.update(changes)
    return values


def refund_write(conversion: Conversion, amount: int, **changes: Any) -> RefundWrite:
    refunded = int(conversion.refunded_amount) + amount
    values: dict[str, Any] = dict(
        refund_id=new_id("rf"),
        amount=amount,
        occurred_at="2026-11-11T10:00:00Z",
        received_at="2026-11-11T10:00:00Z",
        commission_delta=-26,
        refunded_amount=refunded,
        commission_amount=int(conversion.commission_amount) - 26,
        status="refunded" if refunded == int(conversion.amount) else conversion.status,
    )
    values.update(changes)
    return RefundWrite(**values)


def sale(store, **changes: Any) -> Conversion:
    return store.record_sale(conversion_values(new_id("br"), new_id("order"), **changes))


# --- sales -------------------------------------------------------------------------------------------


def test_a_sale_is_stored_once_and_its_replay_refused_with_already_exists(store):
    values = conversion_values(new_id("br"), new_id("order"))
    recorded = store.record_sale(values)
    assert (recorded.order_id, recorded.amount, recorded.commission_rule) == (values["order_id"], 2599, RULE)
    with pytest.raises(AlreadyExists):
        store.record_sale({**values, "amount": 1, "conversion_id": new_id("cv")})
    stored = store.find_conversion(values["brand_id"], values["order_id"])
    assert stored is not None and (stored.conversion_id, stored.amount) == (values["conversion_id"], 2599)


def test_an_unknown_order_is_none(store):
    assert store.find_conversion(new_id("br"), new_id("order")) is None


# --- refunds -----------------------------------------------------------------------------------------


def test_a_refund_is_written_with_the_conversion_s_new_amounts(store):
    conversion = sale(store)
    write = refund_write(conversion, 260)
    after = store.record_refund(conversion, write)
    assert (after.refunded_amount, after.commission_amount, after.status) == (260, 234, "pending")
    stored = store.find_conversion(conversion.brand_id, conversion.order_id)
    assert (stored.refunded_amount, stored.commission_amount, stored.status) == (260, 234, "pending")
    refund = store.find_refund(conversion.brand_id, conversion.order_id, write.refund_id)
    assert refund is not None and (refund.amount, refund.commission_delta, refund.creator_id) == (
        260, -26, conversion.creator_id)
    assert conversion.refunded_amount == 0  # the value read stays as it was


def test_a_refund_beyond_a_changed_conversion_is_refused_with_changed_meanwhile(store):
    conversion = sale(store)
    store.record_refund(conversion, refund_write(conversion, 260))
    stale = refund_write(conversion, 2599)  # worked out from the conversion as it was before
    with pytest.raises(ChangedMeanwhile):
        store.record_refund(conversion, stale)
    assert store.find_refund(conversion.brand_id, conversion.order_id, stale.refund_id) is None
    assert store.find_conversion(conversion.brand_id, conversion.order_id).refunded_amount == 260


def test_a_refund_id_written_meanwhile_is_refused_with_changed_meanwhile(store):
    conversion = sale(store)
    write = refund_write(conversion, 260)
    store.record_refund(conversion, write)
    again = store.find_conversion(conversion.brand_id, conversion.order_id)
    with pytest.raises(ChangedMeanwhile):
        store.record_refund(again, refund_write(again, 100, refund_id=write.refund_id))
    assert store.find_conversion(conversion.brand_id, conversion.order_id).refunded_amount == 260


def test_a_full_refund_takes_the_conversion_off_the_pending_listing(store):
    conversion = sale(store)
    after = store.record_refund(conversion, refund_write(conversion, 2599, commission_amount=0, commission_delta=-260))
    assert (after.status, after.pending_shard, after.eligible_key) == ("refunded", None, None)
    assert list(store.pending_conversions(conversion.pending_shard, "9999")) == []


def test_a_refund_of_an_approved_conversion_books_an_adjustment_unless_its_month_is_closing(store):
    month = new_id("month")
    conversion = sale(store, status="approved", statement_month="2026-10", pending_shard=None, eligible_key=None)
    key = keys.adjustment_key(conversion.brand_id, conversion.creator_id, "EUR", conversion.conversion_id, "r1")
    write = refund_write(conversion, 260, adjustment_month=month, adjustment_key=key)
    store.record_refund(conversion, write)
    [adjustment] = store.adjustments_of(month)
    assert (adjustment.brand_id, adjustment.creator_id, adjustment.currency, adjustment.commission_delta) == (
        conversion.brand_id, conversion.creator_id, "EUR", -26)
    assert adjustment.refund_key == f"{keys.order_key(conversion.brand_id, conversion.order_id)}#{write.refund_id}"
    # A month whose close has begun takes no more adjustments: nothing of the refund is written
    closing = new_id("month")
    store.start_close(closing, run_id="run", lease_until="2026-12-01T02:16:00Z", started_at="2026-12-01T02:00:00Z")
    again = store.find_conversion(conversion.brand_id, conversion.order_id)
    refused = refund_write(again, 100, adjustment_month=closing, adjustment_key=key + "x")
    with pytest.raises(ChangedMeanwhile):
        store.record_refund(again, refused)
    assert store.adjustments_of(closing) == []
    assert store.find_refund(conversion.brand_id, conversion.order_id, refused.refund_id) is None


# --- the monthly close -------------------------------------------------------------------------------


def test_a_month_s_close_is_started_once_taken_over_from_its_run_only_and_finished_once(store):
    month = new_id("month")
    assert store.find_month_close(month) is None
    store.start_close(month, run_id="run_a", lease_until="2026-12-01T02:16:00Z", started_at="2026-12-01T02:00:00Z")
    with pytest.raises(AlreadyExists):
        store.start_close(month, run_id="run_b", lease_until="x", started_at="x")
    with pytest.raises(ChangedMeanwhile):
        store.take_over_close(month, from_run_id="run_other", run_id="run_b", lease_until="x")
    store.take_over_close(month, from_run_id="run_a", run_id="run_b", lease_until="2026-12-01T03:00:00Z")
    state = store.find_month_close(month)
    assert (state.status, state.run_id, state.lease_until) == ("closing", "run_b", "2026-12-01T03:00:00Z")
    with pytest.raises(ChangedMeanwhile):
        store.extend_lease(month, run_id="run_a", lease_until="x")  # run_a lost it
    store.extend_lease(month, run_id="run_b", lease_until="2026-12-01T03:30:00Z")
    counts = CloseCounts(finished_at="2026-12-01T03:01:00Z", statements=2, conversions_approved=3, adjustments=1)
    with pytest.raises(ChangedMeanwhile):
        store.finish_close(month, run_id="run_a", counts=counts)
    closed = store.finish_close(month, run_id="run_b", counts=counts)
    assert (closed.month, closed.status, closed.statements, closed.conversions_approved, closed.adjustments) == (
        month, "closed", 2, 3, 1)
    with pytest.raises(ChangedMeanwhile):
        store.finish_close(month, run_id="run_b", counts=counts)
    assert store.find_month_close(month).lease_until == "2026-12-01T03:30:00Z"


def test_a_close_never_started_is_not_taken_over(store):
    with pytest.raises(ChangedMeanwhile):
        store.take_over_close(new_id("month"), from_run_id="run_a", run_id="run_b", lease_until="x")


def test_the_closes_of_several_months_are_read_at_once(store):
    started, other = new_id("month"), new_id("month")
    for month in (started, other):
        store.start_close(month, run_id="run", lease_until="x", started_at="x")
    found = store.find_month_closes([started, other, new_id("month")])
    assert sorted(close.month for close in found) == sorted([started, other])
    assert store.find_month_closes([]) == []


def test_pending_conversions_are_listed_by_shard_before_their_eligibility(store):
    shard = new_id("pending")
    late = sale(store, pending_shard=shard, eligible_key="2026-12-02T00:00:00Z#b")
    early = sale(store, pending_shard=shard, eligible_key="2026-11-20T00:00:00Z#a")
    sale(store, pending_shard=new_id("pending"), eligible_key="2026-11-20T00:00:00Z#c")  # another shard
    sale(store, status="unattributed", pending_shard=None, eligible_key=None)
    listed = store.pending_conversions(shard, "2026-12-01T00:00:00Z")
    assert [(c.brand_id, c.order_id) for c in listed] == [(early.brand_id, early.order_id)]
    listed = store.pending_conversions(shard, "2027-01-01T00:00:00Z")
    assert [c.order_id for c in listed] == [early.order_id, late.order_id]


def test_a_conversion_is_approved_once_with_what_its_statement_needs(store):
    month = new_id("month")
    conversion = sale(store)
    store.record_refund(conversion, refund_write(conversion, 599, commission_amount=200, commission_delta=-60))
    approved = store.approve_conversion(conversion.brand_id, conversion.order_id, month)
    assert approved is not None
    assert (approved.status, approved.statement_month, approved.approved_commission, approved.approved_sales) == (
        "approved", month, 200, 2000)
    assert (approved.pending_shard, approved.eligible_key, approved.conversion_id) == (
        None, None, conversion.conversion_id)
    assert store.approve_conversion(conversion.brand_id, conversion.order_id, new_id("month")) is None
    assert list(store.pending_conversions(conversion.pending_shard, "9999")) == []
    assert [c.conversion_id for c in store.approved_in(month)] == [conversion.conversion_id]


def test_approving_an_order_that_does_not_exist_is_none(store):
    assert store.approve_conversion(new_id("br"), new_id("order"), "2026-11") is None


# --- statements --------------------------------------------------------------------------------------


def line(brand_id: str, creator_id: str, currency: str = "EUR", commission: int = 260) -> LineValues:
    return LineValues(brand_id=brand_id, creator_id=creator_id, currency=currency, conversions=1,
                      sales={"EUR": 2599}, commission=commission, adjustments=-26)


def test_statement_lines_are_written_and_listed_per_party(store):
    brand, creator, other = new_id("br"), new_id("cr"), new_id("cr")
    store.write_statement_lines("2026-10", [line(brand, creator)])
    store.write_statement_lines("2026-11", [line(brand, creator), line(brand, other, "USD", 500)])
    lines = store.statement_lines(BRAND, brand, "2026-11")
    assert sorted((x.creator_id, x.currency, x.net) for x in lines) == sorted([(creator, "EUR", 234),
                                                                              (other, "USD", 474)])
    [mine] = store.statement_lines(CREATOR, creator, "2026-11")
    assert (mine.brand_id, mine.month, mine.conversions, mine.sales.as_dict(), mine.commission, mine.adjustments,
            mine.paid_at) == (brand, "2026-11", 1, {"EUR": 2599}, 260, -26, None)
    assert store.statement_lines(CREATOR, creator, "2026-09") == []


def test_statement_lines_are_listed_newest_month_first_and_before_a_month(store):
    brand, creator, other = new_id("br"), new_id("cr"), new_id("cr")
    store.write_statement_lines("2026-09", [line(brand, creator)])
    store.write_statement_lines("2026-11", [line(brand, creator), line(brand, other)])
    store.write_statement_lines("2026-10", [line(brand, other)])
    assert [x.month for x in store.statement_lines_newest_first(BRAND, brand, None)] == [
        "2026-11", "2026-11", "2026-10", "2026-09"]
    assert [x.month for x in store.statement_lines_newest_first(BRAND, brand, "2026-11")] == ["2026-10", "2026-09"]
    assert [x.month for x in store.statement_lines_newest_first(CREATOR, creator, None)] == ["2026-11", "2026-09"]


def test_a_line_is_marked_paid_once_and_only_by_its_brand(store):
    brand, creator = new_id("br"), new_id("cr")
    store.write_statement_lines("2026-11", [line(brand, creator)])
    paid = store.mark_line_paid("2026-11", brand, creator, "EUR", "2026-12-02T10:00:00Z")
    assert paid is not None and (paid.paid_at, paid.net, paid.creator_id) == ("2026-12-02T10:00:00Z", 234, creator)
    again = store.mark_line_paid("2026-11", brand, creator, "EUR", "2026-12-03T10:00:00Z")
    assert again is not None and again.paid_at == "2026-12-02T10:00:00Z"
    assert store.mark_line_paid("2026-11", brand, creator, "USD", "x") is None
    assert store.mark_line_paid("2026-10", brand, creator, "EUR", "x") is None
    assert store.statement_lines(BRAND, brand, "2026-11")[0].paid_at == "2026-12-02T10:00:00Z"


# --- listings ----------------------------------------------------------------------------------------


def _listed(store, party: str, party_id: str, status: Optional[str] = None, limit: int = 2) -> list[list[str]]:
    pages, cursor = [], None
    while True:
        page = store.list_conversions(party, party_id, status=status, limit=limit, cursor=cursor,
                                      scope=f"test:{party}:{party_id}:{status}")
        pages.append([c.order_id for c in page.items])
        cursor = page.next_cursor
        if cursor is None:
            return pages


def test_conversions_are_listed_newest_received_first_a_page_at_a_time(store):
    brand, creator = new_id("br"), new_id("cr")
    orders = [new_id("order") for _ in range(3)]
    for n, order in enumerate(orders):
        status = "approved" if n == 1 else "pending"
        store.record_sale(conversion_values(brand, order, creator_id=creator, status=status,
                                            listing_key=f"{1762768800000 + n}#cv{n}"))
    store.record_sale(conversion_values(brand, new_id("order"), creator_id=None, status="unattributed",
                                        listing_key="0000000000001#cv"))
    newest_first = list(reversed(orders))
    assert _listed(store, CREATOR, creator) == [newest_first[:2], newest_first[2:]]
    assert _listed(store, CREATOR, creator, status="pending", limit=1) == [[orders[2]], [orders[0]]]
    assert sum(_listed(store, BRAND, brand, limit=10), []) [:3] == newest_first
    assert len(sum(_listed(store, BRAND, brand, limit=10), [])) == 4
    assert _listed(store, BRAND, new_id("br")) == [[]]


# --- DynamoDB's own refusals, translated -------------------------------------------------------------


def _conflict(code: str) -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": "a transaction is in progress on this item"}}, "Write")


def test_a_refund_that_meets_a_concurrent_transaction_is_changed_meanwhile(aws, monkeypatch):
    store = DynamoMoneyStore()
    conversion = sale(store)

    @contextmanager
    def conflicting():
        yield type("Write", (), {"save": lambda *a, **k: None, "update": lambda *a, **k: None,
                                 "condition_check": lambda *a, **k: None})()
        raise TransactWriteError("cancelled", cause=_conflict("TransactionConflictException"))

    monkeypatch.setattr(money_storage, "transaction", conflicting)
    with pytest.raises(ChangedMeanwhile):
        store.record_refund(conversion, refund_write(conversion, 260))


def test_an_approval_that_meets_a_transaction_is_changed_meanwhile_and_other_errors_pass(aws, monkeypatch):
    store = DynamoMoneyStore()
    conversion = sale(store)
    errors = iter([_conflict("TransactionConflictException"), _conflict("ProvisionedThroughputExceededException")])

    def update(self, *args, **kwargs):
        raise UpdateError("refused", cause=next(errors))

    monkeypatch.setattr(Conversion, "update", update)
    with pytest.raises(ChangedMeanwhile):
        store.approve_conversion(conversion.brand_id, conversion.order_id, "2026-11")
    with pytest.raises(UpdateError):
        store.approve_conversion(conversion.brand_id, conversion.order_id, "2026-11")
