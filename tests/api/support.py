"""Helpers for the API tests: a controllable clock and a look at what is stored,
so a test can say "nothing was written" or "this secret is not kept"."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

SECRET_FIELDS = ("api_key", "webhook_secret", "api_key_hash", "previous_webhook_secret")


class FrozenClock:
    """The app's clock (`chalicelib.base.config.set_clock`), stopped at a moment the test picks."""

    def __init__(self, moment: datetime):
        from chalicelib.base import clock

        self.moment = moment
        clock.set_clock(lambda: self.moment)

    def set(self, moment: datetime) -> None:
        self.moment = moment

    def move(self, delta: timedelta) -> None:
        self.moment += delta


def stored_count(model) -> int:
    """How many items a table holds (a scan: fine for the few items of a test)."""
    return sum(1 for _ in model.scan())


def stored_text(*models) -> str:
    """Every stored item of these tables, as one string to search."""
    return repr([item.serialize() for model in models for item in model.scan()])


def assert_no_secrets(body, *secret_values: str) -> None:
    """No secret field anywhere in `body`, and none of the given secret values either."""

    def walk(value):
        if isinstance(value, dict):
            for key, inner in value.items():
                assert key not in SECRET_FIELDS, f"{key} must not be returned here"
                walk(inner)
        elif isinstance(value, list):
            for inner in value:
                walk(inner)

    walk(body)
    text = repr(body)
    for secret in secret_values:
        assert secret not in text, "a secret value was returned"


def emitted_metrics(output: str) -> dict[str, float]:
    """Totals per metric name of the CloudWatch EMF lines in captured stdout."""
    totals: dict[str, float] = {}
    for line in output.splitlines():
        if not line.startswith('{"_aws"'):
            continue
        document = json.loads(line)
        for directive in document["_aws"]["CloudWatchMetrics"]:
            for metric in directive["Metrics"]:
                values = document[metric["Name"]]
                totals[metric["Name"]] = totals.get(metric["Name"], 0) + sum(
                    values if isinstance(values, list) else [values]
                )
    return totals
