"""Contract tests: each store's cases run twice, on its in-memory twin and on its DynamoDB
implementation against moto, so the twin the unit tests use keeps the real store's promises.

A test module asks for `implementation` ("memory" or "dynamodb") and builds its store:

    @pytest.fixture
    def store(implementation):
        return InMemoryMoneyStore() if implementation == "memory" else DynamoMoneyStore()
"""
from __future__ import annotations

import pytest


@pytest.fixture(params=["memory", "dynamodb"])
def implementation(request) -> str:
    if request.param == "dynamodb":
        request.getfixturevalue("aws")  # the worker's moto account, its tables created once
    return request.param
