"""Fixed-window rate limits: one counter per (action, caller, UTC minute)."""
from __future__ import annotations

from datetime import datetime, timedelta

from chalicelib.base.errors import TooManyRequests
from chalicelib.base.timeutil import seconds_to_next_minute
from chalicelib.storage.rate_limits import rate_limits_store, throttled

LINK_CREATIONS_PER_MINUTE = 60
LINK_CREATION = ("create-link", LINK_CREATIONS_PER_MINUTE)
"""(action, limit) of creating a link: the API's POST /links and the dashboard's form share it."""
COUNTER_LIFETIME = timedelta(minutes=5)
"""How long a minute's counter is kept: past its minute, and a clock a little off, it counts for nothing."""


def count_request(action: str, caller_id: str, limit: int, moment: datetime) -> None:
    """Count one request; 429 once more than `limit` were made in this UTC minute."""
    retry_after = seconds_to_next_minute(moment)
    too_many = TooManyRequests(f"at most {limit} requests a minute; try again in {retry_after} s", retry_after)
    try:
        requests = rate_limits_store().add_request(action, caller_id, moment, expires=moment + COUNTER_LIFETIME)
    except Exception as error:
        # Only a flood far beyond the limit throttles one counter item: that caller is over it.
        if throttled(error):
            raise too_many from None
        raise
    if requests > limit:
        raise too_many
