"""Background workers that stand in for what AWS runs behind the API: the
SQS -> Lambda trigger of a queue (the click spool), the DynamoDB Streams ->
Lambda event source mappings and EventBridge schedules (`local/schedule.py`).
moto never invokes Lambda itself.

Each worker is a thread that polls and hands the same event shape Lambda would
to the same handler function the Lambda runs, so the local run exercises the
real code paths. `worker_for` builds the worker of one entry point of the
app's registry (`chalicelib/background.py`), with the batch settings declared there.
"""
from __future__ import annotations

import threading
from typing import Callable, Optional

from botocore.config import Config

from chalicelib.background import EntryPoint, QueueSource, ScheduleSource, StreamSource
from chalicelib.base.observability import logger

Handler = Callable[[dict, object], object]


class Worker(threading.Thread):
    """Calls `step()` every `interval` seconds until stopped."""

    def __init__(self, name: str, step: Callable[[], None], interval: float = 0.5):
        super().__init__(name=name, daemon=True)
        self._step = step
        self._interval = interval
        self._stopped = threading.Event()

    def run(self) -> None:
        while not self._stopped.is_set():
            try:
                self._step()
            except Exception:  # a worker keeps going, as Lambda would retry
                logger.exception("local worker step failed", worker=self.name)
            self._stopped.wait(self._interval)

    def stop(self) -> None:
        self._stopped.set()


class StreamPump:
    """Reads every shard of one table's stream and feeds records in batches to
    `handler(event, context)`, like a Lambda event source mapping (from
    TRIM_HORIZON of a new shard, resuming after the last delivered record).
    A batch whose handler reports `batchItemFailures` is retried from the
    first failed record, as Lambda does."""

    def __init__(self, table_name: str, handler: Handler, endpoint_url: str, region: str, batch_size: int = 100):
        import boto3

        self.table_name = table_name
        self.handler = handler
        self.batch_size = batch_size
        self._dynamodb = boto3.client("dynamodb", endpoint_url=endpoint_url, region_name=region)
        self._streams = boto3.client(
            "dynamodbstreams",
            endpoint_url=endpoint_url,
            region_name=region,
            config=Config(account_id_endpoint_mode="disabled"),
        )
        self._iterators: dict[str, Optional[str]] = {}

    def step(self) -> None:
        stream_arn = self._dynamodb.describe_table(TableName=self.table_name)["Table"].get("LatestStreamArn")
        if not stream_arn:
            return
        shards = self._streams.describe_stream(StreamArn=stream_arn)["StreamDescription"]["Shards"]
        for shard in shards:
            shard_id = shard["ShardId"]
            if shard_id not in self._iterators:
                self._iterators[shard_id] = self._streams.get_shard_iterator(
                    StreamArn=stream_arn, ShardId=shard_id, ShardIteratorType="TRIM_HORIZON"
                )["ShardIterator"]
            self._drain_shard(stream_arn, shard_id)

    def _drain_shard(self, stream_arn: str, shard_id: str) -> None:
        iterator = self._iterators.get(shard_id)
        while iterator:
            response = self._streams.get_records(ShardIterator=iterator, Limit=self.batch_size)
            records = response.get("Records", [])
            if not records:
                self._iterators[shard_id] = response.get("NextShardIterator") or iterator
                return
            failed_from = self._deliver(stream_arn, shard_id, records)
            if failed_from is not None:
                # Resume at the first failed record next time, as Lambda would.
                self._iterators[shard_id] = self._streams.get_shard_iterator(
                    StreamArn=stream_arn,
                    ShardId=shard_id,
                    ShardIteratorType="AT_SEQUENCE_NUMBER",
                    SequenceNumber=failed_from,
                )["ShardIterator"]
                return
            iterator = response.get("NextShardIterator")
            self._iterators[shard_id] = iterator

    def _deliver(self, stream_arn: str, shard_id: str, records: list) -> Optional[str]:
        for record in records:
            record["eventSourceARN"] = stream_arn
            change = record.get("dynamodb", {})
            created = change.get("ApproximateCreationDateTime")
            if hasattr(created, "timestamp"):  # boto3 parses it; Lambda sends epoch seconds
                change["ApproximateCreationDateTime"] = int(created.timestamp())
        # As Lambda does when the mapping has a tumbling window: the shard is named.
        result = self.handler({"Records": records, "shardId": shard_id, "eventSourceARN": stream_arn}, None) or {}
        failures = result.get("batchItemFailures") if isinstance(result, dict) else None
        if failures:
            return min((f["itemIdentifier"] for f in failures), key=int)
        return None


class QueueDrain:
    """Receives messages from an SQS queue and feeds them to `handler(event,
    context)` in Lambda's SQS event shape; deletes what the handler accepted."""

    def __init__(self, queue_url: str, handler: Handler, endpoint_url: str, region: str, batch_size: int = 10):
        import boto3

        self.queue_url = queue_url
        self.handler = handler
        self.batch_size = min(batch_size, 10)  # SQS hands out at most 10 messages a call
        self._sqs = boto3.client("sqs", endpoint_url=endpoint_url, region_name=region)

    def step(self) -> None:
        messages = self._sqs.receive_message(
            QueueUrl=self.queue_url, MaxNumberOfMessages=self.batch_size, WaitTimeSeconds=0
        ).get("Messages", [])
        if not messages:
            return
        records = [
            {"messageId": m["MessageId"], "receiptHandle": m["ReceiptHandle"], "body": m["Body"],
             "eventSource": "aws:sqs"}
            for m in messages
        ]
        result = self.handler({"Records": records}, None) or {}
        failures = result.get("batchItemFailures") if isinstance(result, dict) else None
        failed = {f["itemIdentifier"] for f in failures or []}
        for record in records:
            if record["messageId"] not in failed:
                self._sqs.delete_message(QueueUrl=self.queue_url, ReceiptHandle=record["receiptHandle"])


def worker_for(entry: EntryPoint, *, dynamodb_endpoint: str, sqs_endpoint: str, region: str) -> Worker:
    """The worker that feeds `entry.handler` from its declared source."""
    import os

    source = entry.source
    if isinstance(source, QueueSource):
        queue_url = os.environ[source.queue.url_variable]
        drain = QueueDrain(queue_url, entry.handler, sqs_endpoint, region, batch_size=source.batch_size)
        return Worker(entry.name, drain.step)
    if isinstance(source, StreamSource):
        pump = StreamPump(
            source.table.Meta.table_name, entry.handler, dynamodb_endpoint, region, batch_size=source.batch_size
        )
        return Worker(entry.name, pump.step)
    if isinstance(source, ScheduleSource):
        from local.schedule import ScheduleTimer

        # One timer per rule, as EventBridge has (the close and its catch-up hours).
        timers = [
            ScheduleTimer(expression, entry.handler, rule_name=entry.name if index == 0 else f"{entry.name}-catch-up",
                          region=region)
            for index, expression in enumerate(source.expressions)
        ]

        def step() -> None:
            for timer in timers:
                timer.step()

        return Worker(entry.name, step, interval=5.0)
    raise ValueError(f"the local run has no worker for {type(source).__name__} (entry point {entry.name})")
