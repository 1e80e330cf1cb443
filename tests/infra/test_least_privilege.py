"""Each Lambda function's real DynamoDB calls, recorded while it works, are all allowed by the role
`infra/access.py` declares for it (the stack renders that declaration: `test_stack.py`). Chalice's
own policy generator cannot see PynamoDB's calls; this test is what keeps the hand-written list
honest: a new call that the role would refuse in AWS fails here first."""
from __future__ import annotations

import contextlib
import json
from collections import defaultdict
from datetime import datetime, timezone
from types import SimpleNamespace
from typing import Iterator

import botocore.client
import pytest

from chalicelib.base.config import settings
from chalicelib.money import close
from chalicelib.tap import redirect
from chalicelib.web import tap_function
from infra import access
from tests.helpers import (
    ADMIN,
    Shard,
    bearer,
    call,
    click_id_of,
    click_image,
    conversion_image,
    fresh,
    make_brand,
    make_creator,
    make_link,
    new_id,
)

TRANSACTION_ACTIONS = {"Put": "PutItem", "Update": "UpdateItem", "Delete": "DeleteItem",
                       "ConditionCheck": "ConditionCheckItem", "Get": "GetItem"}


class Calls:
    """(IAM action, table concept) pairs of every DynamoDB call made inside `recording`."""

    def __init__(self) -> None:
        self.by_function: dict[str, set[tuple[str, str]]] = defaultdict(set)
        self.current: str | None = None

    def add(self, operation: str, params: dict) -> None:
        if self.current is None:
            return
        prefix = settings().table_prefix
        pairs: list[tuple[str, str]] = []
        if "TableName" in params:
            pairs.append((operation, params["TableName"]))
        for table in (params.get("RequestItems") or {}):
            pairs.append((operation, table))
        for item in params.get("TransactItems") or []:
            for kind, request in item.items():
                pairs.append((TRANSACTION_ACTIONS[kind], request["TableName"]))
        for action, table in pairs:
            self.by_function[self.current].add(("dynamodb:" + action, table.removeprefix(prefix)))

    @contextlib.contextmanager
    def recording(self, function: str) -> Iterator[None]:
        self.current = function
        try:
            yield
        finally:
            self.current = None


@pytest.fixture
def calls(monkeypatch) -> Calls:
    recorded = Calls()
    original = botocore.client.BaseClient._make_api_call

    def make_api_call(client, operation, params):
        if client.meta.service_model.service_name == "dynamodb":
            recorded.add(operation, params)
        return original(client, operation, params)

    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", make_api_call)
    return recorded


def allowed(function: str) -> set[tuple[str, str]]:
    return {(action, table) for table, actions in access.ACCESS[function].tables.items() for action in actions}


def test_every_function_stays_within_its_declared_access(client, clock, calls, empty_tables):
    from app import aggregate_click_stats, aggregate_conversion_stats, drain_click_spool

    redirect.link_cache.clear()
    with calls.recording("api_handler"):
        brand = make_brand(client, hold_days=0)
        creator = make_creator(client)
        link = make_link(client, creator, brand)
        first_tap = client.http.get(f"/{link['code']}", headers={"User-Agent": "Mozilla/5.0 (iPhone) Mobile"})
        sale = call(client, "POST", "/conversions", {
            "type": "sale", "order_id": new_id("order"), "click_id": click_id_of(first_tap), "amount": 2599,
            "currency": "EUR"}, bearer(brand["api_key"]))
        assert sale.status_code == 201, sale.body
        refund = call(client, "POST", "/conversions", {
            "type": "refund", "order_id": sale.json["order_id"], "refund_id": new_id("refund"), "amount": 599},
            bearer(brand["api_key"]))
        assert refund.status_code == 200, refund.body
        stats = call(client, "GET", f"/links/{link['code']}/stats", headers=bearer(creator["api_key"]))
        assert stats.status_code == 200
        assert call(client, "GET", "/me/statements", headers=bearer(brand["api_key"])).status_code == 200

    redirect.link_cache.clear()  # a cold tap: the link read, the brand and standing, the click
    with calls.recording("tap"):
        answer = tap_function.handler(
            {"rawPath": f"/{link['code']}", "rawQueryString": "", "headers": {"user-agent": "Mozilla/5.0 Mobile"},
             "requestContext": {"http": {"method": "GET", "sourceIp": "198.51.100.7"}}},
            SimpleNamespace(aws_request_id="r-1"))
    assert answer["statusCode"] == 302

    spooled = {"click": click_image(link["code"])}
    with calls.recording("drain_click_spool"):
        assert drain_click_spool({"Records": [{"messageId": "m-1", "body": json.dumps(spooled)}]}, None) == {
            "batchItemFailures": []}

    clicks, conversions = Shard(), Shard()
    code = f"c{fresh()}"
    with calls.recording("aggregate_click_stats"):
        aggregate_click_stats(clicks.event([clicks.record("INSERT", new=click_image(code)),
                                            clicks.record("INSERT", new=click_image(code, visitor="v2"))]), None)
    with calls.recording("aggregate_conversion_stats"):
        aggregate_conversion_stats(conversions.event([conversions.record("INSERT", new=conversion_image(code))]), None)

    clock.set(datetime(2026, 12, 1, 2, 0, tzinfo=timezone.utc))
    with calls.recording("close_month"):
        result = close.close_month("2026-11")
    assert result.status == close.CLOSED
    with calls.recording("api_handler"):
        assert call(client, "GET", "/me/statements/2026-11", headers=bearer(brand["api_key"])).status_code == 200
        assert call(client, "POST", "/admin/close-month", {"month": "2026-11"}, ADMIN).status_code == 200

    assert set(calls.by_function) == set(access.ACCESS)  # every function was exercised
    for function, made in calls.by_function.items():
        assert made, function
        refused = made - allowed(function)
        assert not refused, f"{function} calls what its role would refuse in AWS: {sorted(refused)}"
        assert not any(action == "dynamodb:Scan" for action, _ in made), function


def test_the_tap_s_role_is_exactly_what_a_cold_tap_uses(client, clock, calls, empty_tables):
    """A wider grant would be one nobody needs (the other roles: `infra/access.py` says what each call is for)."""
    redirect.link_cache.clear()
    brand = make_brand(client)
    link = make_link(client, make_creator(client), brand)
    redirect.link_cache.clear()
    with calls.recording("tap"):
        tap_function.handler(
            {"rawPath": f"/{link['code']}", "rawQueryString": "", "headers": {},
             "requestContext": {"http": {"method": "GET", "sourceIp": "198.51.100.7"}}},
            SimpleNamespace(aws_request_id="r-2"))
    assert calls.by_function["tap"] == allowed("tap")
