"""Partial batch failures, one way for every batch Lambda hands us (SQS messages, DynamoDB
stream records): each record is read or handled through Powertools' `BatchProcessor`, one
that fails does not stop the others, and the answer names the failed ones
(`batchItemFailures`: a message id, or a stream record's sequence number) for Lambda to
deliver again. `background.process_batch` (queues) and the stats aggregator (streams, which
fold only what comes before a shard's first failure) both answer through here.

Powertools is imported on first use: the batch utility costs tens of milliseconds that no
HTTP cold start should pay.
"""
from __future__ import annotations

from typing import Any, Callable, Iterable


def handle_records(
    records: list[Any], handle: Callable[[Any], Any], event_type: str, context: Any = None
) -> tuple[list[Any], list[str]]:
    """Run `handle` on each record (Powertools' record object: `.body`, `.raw_event`...), in order.
    Returns what it answered for each record it handled, and the identifiers of those it raised on.

    `event_type` is Powertools' `EventType` name (`SQS`, `DynamoDBStreams`). A batch in which every
    record failed is answered like any other (each listed as failed) rather than raised: Lambda
    retries the same records."""
    from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType

    processor = BatchProcessor(event_type=EventType[event_type], raise_on_entire_batch_failure=False)
    with processor(records, handle, context):
        outcomes = processor.process()
    handled = [result for status, result, _record in outcomes if status == "success"]
    failed = [str(item["itemIdentifier"]) for item in processor.response()["batchItemFailures"]]
    return handled, failed


def failures_answer(failed: Iterable[str]) -> dict[str, Any]:
    """Lambda's answer to a batch: these records failed (none: all done)."""
    return {"batchItemFailures": [{"itemIdentifier": identifier} for identifier in failed]}
