"""Faults injected into DynamoDB in the middle of a sale (issue 11, item 2): the shop's retry
makes exactly one conversion, whether the write failed before or after it was applied."""
from __future__ import annotations

import pytest

from chalicelib.storage import seam
from chalicelib.storage.money import Conversion, money_store
from tests.faults import Faulty
from tests.helpers import bearer, call, make_brand, new_id, stored_items


def _fail_once(when: str) -> Faulty:
    """The next write of a sale fails: `before` it reaches the store, or `after` it was
    applied (its answer lost on the way back, as a timeout does)."""
    return Faulty(money_store(), "record_sale", when=when)


@pytest.mark.parametrize("when", ["before", "after"])
def test_a_sale_whose_write_fails_midway_is_one_conversion_after_the_retry(client, when):
    brand = make_brand(client)
    sale = {"type": "sale", "order_id": new_id("order"), "amount": 2599, "currency": "EUR"}
    faulty = _fail_once(when)
    with seam.replaced(money=faulty):
        first = call(client, "POST", "/conversions", sale, bearer(brand["api_key"]))
    assert faulty.failures
    # The failure is the service's, not the input's: the shop is told to try again
    assert first.status_code == 500 and first.json == {"Code": "InternalError", "Message": "internal error"}
    retried = call(client, "POST", "/conversions", sale, bearer(brand["api_key"]))
    assert retried.status_code == (201 if when == "before" else 200)
    assert [c.order_id for c in stored_items(Conversion)] == [sale["order_id"]]
