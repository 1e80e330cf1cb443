"""The monthly close (§5): approvals, adjustments, statements, and a close that can be
run again, twice at once, out of order, or after dying halfway."""
from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone

import pytest

from chalicelib.money import close
from chalicelib.storage import seam
from chalicelib.storage.errors import ChangedMeanwhile
from chalicelib.storage.money import Conversion, MonthClose, money_store
from tests.faults import Faulty
from tests.helpers import ADMIN, Stored, bearer, call, click_id_of, make_brand, make_creator, make_link, new_id

CLOCK_STARTS_AT = datetime(2026, 11, 10, 10, 0, tzinfo=timezone.utc)
NOVEMBER_ENDED = datetime(2026, 12, 1, 2, 0, tzinfo=timezone.utc)
DECEMBER_ENDED = datetime(2027, 1, 1, 2, 0, tzinfo=timezone.utc)


@pytest.fixture(autouse=True)
def own_tables(empty_tables):
    """A close reads every pending sale of its month and owns the month's state:
    each test gets tables of its own, so no other test's sales or closes show."""


@pytest.fixture
def shop(client, clock):
    """A brand paying 10 % with no hold, a creator and their link."""
    brand = make_brand(client, hold_days=0)
    creator = make_creator(client)
    link = make_link(client, creator, brand)
    return {"brand": brand, "creator": creator, "link": link}


def tap(client, link) -> str:
    response = client.http.get(f"/{link['code']}", headers={"User-Agent": "Mozilla/5.0 (iPhone) Mobile Safari"})
    assert response.status_code == 302
    return click_id_of(response)


def sale(client, shop, amount=2599, currency="EUR", click_id=None, **fields) -> dict:
    body = {"type": "sale", "order_id": new_id("order"), "click_id": click_id or tap(client, shop["link"]),
            "amount": amount, "currency": currency, **fields}
    response = call(client, "POST", "/conversions", body, bearer(shop["brand"]["api_key"]))
    assert response.status_code == 201, response.body
    return response.json


def refund(client, shop, order_id, amount) -> dict:
    body = {"type": "refund", "order_id": order_id, "refund_id": new_id("refund"), "amount": amount}
    response = call(client, "POST", "/conversions", body, bearer(shop["brand"]["api_key"]))
    assert response.status_code == 200, response.body
    return response.json


def close_month(client, month) -> dict:
    response = call(client, "POST", "/admin/close-month", {"month": month}, ADMIN)
    assert response.status_code == 200, response.body
    return response.json


def statement(client, key, month, status=200) -> dict:
    response = call(client, "GET", f"/me/statements/{month}", headers=bearer(key))
    assert response.status_code == status, response.body
    return response.json


def stored(conversion) -> Conversion:
    return Conversion.get(conversion["brand_id"], conversion["order_id"], consistent_read=True)


def test_closing_a_month_approves_its_sales_and_states_what_the_brand_owes(client, clock, shop):
    # Given two sales in November, one in euros and one in dollars
    euros = sale(client, shop, 2599, "EUR")
    dollars = sale(client, shop, 1000, "usd")
    # When November has ended and is closed
    clock.set(NOVEMBER_ENDED)
    result = close_month(client, "2026-11")
    # Then both are approved into the November statement, one line per commission currency
    assert result == {"month": "2026-11", "status": "closed", "statements": 2, "conversions_approved": 2,
                      "adjustments": 0}
    assert stored(euros).status == "approved" and stored(euros).statement_month == "2026-11"
    creator_view = statement(client, shop["creator"]["api_key"], "2026-11")
    assert creator_view["creator_id"] == shop["creator"]["creator_id"]
    assert creator_view["status"] == "closed"
    assert sorted(creator_view["lines"], key=lambda line: line["currency"]) == [
        {"brand_id": shop["brand"]["brand_id"], "currency": "EUR", "conversions": 1, "sales": {"EUR": 2599},
         "commission": 260, "adjustments": 0, "net": 260, "paid_at": None},
        {"brand_id": shop["brand"]["brand_id"], "currency": "USD", "conversions": 1, "sales": {"USD": 1000},
         "commission": 100, "adjustments": 0, "net": 100, "paid_at": None},
    ]
    assert creator_view["totals"] == {"EUR": 260, "USD": 100}
    brand_view = statement(client, shop["brand"]["api_key"], "2026-11")
    assert brand_view["brand_id"] == shop["brand"]["brand_id"]
    assert {line["creator_id"] for line in brand_view["lines"]} == {shop["creator"]["creator_id"]}
    assert call(client, "GET", "/me/conversions?status=approved", headers=bearer(shop["creator"]["api_key"])).json[
        "items"][0]["statement_month"] == "2026-11"
    assert dollars["commission"] == {"amount": 100, "currency": "USD"}


