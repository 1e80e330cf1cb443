"""Structured logs (JSON, with the request id) and CloudWatch metrics (EMF).

Never log a key, a secret, an Authorization header or a raw IP address.
"""
from __future__ import annotations

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit

logger = Logger(service="affilink")
metrics = Metrics(namespace="Affilink", service="affilink")


def count(name: str, value: int = 1) -> None:
    metrics.add_metric(name=name, unit=MetricUnit.Count, value=value)


def count_money(name: str, amount: int, currency: str) -> None:
    """A money metric, one series per currency: amounts of different currencies never add up."""
    from aws_lambda_powertools.metrics import single_metric

    with single_metric(
        name=name, unit=MetricUnit.Count, value=amount, namespace=metrics.namespace
    ) as metric:
        metric.add_dimension(name="service", value="affilink")
        metric.add_dimension(name="currency", value=currency)


def flush_metrics() -> None:
    if metrics.metric_set:
        metrics.flush_metrics()
