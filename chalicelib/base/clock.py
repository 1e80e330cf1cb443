"""The current time, injectable: the monthly close and the daily salt are
tested by setting the clock, not by patching the standard library."""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Callable, Optional

Clock = Callable[[], datetime]


def _system_clock() -> datetime:
    return datetime.now(timezone.utc)


_clock: Clock = _system_clock


def now() -> datetime:
    return _clock()


def set_clock(clock: Optional[Clock]) -> None:
    """Use `clock` from now on; None goes back to the system clock."""
    global _clock
    _clock = clock or _system_clock