def test_a_hold_period_pushes_a_sale_into_a_later_statement(client, clock):
    # Given a brand that holds sales 30 days, and a sale on 10 November
    brand = make_brand(client, hold_days=30)
    creator = make_creator(client)
    shop = {"brand": brand, "creator": creator, "link": make_link(client, creator, brand)}
    held = sale(client, shop)
    # When November is closed, the sale is still within its hold (until 10 December)
    clock.set(NOVEMBER_ENDED)
    assert close_month(client, "2026-11")["conversions_approved"] == 0
    assert stored(held).status == "pending"
    statement(client, creator["api_key"], "2026-11", status=404)
    # Then December's close approves it, into December's statement
    clock.set(DECEMBER_ENDED)
    assert close_month(client, "2026-12")["conversions_approved"] == 1
    assert stored(held).statement_month == "2026-12"
    assert statement(client, creator["api_key"], "2026-12")["totals"] == {"EUR": 260}


def test_a_sale_that_arrives_after_its_month_was_closed_is_approved_by_the_next_close(client, clock, shop):
    click_id = tap(client, shop["link"])
    clock.set(NOVEMBER_ENDED)
    close_month(client, "2026-11")
    # Given a sale of 30 November reported after November was closed
    late = sale(client, shop, click_id=click_id, occurred_at="2026-11-30T23:00:00Z")
    assert late["status"] == "pending"
    # When December is closed
    clock.set(DECEMBER_ENDED)
    assert close_month(client, "2026-12")["conversions_approved"] == 1
    # Then it is in December's statement, and November's is unchanged
    assert stored(late).statement_month == "2026-12"
    statement(client, shop["creator"]["api_key"], "2026-11", status=404)


def test_a_refund_of_a_pending_sale_lowers_its_commission_and_books_no_adjustment(client, clock, shop):
    pending = sale(client, shop, 2599)
    refund(client, shop, pending["order_id"], 599)
    clock.set(NOVEMBER_ENDED)
    assert close_month(client, "2026-11")["adjustments"] == 0
    [line] = statement(client, shop["creator"]["api_key"], "2026-11")["lines"]
    assert (line["sales"], line["commission"], line["adjustments"], line["net"]) == ({"EUR": 2000}, 200, 0, 200)


def test_a_refund_after_approval_is_an_adjustment_of_the_month_it_arrived_in(client, clock, shop):
    # Given a sale approved by November's close
    approved = sale(client, shop, 2599)
    clock.set(NOVEMBER_ENDED)
    close_month(client, "2026-11")
    # When part of it is refunded in December
    refund(client, shop, approved["order_id"], 599)
    clock.set(DECEMBER_ENDED)
    result = close_month(client, "2026-12")
    # Then November's statement is unchanged and December's takes the commission back
    assert result["adjustments"] == 1
    assert statement(client, shop["creator"]["api_key"], "2026-11")["totals"] == {"EUR": 260}
    [line] = statement(client, shop["creator"]["api_key"], "2026-12")["lines"]
    assert (line["conversions"], line["commission"], line["adjustments"], line["net"]) == (0, 0, -60, -60)
    assert stored(approved).commission_amount == 200  # 260 - 60: the statements add up to it


