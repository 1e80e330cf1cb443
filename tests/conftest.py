"""Shared fixtures: every test runs against a fresh in-process moto DynamoDB.

Unit tests (tests/unit) call the domain modules directly; API tests
(tests/api) go through `chalice.test.Client`; end-to-end tests (tests/e2e)
start the local server the way `make run` does and talk HTTP to it.
"""
from __future__ import annotations

import os

import pytest

TEST_ADMIN_KEY = "test-admin-key-0123456789"

# Set before any client exists; never point tests at a real account.
os.environ.update(
    {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SECURITY_TOKEN": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_REGION": "us-east-1",
        "AFFILINK_ADMIN_KEY": TEST_ADMIN_KEY,
        "AFFILINK_SECRET": "test-secret-for-cursors-and-salts",
        "PUBLIC_BASE_URL": "https://afl.test",
        "POWERTOOLS_METRICS_NAMESPACE": "AffilinkTest",
        "POWERTOOLS_DEV": "false",
    }
)
for variable in ("AWS_ENDPOINT_URL_DYNAMODB", "AWS_ENDPOINT_URL", "AWS_PROFILE"):
    os.environ.pop(variable, None)


def _serialize_moto_writes() -> None:
    """DynamoDB checks a write's condition and applies it as one step; moto's
    in-process backend does not lock, so two threads can both pass a check.
    Serialising moto's write methods gives tests DynamoDB's guarantee, so the
    concurrency tests exercise our conditional writes, not the emulator's race."""
    import functools
    import threading

    from moto.dynamodb.models import DynamoDBBackend

    if getattr(DynamoDBBackend, "_affilink_serialized", False):
        return
    lock = threading.RLock()
    for name in ("put_item", "update_item", "delete_item", "transact_write_items"):
        original = getattr(DynamoDBBackend, name)

        def serialized(self, *args, __original=original, **kwargs):
            with lock:
                return __original(self, *args, **kwargs)

        setattr(DynamoDBBackend, name, functools.wraps(original)(serialized))
    DynamoDBBackend._affilink_serialized = True


@pytest.fixture
def aws():
    """A fresh, empty moto account with every Affilink table created."""
    from moto import mock_aws

    from chalicelib.base import clock, config
    from chalicelib.storage import schema

    _serialize_moto_writes()
    config.reset()
    with mock_aws():
        schema.create_tables()
        yield
    clock.set_clock(None)
    config.reset()


@pytest.fixture
def client(aws):
    from chalice.test import Client

    from app import app

    with Client(app) as test_client:
        yield test_client
