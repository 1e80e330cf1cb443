"""Structured logs (JSON, with the request id) and CloudWatch metrics (EMF).

Never log a key, a secret, an Authorization header or a raw IP address.
The metrics namespace comes from `POWERTOOLS_METRICS_NAMESPACE` (settings),
read on first use, not at import.

Powertools (its Logger and Metrics, ~20 ms to import) is loaded by the first line or metric
a process writes or the first request key it is given through Chalice, not at import: a tap
that redirects writes neither, so a cold tap does not pay for it (issue 13).
"""
from __future__ import annotations

import sys
import threading
from typing import IO, Any, Optional, cast

SERVICE = "affilink"


class _CurrentStdout:
    """Where log lines go: whatever `sys.stdout` is when a line is written (pytest swaps it),
    not the object it was when the logger was made."""

    def write(self, text: str) -> int:
        return sys.stdout.write(text)

    def flush(self) -> None:
        sys.stdout.flush()


class Log:
    """The service's logger: Powertools' `Logger`, made when first needed.

    `append_keys` / `remove_keys` hold keys for the process (a Lambda handles one request at a
    time; the tap's handlers use them) and are written with each line, without making the
    logger. `thread_safe_append_keys` / `thread_safe_clear_keys` (the API's requests, through
    Chalice, on the threaded local server too) are Powertools' own and make it: Chalice's own
    error lines, on the same logger name, then carry the request's keys as ours do."""

    def __init__(self) -> None:
        self._powertools: Any = None
        self._made = threading.Lock()
        self._keys: dict[str, Any] = {}

    def _logger(self) -> Any:
        if self._powertools is None:
            with self._made:
                if self._powertools is None:
                    from aws_lambda_powertools import Logger

                    self._powertools = Logger(service=SERVICE, stream=cast(IO[str], _CurrentStdout()))
        return self._powertools

    def append_keys(self, **keys: Any) -> None:
        self._keys.update(keys)

    def remove_keys(self, names: list[str]) -> None:
        for name in names:
            self._keys.pop(name, None)

    def thread_safe_append_keys(self, **keys: Any) -> None:
        self._logger().thread_safe_append_keys(**keys)

    def thread_safe_clear_keys(self) -> None:
        if self._powertools is not None:
            self._powertools.thread_safe_clear_keys()

    # stacklevel=3: the line's location is our caller's, not this class's.
    def debug(self, message: str, **keys: Any) -> None:
        self._logger().debug(message, stacklevel=3, **self._keys, **keys)

    def info(self, message: str, **keys: Any) -> None:
        self._logger().info(message, stacklevel=3, **self._keys, **keys)

    def warning(self, message: str, **keys: Any) -> None:
        self._logger().warning(message, stacklevel=3, **self._keys, **keys)

    def error(self, message: str, **keys: Any) -> None:
        self._logger().error(message, stacklevel=3, **self._keys, **keys)

    def exception(self, message: str, **keys: Any) -> None:
        self._logger().exception(message, stacklevel=3, **self._keys, **keys)


logger = Log()
_metrics: Optional[Any] = None
_metrics_made = threading.Lock()


def _metric_set() -> Any:
    global _metrics
    if _metrics is None:
        with _metrics_made:
            if _metrics is None:
                from aws_lambda_powertools import Metrics

                from chalicelib.base.config import settings

                _metrics = Metrics(namespace=settings().metrics_namespace, service=SERVICE)
    return _metrics


def count(name: str, value: int = 1) -> None:
    from aws_lambda_powertools.metrics import MetricUnit

    _metric_set().add_metric(name=name, unit=MetricUnit.Count, value=value)


def milliseconds(name: str, value: float) -> None:
    from aws_lambda_powertools.metrics import MetricUnit

    _metric_set().add_metric(name=name, unit=MetricUnit.Milliseconds, value=value)


def count_money(name: str, amount: int, currency: str) -> None:
    """A money metric, one series per currency: amounts of different currencies never add up."""
    from aws_lambda_powertools.metrics import MetricUnit, single_metric

    from chalicelib.base.config import settings

    with single_metric(
        name=name, unit=MetricUnit.Count, value=amount, namespace=settings().metrics_namespace
    ) as metric:
        metric.add_dimension(name="service", value=SERVICE)
        metric.add_dimension(name="currency", value=currency)


def flush_metrics() -> None:
    """Write the metrics counted since the last flush (none counted: nothing to do, nothing loaded)."""
    if _metrics is not None and _metrics.metric_set:
        _metrics.flush_metrics()
