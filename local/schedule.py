"""Schedules as EventBridge writes them, fired locally: what stands in for an
EventBridge rule in `make run` (moto never invokes Lambda itself).

`cron(minutes hours day-of-month month day-of-week year)` with `*`, `?`, lists,
ranges and steps (`0 2 1 * ? *` is 02:00 UTC on the first of every month), and
`rate(N minutes|hours|days)`. EventBridge's `L`, `W` and `#` are refused with a
message, not silently ignored: the local run must say what it cannot run.
"""
from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any, Callable, Optional

from chalicelib.base.clock import now

_MONTHS = {name: number for number, name in enumerate(
    ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"), start=1)}
_WEEKDAYS = {name: number for number, name in enumerate(("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"), start=1)}
# (name, lowest, highest, names) of the six cron fields, in order.
_FIELDS: tuple[tuple[str, int, int, dict[str, int]], ...] = (
    ("minutes", 0, 59, {}),
    ("hours", 0, 23, {}),
    ("day-of-month", 1, 31, {}),
    ("month", 1, 12, _MONTHS),
    ("day-of-week", 1, 7, _WEEKDAYS),
    ("year", 1970, 2199, {}),
)
_RATE = re.compile(r"rate\((\d+) (minute|minutes|hour|hours|day|days)\)")
_RATE_MINUTES = {"minute": 1, "minutes": 1, "hour": 60, "hours": 60, "day": 1440, "days": 1440}


def _values(text: str, lowest: int, highest: int, names: dict[str, int], field: str) -> Optional[frozenset[int]]:
    """The values a field allows; None for any (`*`, `?`)."""
    if text in ("*", "?"):
        return None
    allowed: set[int] = set()
    for part in text.split(","):
        base, _, step_text = part.partition("/")
        step = int(step_text) if step_text.isdigit() and int(step_text) > 0 else None
        if step_text and step is None:
            raise ValueError(f"{field}: {part!r} has a step that is not a positive number")
        if base == "*":
            start, end = lowest, highest
        else:
            first, _, last = base.partition("-")
            start = _number(first, names, field)
            end = _number(last, names, field) if last else (highest if step else start)
        if not lowest <= start <= end <= highest:
            raise ValueError(f"{field}: {part!r} is outside {lowest}-{highest}")
        allowed.update(range(start, end + 1, step or 1))
    return frozenset(allowed)


def _number(text: str, names: dict[str, int], field: str) -> int:
    if text.upper() in names:
        return names[text.upper()]
    if not text.isdigit():
        raise ValueError(f"{field}: {text!r} is not supported by the local run (only numbers, names, * ? , - /)")
    return int(text)


@dataclass(frozen=True)
class Schedule:
    """When an EventBridge schedule expression fires, to the minute (UTC)."""

    expression: str
    fields: tuple[Optional[frozenset[int]], ...] = ()
    every_minutes: int = 0

    @classmethod
    def parse(cls, expression: str) -> Schedule:
        rate = _RATE.fullmatch(expression.strip())
        if rate:
            every = int(rate.group(1)) * _RATE_MINUTES[rate.group(2)]
            if every <= 0:
                raise ValueError(f"{expression}: a rate must be positive")
            return cls(expression, every_minutes=every)
        match = re.fullmatch(r"cron\((.*)\)", expression.strip())
        parts = match.group(1).split() if match else []
        if len(parts) != len(_FIELDS):
            raise ValueError(
                f"{expression!r} is not cron(minutes hours day-of-month month day-of-week year) or rate(...)"
            )
        return cls(
            expression,
            fields=tuple(
                _values(text, lowest, highest, names, name)
                for text, (name, lowest, highest, names) in zip(parts, _FIELDS, strict=True)
            ),
        )

    def fires_at(self, moment: datetime) -> bool:
        moment = moment.astimezone(timezone.utc)
        if self.every_minutes:
            return int(moment.timestamp() // 60) % self.every_minutes == 0
        weekday = moment.isoweekday() % 7 + 1  # EventBridge: SUN is 1
        actual = (moment.minute, moment.hour, moment.day, moment.month, weekday, moment.year)
        return all(allowed is None or value in allowed for value, allowed in zip(actual, self.fields, strict=True))


class ScheduleTimer:
    """Calls `handler(event, context)` once in every minute the schedule fires,
    with the event EventBridge sends (`detail-type: Scheduled Event`).

    A minute is never fired twice, and a minute missed (the process was busy or
    asleep) is fired late rather than lost, as long as the timer ran before it."""

    def __init__(
        self,
        expression: str,
        handler: Callable[[dict, Any], Any],
        rule_name: str,
        region: str,
        clock: Callable[[], datetime] = now,
    ):
        self.schedule = Schedule.parse(expression)
        self.handler = handler
        self.rule_name = rule_name
        self.region = region
        self._clock = clock
        self._next = self._minute(clock())

    @staticmethod
    def _minute(moment: datetime) -> datetime:
        return moment.astimezone(timezone.utc).replace(second=0, microsecond=0)

    def step(self) -> None:
        current = self._minute(self._clock())
        while self._next <= current:
            minute, self._next = self._next, self._next + timedelta(minutes=1)
            if self.schedule.fires_at(minute):
                self.handler(self._event(minute), None)

    def _event(self, minute: datetime) -> dict:
        return {
            "version": "0",
            "id": str(uuid.uuid4()),
            "detail-type": "Scheduled Event",
            "source": "aws.events",
            "account": "000000000000",
            "time": minute.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "region": self.region,
            "resources": [f"arn:aws:events:{self.region}:000000000000:rule/{self.rule_name}"],
            "detail": {},
        }