def test_closing_a_month_again_changes_nothing_and_answers_the_stored_result(client, clock, shop):
    sale(client, shop)
    click_id = tap(client, shop["link"])
    clock.set(NOVEMBER_ENDED)
    first = close_month(client, "2026-11")
    assert sale(client, shop, click_id=click_id, occurred_at="2026-11-30T10:00:00Z")["status"] == "pending"
    before = Stored()
    assert close_month(client, "2026-11") == first
    assert before.changes() == {}


def test_two_closes_started_at_once_make_one_set_of_statements(client, clock, shop):
    conversions = [sale(client, shop, 1000 + i) for i in range(6)]
    clock.set(NOVEMBER_ENDED)
    answers = []
    start = threading.Barrier(2)

    def run():
        start.wait()
        answers.append(call(client, "POST", "/admin/close-month", {"month": "2026-11"}, ADMIN))

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(answer.status_code for answer in answers) in ([200, 200], [200, 202])
    # Then asking again gives the closed month, with every sale in it exactly once
    assert close_month(client, "2026-11")["conversions_approved"] == 6
    [line] = statement(client, shop["creator"]["api_key"], "2026-11")["lines"]
    assert line["conversions"] == 6
    assert line["commission"] == sum(c["commission"]["amount"] for c in conversions)


def test_a_close_that_dies_halfway_finishes_correctly_when_run_again(client, clock, shop, monkeypatch):
    conversions = [sale(client, shop, 1000 * (i + 1)) for i in range(5)]
    clock.set(NOVEMBER_ENDED)
    # Given a close that fails after approving two conversions
    approve, approvals = close._approve, []

    def failing_approve(entry, month):
        if len(approvals) == 2:
            raise RuntimeError("the close died here")
        approvals.append(entry.order_id)
        return approve(entry, month)

    monkeypatch.setattr(close, "_approve", failing_approve)
    monkeypatch.setattr(close, "APPROVERS", 1)
    with pytest.raises(RuntimeError):
        close.close_month("2026-11")
    assert MonthClose.get("2026-11").status == "closing"
    statement(client, shop["creator"]["api_key"], "2026-11", status=404)
    # When it runs again, once the failed run's lease (given back) has settled
    monkeypatch.setattr(close, "_approve", approve)
    clock.move(close.SETTLE)
    result = close_month(client, "2026-11")
    # Then the month holds all five, each once
    assert result["conversions_approved"] == 5
    [line] = statement(client, shop["creator"]["api_key"], "2026-11")["lines"]
    assert line["conversions"] == 5
    assert line["commission"] == sum(c["commission"]["amount"] for c in conversions) == 1500


def test_a_close_whose_run_vanished_is_taken_over_once_its_lease_has_passed(client, clock, shop, monkeypatch):
    from chalicelib.web import closing

    monkeypatch.setattr(closing, "WAIT_SECONDS", 0.2)  # the vanished run will not finish: do not wait 20 s for it
    sale(client, shop)
    clock.set(NOVEMBER_ENDED)
    MonthClose("2026-11", status="closing", run_id="run_gone", lease_until="2026-12-01T02:10:00Z",
               started_at="2026-12-01T01:55:00Z").save()
    # While the lease runs, another close answers that the month is closing
    response = call(client, "POST", "/admin/close-month", {"month": "2026-11"}, ADMIN)
    assert (response.status_code, response.json) == (202, {"month": "2026-11", "status": "closing"})
    # After it, the close takes over and finishes
    clock.move(timedelta(minutes=15))
    monkeypatch.setattr(closing, "WAIT_SECONDS", 10.0)
    assert close_month(client, "2026-11")["conversions_approved"] == 1


def test_months_may_be_closed_in_any_order(client, clock, shop):
    november = sale(client, shop, 1000)
    clock.set(datetime(2026, 12, 10, tzinfo=timezone.utc))
    december = sale(client, shop, 2000)
    clock.set(DECEMBER_ENDED)
    # December first: it approves what is eligible before January, November's sale included
    assert close_month(client, "2026-12")["conversions_approved"] == 2
    assert close_month(client, "2026-11")["conversions_approved"] == 0
    assert stored(november).statement_month == stored(december).statement_month == "2026-12"
    assert statement(client, shop["creator"]["api_key"], "2026-12")["totals"] == {"EUR": 300}


