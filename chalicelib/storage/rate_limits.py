"""The rate-limit counters: one item per (action, caller, UTC minute), expiring minutes later."""
from __future__ import annotations

from pynamodb.attributes import NumberAttribute, TTLAttribute, UnicodeAttribute
from pynamodb.models import Model

from chalicelib.storage.dynamodb import table_meta


class RateLimitCounter(Model):
    Meta = table_meta("rate_limits")
    counter_key = UnicodeAttribute(hash_key=True)  # keys.rate_limit_key
    # Stored as `count`; named otherwise here because Model.count is a method.
    requests = NumberAttribute(default=0, attr_name="count")
    expires_at = TTLAttribute()


TABLES = (RateLimitCounter,)
