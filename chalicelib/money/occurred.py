"""When a sale or refund happened, as its sender says: `occurred_at`, checked."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any, Mapping

from chalicelib.base.errors import InvalidInput
from chalicelib.base.timeutil import parse_timestamp

FUTURE_TOLERANCE = timedelta(minutes=5)
EARLIEST_OCCURRED_AT = datetime(1970, 1, 1, tzinfo=timezone.utc)


def occurred_at(body: Mapping[str, Any], received: datetime) -> datetime:
    """`occurred_at` of the body, or `received` when it has none."""
    value = body.get("occurred_at")
    if value is None:
        return received.replace(microsecond=0)
    moment = parse_timestamp(value, "occurred_at")
    if moment > received + FUTURE_TOLERANCE:
        raise InvalidInput("occurred_at may not be more than 5 minutes in the future")
    if moment < EARLIEST_OCCURRED_AT:
        raise InvalidInput("occurred_at must be after 1970-01-01T00:00:00Z")
    return moment
