"""The money capability's decisions, on the in-memory twins of its stores: no DynamoDB, no moto.
A sale credited to a click, its replay, refunds (and their retry when the conversion changed
meanwhile), the monthly close, statements and a line paid."""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Iterator

import pytest

from chalicelib.base import clock
from chalicelib.base.errors import Conflict, InvalidInput, NotFound
from chalicelib.base.money import CommissionRule
from chalicelib.money import close, refunds, sales, statements
from chalicelib.storage import seam
from chalicelib.storage.accounts import Brand
from chalicelib.storage.errors import ChangedMeanwhile
from chalicelib.storage.memory.money import InMemoryMoneyStore
from chalicelib.storage.memory.tap import InMemoryTapStore
from chalicelib.storage.tap import Click
from tests.faults import Faulty

NOVEMBER = datetime(2026, 11, 10, 10, 0, tzinfo=timezone.utc)
AFTER_THE_HOLD = datetime(2027, 1, 1, 2, 0, tzinfo=timezone.utc)  # November and December closable


def brand(brand_id: str = "br_shop") -> Brand:
    return Brand(
        brand_id,
        name="Shop",
        allowed_domains=["shop.test"],
        commission=CommissionRule.percent(1000),
        attribution_window_days=30,
        hold_days=14,
        program="open",
        api_key_hash="-",
        webhook_secret="-",
        created_at="2026-01-01T00:00:00Z",
        updated_at="2026-01-01T00:00:00Z",
    )


@pytest.fixture
def money() -> InMemoryMoneyStore:
    return InMemoryMoneyStore()


@pytest.fixture
def tap() -> InMemoryTapStore:
    store = InMemoryTapStore()
    store.clicks["ck_1"] = Click(
        "ck_1", code="summer", creator_id="cr_ana", brand_id="br_shop", clicked_at="2026-11-10T09:00:00Z",
        visitor_hash="v", referrer="", country="DE", device="mobile", app="", via="link", is_bot=False,
        expires_at=datetime(2027, 6, 1, tzinfo=timezone.utc),
    ).serialize()
    return store


@pytest.fixture(autouse=True)
def twins(money, tap, monkeypatch) -> Iterator[None]:
    monkeypatch.setattr(sales, "is_blocked", lambda brand_id, creator_id: False)  # the accounts capability's
    clock.set_clock(lambda: NOVEMBER)
    with seam.replaced(money=money, tap=tap):
        yield
    clock.set_clock(None)


def sale(order_id: str = "o1", amount: int = 2599, click_id: str | None = "ck_1") -> sales.Recorded:
    return sales.record_sale(brand(), sales.Sale(order_id, click_id, amount, "EUR", NOVEMBER))


def refund(order_id: str, refund_id: str, amount: int, **kwargs) -> dict:
    return refunds.record_refund("br_shop", refunds.RefundRequest(order_id, refund_id, amount, NOVEMBER), **kwargs)


def test_a_sale_after_a_click_of_the_brand_is_pending_and_earns_its_commission():
    recorded = sale()
    assert recorded.created
    view = recorded.conversion
    assert (view["status"], view["creator_id"], view["link_code"], view["commission"]) == (
        "pending", "cr_ana", "summer", {"amount": 260, "currency": "EUR"})


def test_a_sale_without_a_known_click_is_unattributed_and_earns_nothing():
    view = sale(click_id="ck_unknown").conversion
    assert (view["status"], view["creator_id"], view["commission"]["amount"]) == ("unattributed", None, 0)


def test_a_replayed_sale_is_found_and_a_different_one_on_the_same_order_is_a_conflict(money):
    first = sale()
    replay = sale()
    assert (replay.created, replay.conversion) == (False, first.conversion)
    with pytest.raises(Conflict):
        sale(amount=1)
    assert len(money.conversions) == 1


def test_a_refund_takes_back_commission_once_per_refund_id():
    sale()
    after = refund("o1", "r1", 599)
    assert (after["refunded_amount"], after["commission"]["amount"]) == (599, 200)
    assert refund("o1", "r1", 599) == after  # the same refund again: no change
    with pytest.raises(InvalidInput):
        refund("o1", "r2", 2001)
    with pytest.raises(Conflict):
        refund("o1", "r3", 100, expected_refunded=0)
    assert refund("o1", "r4", 2000)["status"] == "refunded"


def test_a_refund_whose_conversion_changed_meanwhile_is_worked_out_again(money):
    sale()
    faulty = Faulty(money, "record_refund", error=lambda: ChangedMeanwhile("raced"))
    with seam.replaced(money=faulty):
        after = refund("o1", "r1", 599)
    assert faulty.failures == 1 and after["refunded_amount"] == 599


