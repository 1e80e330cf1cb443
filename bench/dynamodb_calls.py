"""Counting what the code asks of DynamoDB: calls per operation and items read.

Every DynamoDB client the app calls through is seen, without reaching into PynamoDB:
- PynamoDB's (a model's, the transactions'): PynamoDB's public signal `pre_dynamodb_send` names
  the connection about to send, and so its botocore client, before its first call of the block;
- our own, built by `chalicelib.base.aws.client` (lazily, cached): each DynamoDB kind the app uses
  is asked for at the start of the block, so it is built now if it was not, and is the very client
  the app then gets.
botocore's `after-call` event on each of them counts the call and the items it read (one count
per call, whichever way the client was found). Used by `make bench` and by tests that bound an
operation's reads.
"""
from __future__ import annotations

import threading
from collections import Counter
from contextlib import contextmanager
from typing import Any, Callable, Iterator

READS = ("GetItem", "BatchGetItem", "Query", "Scan")
# The kinds of `aws.client("dynamodb", kind)` the app uses: the stats writer's and every other
# store's (the default), the tap's one short attempt.
OUR_DYNAMODB_KINDS = ("default", "tap")


class DynamoDBCalls:
    def __init__(self) -> None:
        self.calls: Counter[str] = Counter()
        self.items_read = 0
        self._lock = threading.Lock()

    def after_call(self, parsed: dict, model: Any, **_: Any) -> None:
        with self._lock:
            self.calls[model.name] += 1
            if model.name in ("Query", "Scan"):
                self.items_read += int(parsed.get("Count", 0))
            elif model.name == "GetItem":
                self.items_read += 1 if parsed.get("Item") else 0
            elif model.name == "BatchGetItem":
                self.items_read += sum(len(items) for items in parsed.get("Responses", {}).values())


def our_clients() -> list[Any]:
    """Our own botocore DynamoDB clients, built now if the app has not built them yet."""
    from chalicelib.base import aws

    clients = {}
    for kind in OUR_DYNAMODB_KINDS:
        client = aws.client("dynamodb", kind)
        clients[id(client)] = client
    return list(clients.values())


class _EveryClient:
    """botocore event handlers on every DynamoDB client the app calls through: ours at once,
    PynamoDB's as each of its connections is about to send for the first time."""

    def __init__(self, handlers: tuple[tuple[str, Callable[..., Any]], ...]) -> None:
        self.handlers = handlers
        self.hooked: dict[int, Any] = {}
        self.lock = threading.Lock()

    def hook(self, client: Any) -> None:
        with self.lock:
            if id(client) in self.hooked:
                return
            self.hooked[id(client)] = client
            for event, handler in self.handlers:
                client.meta.events.register(event, handler)

    def pynamodb_sends(self, connection: Any, **_: Any) -> None:
        self.hook(connection.client)

    def unhook_all(self) -> None:
        with self.lock:
            for client in self.hooked.values():
                for event, handler in self.handlers:
                    client.meta.events.unregister(event, handler)
            self.hooked.clear()


@contextmanager
def on_every_dynamodb_client(*handlers: tuple[str, Callable[..., Any]]) -> Iterator[None]:
    """Inside the block, each `(botocore event, handler)` is registered on every DynamoDB client the
    app calls through (e.g. `("provide-client-params.dynamodb.PutItem", count)`)."""
    from pynamodb.signals import pre_dynamodb_send

    every = _EveryClient(handlers)
    for client in our_clients():
        every.hook(client)
    pre_dynamodb_send.connect(every.pynamodb_sends, weak=False)
    try:
        yield
    finally:
        pre_dynamodb_send.disconnect(every.pynamodb_sends)
        every.unhook_all()


@contextmanager
def counting_dynamodb_calls() -> Iterator[DynamoDBCalls]:
    """Count every DynamoDB call made inside the block."""
    calls = DynamoDBCalls()
    with on_every_dynamodb_client(("after-call.dynamodb", calls.after_call)):
        yield calls


def app_clients() -> list[Any]:
    """Our DynamoDB clients and each model's, for a test that registers a botocore event on all of
    them itself. A model's client is the one PynamoDB names (`pre_dynamodb_send`) when the model
    describes its table (one DescribeTable per model)."""
    from pynamodb.signals import pre_dynamodb_send

    from chalicelib.storage import schema

    found = {id(client): client for client in our_clients()}

    def note(connection: Any, **_: Any) -> None:
        found.setdefault(id(connection.client), connection.client)

    pre_dynamodb_send.connect(note, weak=False)
    try:
        for model in schema.ALL_TABLES:
            model.describe_table()
    finally:
        pre_dynamodb_send.disconnect(note)
    return list(found.values())
