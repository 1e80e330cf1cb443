"""The per-creator minute counter behind `POST /links`."""
from datetime import datetime, timezone

import pytest
from botocore.exceptions import ClientError

from chalicelib.base import config
from chalicelib.base.errors import TooManyRequests
from chalicelib.storage import seam
from chalicelib.storage.rate_limits import RateLimitCounter, rate_limits_store
from chalicelib.web import rate_limits as ratelimit
from tests.faults import Faulty
from tests.helpers import new_id

MOMENT = datetime(2026, 11, 26, 10, 0, 15, tzinfo=timezone.utc)


def test_counts_up_to_the_limit_then_refuses_with_seconds_to_next_minute(aws):
    caller = new_id("cr")
    for _ in range(3):
        ratelimit.count_request("create-link", caller, 3, MOMENT)
    with pytest.raises(TooManyRequests) as refused:
        ratelimit.count_request("create-link", caller, 3, MOMENT)
    assert refused.value.retry_after == 45
    assert RateLimitCounter.get(f"create-link#{caller}#2026-11-26T10:00").requests == 4


def test_a_throttled_counter_is_answered_429_not_500(aws):
    def throttle():
        return ClientError({"Error": {"Code": "ProvisionedThroughputExceededException", "Message": "x"}}, "UpdateItem")

    with seam.replaced(rate_limits=Faulty(rate_limits_store(), "add_request", error=throttle)):
        with pytest.raises(TooManyRequests):
            ratelimit.count_request("create-link", new_id("cr"), 60, MOMENT)


def test_click_retention_shorter_than_the_longest_window_is_refused(monkeypatch):
    monkeypatch.setenv("AFFILINK_CLICK_RETENTION_DAYS", "30")
    config.reset()
    try:
        with pytest.raises(ValueError, match="at least 91"):
            config.settings()
    finally:
        monkeypatch.undo()
        config.reset()
