"""The rate limits store's contract, on the in-memory twin and on DynamoDB (moto): one counter per
(action, caller, UTC minute), counted atomically and expiring; a throttle raised as botocore's error."""
from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone

import pytest
from botocore.exceptions import ClientError, ReadTimeoutError
from pynamodb.exceptions import UpdateError

from chalicelib.storage import keys
from chalicelib.storage.memory.rate_limits import InMemoryRateLimitsStore
from chalicelib.storage.rate_limits import DynamoRateLimitsStore, RateLimitCounter, throttled

MOMENT = datetime(2026, 11, 26, 10, 0, 15, tzinfo=timezone.utc)
EXPIRES = MOMENT + timedelta(minutes=5)


@pytest.fixture
def store(implementation):
    return InMemoryRateLimitsStore() if implementation == "memory" else DynamoRateLimitsStore()


def fresh(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex[:16]}"


def stored_counter(store, counter_key: str) -> RateLimitCounter:
    if isinstance(store, InMemoryRateLimitsStore):
        return RateLimitCounter.from_raw_data(store.counters[counter_key])
    return RateLimitCounter.get(counter_key, consistent_read=True)


def throttle(code: str = "ProvisionedThroughputExceededException") -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": "x"}}, "UpdateItem")


def test_each_request_adds_one_and_the_count_is_answered(store):
    caller = fresh("cr")
    assert [store.add_request("create-link", caller, MOMENT, expires=EXPIRES) for _ in range(3)] == [1, 2, 3]
    counter = stored_counter(store, keys.rate_limit_key("create-link", caller, MOMENT))
    assert (counter.requests, counter.expires_at) == (3, EXPIRES)


def test_counters_are_per_action_caller_and_minute(store):
    caller = fresh("cr")
    store.add_request("create-link", caller, MOMENT, expires=EXPIRES)
    store.add_request("create-link", caller, MOMENT + timedelta(seconds=44), expires=EXPIRES)  # 10:00:59
    assert store.add_request("create-link", caller, MOMENT + timedelta(seconds=45), expires=EXPIRES) == 1
    assert store.add_request("create-link", fresh("cr"), MOMENT, expires=EXPIRES) == 1
    assert store.add_request("other-action", caller, MOMENT, expires=EXPIRES) == 1
    assert store.add_request("create-link", caller, MOMENT, expires=EXPIRES) == 3


def test_the_last_request_sets_the_expiry(store):
    caller = fresh("cr")
    store.add_request("create-link", caller, MOMENT, expires=EXPIRES)
    store.add_request("create-link", caller, MOMENT, expires=EXPIRES + timedelta(seconds=30))
    counter = stored_counter(store, keys.rate_limit_key("create-link", caller, MOMENT))
    assert counter.expires_at == EXPIRES + timedelta(seconds=30)


@pytest.mark.parametrize("code", ["ProvisionedThroughputExceededException", "ThrottlingException",
                                  "RequestLimitExceeded"])
def test_dynamodb_throttles_are_recognised(code):
    assert throttled(throttle(code)) is True


def test_other_failures_are_no_throttle():
    assert throttled(throttle("ValidationException")) is False
    assert throttled(ReadTimeoutError(endpoint_url="http://dynamodb")) is False
    assert throttled(ValueError("x")) is False


def test_the_dynamodb_store_raises_a_throttle_as_botocore_answered_it(monkeypatch):
    # PynamoDB wraps botocore's error in its own: the store hands out botocore's.
    answered = throttle()

    def update(self, *args, **kwargs):
        raise UpdateError("Failed to update item", answered)

    monkeypatch.setattr(RateLimitCounter, "update", update)
    with pytest.raises(ClientError) as raised:
        DynamoRateLimitsStore().add_request("create-link", fresh("cr"), MOMENT, expires=EXPIRES)
    assert raised.value is answered and throttled(raised.value)
