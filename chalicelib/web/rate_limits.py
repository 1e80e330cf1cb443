"""Fixed-window rate limits: one DynamoDB counter per (action, caller, UTC minute)."""
from __future__ import annotations

from datetime import datetime, timedelta

from pynamodb.exceptions import UpdateError

from chalicelib.base.errors import TooManyRequests
from chalicelib.base.timeutil import seconds_to_next_minute
from chalicelib.storage import keys
from chalicelib.storage.rate_limits import RateLimitCounter

LINK_CREATIONS_PER_MINUTE = 60
LINK_CREATION = ("create-link", LINK_CREATIONS_PER_MINUTE)
"""(action, limit) of creating a link: the API's POST /links and the dashboard's form share it."""
_THROTTLED = ("ProvisionedThroughputExceededException", "ThrottlingException", "RequestLimitExceeded")


def count_request(action: str, caller_id: str, limit: int, moment: datetime) -> None:
    """Count one request; 429 once more than `limit` were made in this UTC minute."""
    counter = RateLimitCounter(keys.rate_limit_key(action, caller_id, moment))
    retry_after = seconds_to_next_minute(moment)
    too_many = TooManyRequests(f"at most {limit} requests a minute; try again in {retry_after} s", retry_after)
    try:
        counter.update(
            actions=[
                RateLimitCounter.requests.add(1),
                RateLimitCounter.expires_at.set(moment + timedelta(minutes=5)),
            ]
        )
    except UpdateError as error:
        # Only a flood far beyond the limit throttles one counter item: that caller is over it.
        if error.cause_response_code in _THROTTLED:
            raise too_many from None
        raise
    if counter.requests > limit:
        raise too_many
