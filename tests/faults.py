"""Faults injected through the storage seam (`chalicelib.storage.seam.replaced`): a store
that answers as the real one does, except one method, which fails."""
from __future__ import annotations

from typing import Any, Callable, Optional

from botocore.exceptions import ReadTimeoutError


def timeout() -> Exception:
    return ReadTimeoutError(endpoint_url="http://dynamodb")


class Faulty:
    """`store`, except that `method` fails `times` times: `before` the call reaches the store,
    or `after` it was applied (its answer lost on the way back, as a timeout does).
    `failures` counts the failures so far."""

    def __init__(self, store: Any, method: str, *, when: str = "before", times: int = 1,
                 error: Callable[[], Exception] = timeout, only_if: Optional[Callable[..., bool]] = None):
        assert when in ("before", "after")
        self._store, self._method, self._when, self._times, self._error = store, method, when, times, error
        self._only_if = only_if
        self.failures = 0

    def __getattr__(self, name: str) -> Any:
        real = getattr(self._store, name)
        if name != self._method:
            return real

        def call(*args: Any, **kwargs: Any) -> Any:
            failing = self.failures < self._times and (self._only_if is None or self._only_if(*args, **kwargs))
            if failing and self._when == "before":
                self.failures += 1
                raise self._error()
            result = real(*args, **kwargs)
            if failing:
                self.failures += 1
                raise self._error()
            return result

        return call
