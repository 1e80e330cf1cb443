"""Faults injected into DynamoDB in the middle of a sale (issue 11, item 2): the shop's retry
makes exactly one conversion, whether the write failed before or after it was applied."""
from __future__ import annotations

import pytest
from botocore.exceptions import ReadTimeoutError

from chalicelib.storage.money import Conversion
from tests.helpers import bearer, call, make_brand, new_id, stored_items


def _fail_once(when: str):
    """The next PutItem of a conversion fails: `before` it reaches DynamoDB, or `after` it was
    applied (its answer lost on the way back, as a timeout does)."""
    failed: list = []

    def fail(**_):
        if not failed:
            failed.append(when)
            raise ReadTimeoutError(endpoint_url="http://dynamodb")

    # This client writes only the conversions table (PynamoDB keeps one per model).
    events = Conversion._get_connection().connection.client.meta.events
    event = "before-call.dynamodb.PutItem" if when == "before" else "after-call.dynamodb.PutItem"
    events.register(event, fail, unique_id=f"fail-{when}")
    return failed, lambda: events.unregister(event, unique_id=f"fail-{when}")


@pytest.mark.parametrize("when", ["before", "after"])
def test_a_sale_whose_write_fails_midway_is_one_conversion_after_the_retry(client, when):
    brand = make_brand(client)
    sale = {"type": "sale", "order_id": new_id("order"), "amount": 2599, "currency": "EUR"}
    failed, restore = _fail_once(when)
    try:
        first = call(client, "POST", "/conversions", sale, bearer(brand["api_key"]))
    finally:
        restore()
    assert failed
    # The failure is the service's, not the input's: the shop is told to try again
    assert first.status_code == 500 and first.json == {"Code": "InternalError", "Message": "internal error"}
    retried = call(client, "POST", "/conversions", sale, bearer(brand["api_key"]))
    assert retried.status_code == (201 if when == "before" else 200)
    assert [c.order_id for c in stored_items(Conversion)] == [sale["order_id"]]