def test_a_brand_marks_a_line_paid_once(client, clock, shop):
    sale(client, shop)
    clock.set(NOVEMBER_ENDED)
    close_month(client, "2026-11")
    body = {"creator_id": shop["creator"]["creator_id"], "currency": "eur"}
    paid = call(client, "POST", "/me/statements/2026-11/paid", body, bearer(shop["brand"]["api_key"]))
    assert paid.status_code == 200
    assert paid.json["paid_at"] == "2026-12-01T02:00:00Z"
    assert paid.json["creator_id"] == shop["creator"]["creator_id"] and paid.json["net"] == 260
    clock.move(timedelta(days=1))
    again = call(client, "POST", "/me/statements/2026-11/paid", body, bearer(shop["brand"]["api_key"]))
    assert (again.status_code, again.json["paid_at"]) == (200, "2026-12-01T02:00:00Z")
    [line] = statement(client, shop["creator"]["api_key"], "2026-11")["lines"]
    assert line["paid_at"] == "2026-12-01T02:00:00Z"


@pytest.mark.parametrize(
    "month, body",
    [
        ("2026-11", {"creator_id": "cr_nobody", "currency": "EUR"}),
        ("2026-11", {"creator_id": None, "currency": "USD"}),
        ("2026-10", {"creator_id": None, "currency": "EUR"}),
    ],
)
def test_marking_a_line_that_does_not_exist_paid_is_404_and_writes_nothing(client, clock, shop, month, body):
    sale(client, shop)
    clock.set(NOVEMBER_ENDED)
    close_month(client, "2026-11")
    body = {**body, "creator_id": body["creator_id"] or shop["creator"]["creator_id"]}
    before = Stored()
    response = call(client, "POST", f"/me/statements/{month}/paid", body, bearer(shop["brand"]["api_key"]))
    assert response.status_code == 404
    assert before.changes() == {}


def test_a_brand_downloads_its_statement_as_csv(client, clock, shop):
    sale(client, shop, 2599)
    clock.set(NOVEMBER_ENDED)
    close_month(client, "2026-11")
    response = client.http.get("/me/statements/2026-11?format=csv", headers=bearer(shop["brand"]["api_key"]))
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/csv")
    creator = shop["creator"]
    assert response.body.decode().splitlines() == [
        "creator_id,handle,currency,conversions,commission,adjustments,net,paid_at",
        f"{creator['creator_id']},{creator['handle']},EUR,1,260,0,260,",
    ]
    # A creator's statement has no CSV form
    as_creator = call(client, "GET", "/me/statements/2026-11?format=csv", headers=bearer(creator["api_key"]))
    assert as_creator.status_code == 400


def test_statements_are_listed_newest_first_a_page_at_a_time(client, clock, shop):
    sale(client, shop, 1000)
    clock.set(NOVEMBER_ENDED)
    close_month(client, "2026-11")
    sale(client, shop, 3000)
    clock.set(DECEMBER_ENDED)
    close_month(client, "2026-12")
    key = bearer(shop["creator"]["api_key"])
    first = call(client, "GET", "/me/statements?limit=1", headers=key).json
    assert first["items"] == [{"month": "2026-12", "status": "closed", "totals": {"EUR": 300}}]
    second = call(client, "GET", f"/me/statements?limit=1&cursor={first['next_cursor']}", headers=key).json
    assert second == {"items": [{"month": "2026-11", "status": "closed", "totals": {"EUR": 100}}],
                      "next_cursor": None}
    other = make_creator(client)
    foreign = call(client, "GET", f"/me/statements?cursor={first['next_cursor']}", headers=bearer(other["api_key"]))
    assert foreign.status_code == 400


