"""The local run's schedules: EventBridge expressions fire in the minutes AWS would fire them."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from local.schedule import Schedule, ScheduleTimer

MONTHLY_CLOSE = "cron(0 2 1 * ? *)"


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=timezone.utc)


@pytest.mark.parametrize(
    "moment, fires",
    [
        (utc(2026, 12, 1, 2, 0), True),
        (utc(2027, 1, 1, 2, 0), True),
        (utc(2026, 12, 1, 2, 1), False),
        (utc(2026, 12, 1, 3, 0), False),
        (utc(2026, 12, 2, 2, 0), False),
    ],
)
def test_the_monthly_close_fires_at_two_on_the_first(moment, fires):
    assert Schedule.parse(MONTHLY_CLOSE).fires_at(moment) is fires


def test_lists_ranges_steps_and_names():
    schedule = Schedule.parse("cron(0/15 9-17 ? JAN,JUL MON-FRI *)")
    assert schedule.fires_at(utc(2027, 1, 4, 9, 45))  # a Monday in January
    assert not schedule.fires_at(utc(2027, 1, 3, 9, 45))  # a Sunday
    assert not schedule.fires_at(utc(2027, 1, 4, 9, 50))
    assert not schedule.fires_at(utc(2027, 2, 1, 9, 45))


def test_rates_fire_every_n_minutes():
    schedule = Schedule.parse("rate(5 minutes)")
    assert schedule.fires_at(utc(2026, 12, 1, 10, 35))
    assert not schedule.fires_at(utc(2026, 12, 1, 10, 36))


@pytest.mark.parametrize(
    "expression",
    ["cron(0 2 L * ? *)", "cron(0 2 1 * ?)", "cron(61 2 1 * ? *)", "at(2026-12-01T02:00:00)", "rate(0 minutes)",
     "cron(0 2 1 * 2#1 *)", "cron(*/0 * * * ? *)"],
)
def test_what_the_local_run_cannot_fire_is_refused_with_a_message(expression):
    with pytest.raises(ValueError):
        Schedule.parse(expression)


def test_the_timer_fires_each_matching_minute_once_even_when_it_runs_late():
    # Given a timer started at 01:58 on the last day of November
    moment = [utc(2026, 11, 30, 23, 58, 30)]
    fired: list[dict] = []
    timer = ScheduleTimer("cron(0 0 1 * ? *)", lambda event, context: fired.append(event), "close", "us-east-1",
                          clock=lambda: moment[0])
    timer.step()
    assert fired == []
    # When the process wakes up only at 00:03 on the first, and again within that minute
    moment[0] = utc(2026, 12, 1, 0, 3, 10)
    timer.step()
    moment[0] += timedelta(seconds=20)
    timer.step()
    # Then the missed 00:00 fired once, with EventBridge's event shape
    assert [event["time"] for event in fired] == ["2026-12-01T00:00:00Z"]
    assert fired[0]["detail-type"] == "Scheduled Event"
    assert fired[0]["resources"] == ["arn:aws:events:us-east-1:000000000000:rule/close"]


def test_the_registry_s_monthly_close_fires_at_two_on_the_first_then_hourly_that_day():
    from chalicelib.background import MONTHLY

    assert MONTHLY.expression == MONTHLY_CLOSE
    schedules = [Schedule.parse(expression) for expression in MONTHLY.expressions]

    def fires(moment):
        return [schedule.fires_at(moment) for schedule in schedules]

    day_one = [hour for hour in range(24) if any(fires(utc(2026, 12, 1, hour, 0)))]
    assert day_one == list(range(2, 24))
    # Never both rules in the same hour: the close is not started twice at once by the schedule
    assert all(sum(fires(utc(2026, 12, 1, hour, 0))) <= 1 for hour in range(24))
    assert not any(fires(utc(2026, 12, 2, 2, 0)))
    assert not any(fires(utc(2026, 12, 1, 2, 30)))
