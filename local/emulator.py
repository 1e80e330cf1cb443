"""What the embedded DynamoDB emulator needs to keep DynamoDB's promises.

DynamoDB checks a write's condition and applies the write as one step. moto's
backend takes no lock: two threads can both pass one condition, and a
`TransactWriteItems` that fails its condition restores a copy of every table it
touched, erasing what other threads wrote meanwhile (sales answered 201 and
refunds answered 200 vanished under a dozen concurrent clients). Serialising
moto's write methods in this process gives the local run DynamoDB's guarantee.
An external moto server (`AWS_ENDPOINT_URL_DYNAMODB`) is another process: this
cannot reach it (README).
"""
from __future__ import annotations

import functools
import threading
from typing import Any, Callable

WRITES = ("put_item", "update_item", "delete_item", "transact_write_items", "batch_write_item")
_lock = threading.RLock()


def serialise_dynamodb_writes() -> None:
    """Patch moto's DynamoDB backend, once per process, so its writes run one at a time."""
    from moto.dynamodb.models import DynamoDBBackend

    if getattr(DynamoDBBackend, "_affilink_serialised", False):
        return
    for name in WRITES:
        setattr(DynamoDBBackend, name, _serialised(getattr(DynamoDBBackend, name)))
    DynamoDBBackend._affilink_serialised = True  # type: ignore[attr-defined]


def _serialised(write: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(write)
    def one_at_a_time(*args: Any, **kwargs: Any) -> Any:
        with _lock:
            return write(*args, **kwargs)

    return one_at_a_time
