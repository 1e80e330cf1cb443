"""Timestamps as the contract wants them: RFC 3339, UTC, `Z`, whole seconds."""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from typing import Optional

from chalicelib.base.errors import InvalidInput

# Matched whole (`fullmatch`: `$` would also accept a final newline) and in
# ASCII digits only (`\d` alone also takes "２０２６").
_RFC3339 = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})", re.ASCII
)


def format_timestamp(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_timestamp(value: object, field: str) -> datetime:
    """An RFC 3339 timestamp with `Z` or an offset, normalised to UTC whole seconds."""
    if not isinstance(value, str) or not _RFC3339.fullmatch(value):
        raise InvalidInput(f"{field} must be an RFC 3339 timestamp such as 2026-11-26T10:00:00Z")
    text = value.upper().replace("Z", "+00:00")
    fraction = re.search(r"\.\d+", text)
    if fraction:
        text = text.replace(fraction.group(0), "")
    try:
        return datetime.fromisoformat(text).astimezone(timezone.utc).replace(microsecond=0)
    except (ValueError, OverflowError):  # overflow: year 1 or 9999 shifted out of range by the offset
        raise InvalidInput(f"{field} is not a valid date and time") from None


def parse_stored(value: Optional[str]) -> Optional[datetime]:
    if value is None:
        return None
    return datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)


def epoch_ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def month_of(moment: datetime) -> str:
    """`YYYY-MM` of the UTC month of `moment`."""
    return moment.astimezone(timezone.utc).strftime("%Y-%m")


def minute_of(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M")


def seconds_to_next_minute(moment: datetime) -> int:
    next_minute = moment.replace(second=0, microsecond=0) + timedelta(minutes=1)
    return max(1, int((next_minute - moment).total_seconds() + 0.999))
