"""Structured logs (JSON, with the request id) and CloudWatch metrics (EMF).

Never log a key, a secret, an Authorization header or a raw IP address.
The metrics namespace comes from `POWERTOOLS_METRICS_NAMESPACE` (settings),
read on first use, not at import.
"""
from __future__ import annotations

from functools import lru_cache

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit

from chalicelib.base.config import settings

SERVICE = "affilink"
logger = Logger(service=SERVICE)


@lru_cache(maxsize=1)
def _metrics() -> Metrics:
    return Metrics(namespace=settings().metrics_namespace, service=SERVICE)


def count(name: str, value: int = 1) -> None:
    _metrics().add_metric(name=name, unit=MetricUnit.Count, value=value)


def milliseconds(name: str, value: float) -> None:
    _metrics().add_metric(name=name, unit=MetricUnit.Milliseconds, value=value)


def count_money(name: str, amount: int, currency: str) -> None:
    """A money metric, one series per currency: amounts of different currencies never add up."""
    from aws_lambda_powertools.metrics import single_metric

    with single_metric(
        name=name, unit=MetricUnit.Count, value=amount, namespace=settings().metrics_namespace
    ) as metric:
        metric.add_dimension(name="service", value=SERVICE)
        metric.add_dimension(name="currency", value=currency)


def flush_metrics() -> None:
    metrics = _metrics()
    if metrics.metric_set:
        metrics.flush_metrics()