def test_admins_read_any_party_s_statement_and_parties_only_their_own(client, clock, shop):
    sale(client, shop)
    clock.set(NOVEMBER_ENDED)
    close_month(client, "2026-11")
    brand_id, creator_id = shop["brand"]["brand_id"], shop["creator"]["creator_id"]
    as_admin = call(client, "GET", f"/brands/{brand_id}/statements/2026-11", headers=ADMIN)
    assert as_admin.json == statement(client, shop["brand"]["api_key"], "2026-11")
    assert call(client, "GET", f"/creators/{creator_id}/statements/2026-11", headers=ADMIN).json == statement(
        client, shop["creator"]["api_key"], "2026-11")
    stranger = make_creator(client)
    statement(client, stranger["api_key"], "2026-11", status=404)
    assert call(client, "GET", f"/creators/{creator_id}/statements/2026-11",
                headers=bearer(stranger["api_key"])).status_code == 403


@pytest.mark.parametrize(
    "month",
    ["2026-13", "2026-1", "26-01", "", "2026-00", "２０２６-11", "2026-11\n", None, 202611, "0000-01", "9999-12"],
)
def test_a_malformed_month_is_400_and_writes_nothing(client, clock, month):
    clock.set(NOVEMBER_ENDED)
    before = Stored()
    response = call(client, "POST", "/admin/close-month", {"month": month}, ADMIN)
    assert response.status_code == 400, response.body
    assert before.changes() == {}


@pytest.mark.parametrize("month", ["2026-12", "2027-01", "2030-05"])
def test_a_month_that_has_not_ended_is_409_and_writes_nothing(client, clock, month):
    clock.set(NOVEMBER_ENDED)
    before = Stored()
    response = call(client, "POST", "/admin/close-month", {"month": month}, ADMIN)
    assert response.status_code == 409
    assert before.changes() == {}


def test_a_refund_never_lands_in_a_month_whose_close_has_begun(client, clock, shop):
    # Given a sale approved by November's close, and December's close begun (clocks a moment apart)
    approved = sale(client, shop)
    clock.set(NOVEMBER_ENDED)
    close_month(client, "2026-11")
    clock.set(datetime(2026, 12, 31, 23, 59, 59, tzinfo=timezone.utc))
    MonthClose("2026-12", status="closing", run_id="run_other", lease_until="2027-01-01T02:10:00Z",
               started_at="2027-01-01T00:00:00Z").save()
    # When a refund arrives still stamped December: it is refused, nothing written
    before = Stored()
    body = {"type": "refund", "order_id": approved["order_id"], "refund_id": new_id("refund"), "amount": 599}
    response = call(client, "POST", "/conversions", body, bearer(shop["brand"]["api_key"]))
    assert response.status_code == 409
    assert before.changes() == {}
    # And once the clock says January, it is booked in January
    clock.set(datetime(2027, 1, 1, 0, 0, 1, tzinfo=timezone.utc))
    assert call(client, "POST", "/conversions", body, bearer(shop["brand"]["api_key"])).status_code == 200
    clock.set(datetime(2027, 2, 1, 2, 0, tzinfo=timezone.utc))
    assert close_month(client, "2027-01")["adjustments"] == 1


def test_a_refund_racing_the_close_is_counted_once(client, clock, shop):
    # Given sales that are refunded while their month is being closed
    conversions = [sale(client, shop, 1000) for _ in range(8)]
    clock.set(NOVEMBER_ENDED)
    refunds = threading.Thread(target=lambda: [refund(client, shop, c["order_id"], 300) for c in conversions])
    refunds.start()
    close_month(client, "2026-11")
    refunds.join()
    clock.set(DECEMBER_ENDED)
    close_month(client, "2026-12")
    # Then each refund took commission back exactly once: before approval or as an adjustment
    nets = sum(statement(client, shop["creator"]["api_key"], month)["totals"].get("EUR", 0)
               for month in ("2026-11", "2026-12")
               if call(client, "GET", f"/me/statements/{month}", headers=bearer(shop["creator"]["api_key"])).status_code
               == 200)
    assert nets == sum(int(stored(c).commission_amount) for c in conversions) == 8 * 70


