"""Counting what the code asks of DynamoDB: calls per operation and items read.

Hooks botocore's `after-call` event on every client the app uses (one per
PynamoDB model, the transaction connection, the redirect's fast client). Used by
`make bench` and by tests that bound an operation's reads.
"""
from __future__ import annotations

from collections import Counter
from contextlib import contextmanager
from typing import Any, Iterator

READS = ("GetItem", "BatchGetItem", "Query", "Scan")


class DynamoDBCalls:
    def __init__(self) -> None:
        self.calls: Counter[str] = Counter()
        self.items_read = 0

    def after_call(self, parsed: dict, model: Any, **_: Any) -> None:
        self.calls[model.name] += 1
        if model.name in ("Query", "Scan"):
            self.items_read += int(parsed.get("Count", 0))
        elif model.name == "GetItem":
            self.items_read += 1 if parsed.get("Item") else 0
        elif model.name == "BatchGetItem":
            self.items_read += sum(len(items) for items in parsed.get("Responses", {}).values())


def app_clients() -> list[Any]:
    """Every DynamoDB client the app uses."""
    from chalicelib.storage import dynamodb, schema, tap

    clients = {id(c): c for c in (model._get_connection().connection.client for model in schema.ALL_TABLES)}
    transactions = dynamodb.transaction()._connection.client
    for client in (transactions, tap.fast_dynamodb_client()):
        clients[id(client)] = client
    return list(clients.values())


@contextmanager
def counting_dynamodb_calls() -> Iterator[DynamoDBCalls]:
    """Count every DynamoDB call made inside the block."""
    calls = DynamoDBCalls()
    clients = app_clients()
    for client in clients:
        client.meta.events.register("after-call.dynamodb", calls.after_call)
    try:
        yield calls
    finally:
        for client in clients:
            client.meta.events.unregister("after-call.dynamodb", calls.after_call)
