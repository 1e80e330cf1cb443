"""The in-memory twin of `storage.rate_limits.DynamoRateLimitsStore`."""
from __future__ import annotations

import threading
from datetime import datetime
from typing import TYPE_CHECKING

from chalicelib.storage import keys
from chalicelib.storage.rate_limits import RateLimitCounter


class InMemoryRateLimitsStore:
    def __init__(self) -> None:
        self.counters: dict[str, dict] = {}  # counter key -> the stored item
        self._lock = threading.Lock()  # DynamoDB's ADD is atomic: so is this one

    def add_request(self, action: str, caller_id: str, moment: datetime, *, expires: datetime) -> int:
        key = keys.rate_limit_key(action, caller_id, moment)
        with self._lock:
            item = self.counters.get(key)
            counter = RateLimitCounter.from_raw_data(item) if item is not None else RateLimitCounter(key)
            counter.requests = (counter.requests or 0) + 1
            counter.expires_at = expires
            self.counters[key] = counter.serialize()
            return int(counter.requests)


if TYPE_CHECKING:  # mypy holds the twin to its store's Protocol
    from chalicelib.storage.rate_limits import RateLimitsStore

    _twin: RateLimitsStore = InMemoryRateLimitsStore()