def test_the_schedule_closes_the_month_that_just_ended(client, clock, shop):
    sale(client, shop)
    clock.set(NOVEMBER_ENDED)
    event = client.events.generate_cw_event(source="aws.events", detail_type="Scheduled Event", detail={},
                                            resources=["arn:aws:events:us-east-1:000000000000:rule/close"])
    event["time"] = "2026-12-01T02:00:00Z"
    answer = client.lambda_.invoke("close_month", event).payload
    assert answer == {"month": "2026-11", "status": "closed", "statements": 2, "conversions_approved": 1,
                      "adjustments": 0}


def test_a_slow_close_answers_202_and_finishes_on_its_own(client, clock, shop, monkeypatch):
    from chalicelib.web import closing

    sale(client, shop)
    clock.set(NOVEMBER_ENDED)
    approve, release = close._approve, threading.Event()

    def slow_approve(entry, month):
        release.wait(10)
        return approve(entry, month)

    monkeypatch.setattr(close, "_approve", slow_approve)
    monkeypatch.setattr(closing, "WAIT_SECONDS", 0.2)
    response = call(client, "POST", "/admin/close-month", {"month": "2026-11"}, ADMIN)
    assert (response.status_code, response.json) == (202, {"month": "2026-11", "status": "closing"})
    again = call(client, "POST", "/admin/close-month", {"month": "2026-11"}, ADMIN)
    assert again.status_code == 202
    release.set()
    monkeypatch.setattr(closing, "WAIT_SECONDS", 10)
    assert close_month(client, "2026-11")["conversions_approved"] == 1


def test_in_aws_a_close_goes_on_in_the_close_function_invoked_asynchronously(client, clock, monkeypatch):
    import dataclasses
    import json

    from botocore.stub import ANY, Stubber

    from chalicelib.base import config
    from chalicelib.web import closing

    # Given the stack names the close function
    clock.set(NOVEMBER_ENDED)
    configured = dataclasses.replace(config.settings(), close_month_function="affilink-close_month")
    monkeypatch.setattr(closing, "settings", lambda: configured)
    monkeypatch.setattr(closing, "WAIT_SECONDS", 0.3)
    invoked = []
    with Stubber(closing._lambda_client()) as stub:
        stub.add_response("invoke", {"StatusCode": 202},
                          {"FunctionName": "affilink-close_month", "InvocationType": "Event", "Payload": ANY})
        closing._lambda_client().meta.events.register(
            "provide-client-params.lambda.Invoke", lambda params, **_: invoked.append(json.loads(params["Payload"])))
        # When the admin asks for October's close, which nothing runs here
        response = call(client, "POST", "/admin/close-month", {"month": "2026-10"}, ADMIN)
        stub.assert_no_pending_responses()
    # Then the function was invoked with the event its schedule sends, naming the month, and the answer is 202
    assert (response.status_code, response.json) == (202, {"month": "2026-10", "status": "closing"})
    assert invoked[0]["detail"] == {"month": "2026-10"} and invoked[0]["detail-type"] == "Close month"


def _conflict_once(method: str) -> Faulty:
    """The next `method` of the money store fails as a write that met another transaction
    on the same item does (nothing written); `failures` counts the times it did."""
    return Faulty(money_store(), method, error=lambda: ChangedMeanwhile("a transaction is in progress on this item"))


def test_a_refund_that_meets_a_transaction_on_its_sale_is_retried_not_answered_500(client, clock, shop):
    pending = sale(client, shop, 2599)
    faulty = _conflict_once("record_refund")
    with seam.replaced(money=faulty):
        answered = refund(client, shop, pending["order_id"], 599)
    raised = faulty.failures
    assert raised and answered["refunded_amount"] == 599 and answered["commission"]["amount"] == 200


def test_an_approval_that_meets_a_refund_s_transaction_is_retried(client, clock, shop):
    conversion = sale(client, shop, 2599)
    clock.set(NOVEMBER_ENDED)
    faulty = _conflict_once("approve_conversion")
    with seam.replaced(money=faulty):
        result = close_month(client, "2026-11")
    raised = faulty.failures
    assert raised and result["conversions_approved"] == 1
    assert stored(conversion).statement_month == "2026-11"