def test_a_refund_that_keeps_meeting_changes_is_a_conflict_and_writes_nothing(money):
    sale()
    faulty = Faulty(money, "record_refund", when="before", times=99, error=lambda: ChangedMeanwhile("raced"))
    with seam.replaced(money=faulty), pytest.raises(Conflict):
        refund("o1", "r1", 599)
    assert faulty.failures == refunds._ATTEMPTS and money.refunds == {}


def test_the_close_approves_what_is_eligible_and_writes_the_statements():
    sale("o1")
    sale("o2", 1000)
    refund("o2", "r1", 1000)  # refunded in full: never approved
    sale("o3", click_id=None)  # unattributed: not in any statement
    clock.set_clock(lambda: AFTER_THE_HOLD)
    result = close.close_month("2026-11")
    assert result.view() == {"month": "2026-11", "status": "closed", "statements": 2, "conversions_approved": 1,
                             "adjustments": 0}
    assert close.close_month("2026-11") == result  # closed: its stored result, nothing changes
    view = statements.statement("creator", "cr_ana", "2026-11")
    assert view["lines"] == [{"brand_id": "br_shop", "currency": "EUR", "conversions": 1, "sales": {"EUR": 2599},
                              "commission": 260, "adjustments": 0, "net": 260, "paid_at": None}]
    assert view["totals"] == {"EUR": 260}


def test_a_refund_after_the_close_is_an_adjustment_of_the_month_it_arrived_in():
    sale("o1")
    clock.set_clock(lambda: datetime(2026, 12, 1, 2, 0, tzinfo=timezone.utc))
    close.close_month("2026-11")
    refund("o1", "r1", 599)  # received in December
    clock.set_clock(lambda: AFTER_THE_HOLD)
    result = close.close_month("2026-12")
    assert (result.conversions_approved, result.adjustments) == (0, 1)
    [line] = statements.statement("brand", "br_shop", "2026-12")["lines"]
    assert (line["creator_id"], line["commission"], line["adjustments"], line["net"]) == ("cr_ana", 0, -60, -60)
    assert statements.statement("brand", "br_shop", "2026-11")["lines"][0]["net"] == 260  # November unchanged


def test_a_close_taken_over_from_a_run_that_died_covers_its_approvals(money, monkeypatch):
    for n in range(3):
        sale(f"o{n}")
    clock.set_clock(lambda: AFTER_THE_HOLD)
    approve, approvals = close._approve, []

    def dying(entry, month):
        if len(approvals) == 1:
            raise RuntimeError("the close died here")
        approvals.append(entry.order_id)
        return approve(entry, month)

    monkeypatch.setattr(close, "_approve", dying)
    monkeypatch.setattr(close, "APPROVERS", 1)
    with pytest.raises(RuntimeError):
        close.close_month("2026-11")
    assert close.close_state("2026-11").status == "closing"
    monkeypatch.setattr(close, "_approve", approve)
    clock.set_clock(lambda: AFTER_THE_HOLD + close.SETTLE)
    assert close.close_month("2026-11").conversions_approved == 3


def test_statements_are_listed_newest_first_and_a_line_is_paid_once():
    sale("o1")
    clock.set_clock(lambda: datetime(2026, 12, 1, 2, 0, tzinfo=timezone.utc))
    close.close_month("2026-11")
    clock.set_clock(lambda: datetime(2026, 12, 10, tzinfo=timezone.utc))
    sale("o2")
    clock.set_clock(lambda: AFTER_THE_HOLD)
    close.close_month("2026-12")
    first = statements.list_statements("creator", "cr_ana", limit=1, cursor=None)
    assert [item["month"] for item in first["items"]] == ["2026-12"]
    rest = statements.list_statements("creator", "cr_ana", limit=1, cursor=first["next_cursor"])
    assert ([item["month"] for item in rest["items"]], rest["next_cursor"]) == (["2026-11"], None)
    paid = statements.mark_paid("br_shop", "2026-11", {"creator_id": "cr_ana", "currency": "EUR"})
    assert paid["paid_at"] == "2027-01-01T02:00:00Z"
    clock.set_clock(lambda: datetime(2027, 1, 2, tzinfo=timezone.utc))
    assert statements.mark_paid("br_shop", "2026-11", {"creator_id": "cr_ana", "currency": "EUR"}) == paid
    with pytest.raises(NotFound):
        statements.mark_paid("br_shop", "2026-11", {"creator_id": "cr_bob", "currency": "EUR"})
    with pytest.raises(NotFound):
        statements.statement("creator", "cr_ana", "2027-01")
