"""The rate-limit counters: one item per (action, caller, UTC minute), expiring minutes later;
and `RateLimitsStore`, the one write the rate limits make."""
from __future__ import annotations

from datetime import datetime
from typing import Protocol

from pynamodb.attributes import NumberAttribute, TTLAttribute, UnicodeAttribute
from pynamodb.exceptions import UpdateError
from pynamodb.models import Model

from chalicelib.storage import keys, seam
from chalicelib.storage.dynamodb import table_meta


class RateLimitCounter(Model):
    Meta = table_meta("rate_limits")
    counter_key = UnicodeAttribute(hash_key=True)  # keys.rate_limit_key
    # Stored as `count`; named otherwise here because Model.count is a method.
    requests = NumberAttribute(default=0, attr_name="count")
    expires_at = TTLAttribute()


TABLES = (RateLimitCounter,)

_THROTTLED = ("ProvisionedThroughputExceededException", "ThrottlingException", "RequestLimitExceeded")


def throttled(error: BaseException) -> bool:
    """True when `error` is DynamoDB refusing a request for throughput (botocore's `ClientError`,
    as `RateLimitsStore.add_request` raises it), read off the error's answer: no botocore import."""
    answer = getattr(error, "response", None)
    code = answer.get("Error", {}).get("Code") if isinstance(answer, dict) else None
    return code in _THROTTLED


class RateLimitsStore(Protocol):
    """The minute counters of the rate limits."""

    def add_request(self, action: str, caller_id: str, moment: datetime, *, expires: datetime) -> int:
        """Add one to the caller's counter of `action` in the UTC minute of `moment` (created at 0 when
        new) and make it expire at `expires`, in one atomic update; the count now stored. A failure is
        raised as botocore raised it (a throttle is a `ClientError`: see `throttled`)."""


class DynamoRateLimitsStore:
    def add_request(self, action: str, caller_id: str, moment: datetime, *, expires: datetime) -> int:
        counter = RateLimitCounter(keys.rate_limit_key(action, caller_id, moment))
        try:
            counter.update(actions=[RateLimitCounter.requests.add(1), RateLimitCounter.expires_at.set(expires)])
        except UpdateError as error:
            if error.cause is None:
                raise
            raise error.cause from None  # botocore's own error: the store's callers know no PynamoDB
        return int(counter.requests)


def rate_limits_store() -> RateLimitsStore:
    return seam.provide("rate_limits", DynamoRateLimitsStore)
