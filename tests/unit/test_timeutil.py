"""Timestamps as the contract writes them (chalicelib/timeutil.py)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from chalicelib.base.errors import InvalidInput
from chalicelib.base.timeutil import (
    format_timestamp,
    minute_of,
    parse_timestamp,
    seconds_to_next_minute,
)


@pytest.mark.parametrize(
    ("given", "utc"),
    [
        ("2026-11-26T10:00:00Z", "2026-11-26T10:00:00Z"),
        ("2026-11-26T12:00:00+02:00", "2026-11-26T10:00:00Z"),
        ("2026-11-26T05:30:00-04:30", "2026-11-26T10:00:00Z"),
        ("2026-11-27T01:00:00+15:00", "2026-11-26T10:00:00Z"),
        ("2026-11-26t10:00:00z", "2026-11-26T10:00:00Z"),
        ("2026-11-26T10:00:00.999999999Z", "2026-11-26T10:00:00Z"),
        ("2026-11-26T10:00:00-00:00", "2026-11-26T10:00:00Z"),
        ("2026-01-01T00:30:00+01:00", "2025-12-31T23:30:00Z"),
    ],
)
def test_offset_timestamps_are_normalized_to_utc_with_z(given, utc):
    assert format_timestamp(parse_timestamp(given, "at")) == utc


@pytest.mark.parametrize(
    "value",
    [
        "2026-11-26",
        "2026-11-26T10:00:00",
        "2026-11-26 10:00:00Z",
        "2026-11-26T10:00Z",
        "2026-13-01T00:00:00Z",
        "2026-02-30T00:00:00Z",
        "2026-11-26T24:00:00Z",
        "2026-11-26T10:00:00+24:00",
        "2026-11-26T10:00:00+0200",
        "2026-11-26T10:00:00Z\n",
        "２０２６-11-26T10:00:00Z",
        "9999-12-31T23:59:59-23:59",
        "0001-01-01T00:00:00+01:00",
        "",
        None,
        1764151200,
    ],
)
def test_malformed_timestamps_are_refused_naming_the_field(value):
    with pytest.raises(InvalidInput, match="expires_at"):
        parse_timestamp(value, "expires_at")


def test_formatting_drops_fractions_and_converts_to_utc():
    moment = datetime(2026, 11, 26, 11, 0, 0, 999_999, tzinfo=timezone(timedelta(hours=1)))
    assert format_timestamp(moment) == "2026-11-26T10:00:00Z"


@pytest.mark.parametrize(
    ("second", "microsecond", "expected"),
    [(0, 0, 60), (15, 0, 45), (15, 250_000, 45), (59, 0, 1), (59, 999_999, 1)],
)
def test_seconds_to_the_next_minute_round_up(second, microsecond, expected):
    moment = datetime(2026, 11, 26, 10, 0, second, microsecond, tzinfo=timezone.utc)
    assert seconds_to_next_minute(moment) == expected


def test_the_minute_of_a_moment_is_its_utc_minute():
    moment = datetime(2026, 11, 26, 12, 5, 59, tzinfo=timezone(timedelta(hours=2)))
    assert minute_of(moment) == "2026-11-26T10:05"
