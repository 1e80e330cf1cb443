"""Every background entry point of Affilink, declared once: which handler runs,
fed by which source (an SQS queue, a table's stream, a schedule), with which
batch settings.

`app.py` declares each handler with `Background.entry_point`, which also makes
it a Chalice Lambda function (`@app.lambda_function`). The local run starts one
worker per entry point from `Background.entry_points` (`local/run.py`), and the
CDK stack wires the same list to event source mappings and schedules, so the
two can never disagree. Queue handlers go through `process_batch`
(`base.batches`, Powertools' `BatchProcessor`): one bad record is reported as a
partial batch failure and does not block the others; the stats aggregator's
streams report theirs the same way.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, Optional, Union

from chalice import Chalice

from chalicelib.base import batches
from chalicelib.base.config import CLICK_SPOOL_URL_VARIABLE
from chalicelib.base.observability import flush_metrics

Handler = Callable[[dict, Any], Any]


@dataclass(frozen=True)
class Queue:
    """An SQS queue: `<table prefix><name>`, its URL given to Lambda in `url_variable`."""

    name: str
    url_variable: str


@dataclass(frozen=True)
class QueueSource:
    queue: Queue
    batch_size: int = 10
    max_batching_window_seconds: int = 0
    max_receive_count: int = 5  # deliveries before a message moves to the dead-letter queue


@dataclass(frozen=True)
class StreamSource:
    """A table's DynamoDB stream; the table's model declares its `stream_view_type`."""

    table: Any  # a model of `chalicelib/storage/` (its `Meta` names the table and the stream)
    batch_size: int = 100
    # A tumbling window makes Lambda name the shard in each event (`shardId`), which the
    # aggregator's exactly-once marks need; its answer then carries a (empty) state.
    tumbling_window_seconds: int = 1
    starting_position: str = "TRIM_HORIZON"
    bisect_batch_on_error: bool = True
    maximum_retry_attempts: int = 10
    parallelization_factor: int = 1


@dataclass(frozen=True)
class ScheduleSource:
    """An EventBridge schedule expression, e.g. `cron(0 2 1 * ? *)`, and optionally a second
    one (`catch_up`) that fires the same handler again to finish what the first left."""

    expression: str
    catch_up: Optional[str] = None

    @property
    def expressions(self) -> tuple[str, ...]:
        return (self.expression,) if self.catch_up is None else (self.expression, self.catch_up)


Source = Union[QueueSource, StreamSource, ScheduleSource]

CLICK_SPOOL = Queue(name="click-spool", url_variable=CLICK_SPOOL_URL_VARIABLE)
"""Clicks whose first write failed (`tap/spool.py`)."""

MONTHLY = ScheduleSource("cron(0 2 1 * ? *)", catch_up="cron(0 3-23 1 * ? *)")
"""02:00 UTC on the first of every month, the monthly close (`money/close.py`) of the month
that just ended; then every hour of that day (the catch-up rule), which finishes a close
that died (its lease passed) and costs a read for one already closed."""


@dataclass(frozen=True)
class EntryPoint:
    name: str  # the Lambda function's name
    source: Source
    handler: Handler = field(compare=False)  # as Lambda calls it: handler(event, context)


class Background:
    """The registry of one Chalice app's background entry points."""

    def __init__(self, app: Chalice):
        self.app = app
        self.entry_points: list[EntryPoint] = []

    def entry_point(self, name: str, source: Source) -> Callable[[Callable[..., Any]], Any]:
        """Declare the decorated function as the Lambda function `name`, fed by `source`.

        A schedule is declared to Chalice with `@app.schedule` (its handler gets a
        `CloudWatchEvent`, and `chalice package` creates the rule; the CDK stack adds the
        catch-up rule, whose events have the same shape); queues and streams
        with `@app.lambda_function` (handler(event, context)), because Chalice's own
        decorators for them cannot report partial batch failures or set retries."""

        def register(function: Callable[..., Any]) -> Any:
            if any(entry.name == name for entry in self.entry_points):
                raise ValueError(f"background entry point {name!r} is declared twice")

            @functools.wraps(function)
            def flushed(*args: Any) -> Any:
                # Metrics are written (as EMF log lines) when flushed: at the end of every
                # invocation, or a recycled Lambda instance would take them with it.
                try:
                    return function(*args)
                finally:
                    flush_metrics()

            if isinstance(source, ScheduleSource):
                declared = self.app.schedule(source.expression, name=name)(flushed)
            else:
                declared = self.app.lambda_function(name=name)(flushed)
            # What Chalice returns is callable as Lambda calls it: the local run uses that.
            self.entry_points.append(EntryPoint(name=name, source=source, handler=declared))
            return declared

        return register

    def queues(self) -> list[Queue]:
        return [entry.source.queue for entry in self.entry_points if isinstance(entry.source, QueueSource)]


def process_batch(
    event: dict, context: Any, handle_record: Callable[[Any], None], event_type: str
) -> Mapping[str, object]:
    """Run `handle_record` on each record of an SQS batch (or any batch whose records are
    handled alone); the answer lists the failed ones (`batchItemFailures`) for Lambda to retry.
    The same reporting as the stats aggregator's streams (`base.batches`)."""
    try:
        records = event["Records"]
    except (KeyError, TypeError, AttributeError):
        raise ValueError(f"Invalid event format. Please ensure batch event is a valid {event_type} event.") from None
    _handled, failed = batches.handle_records(records, handle_record, event_type, context)
    return batches.failures_answer(failed)
