"""Shared fixtures: each test worker gets one in-process moto account whose
tables are created once; tests keep apart by fresh ids (see tests/helpers.py).

Unit tests (tests/unit) call the domain modules directly; API tests
(tests/api) go through `chalice.test.Client`; end-to-end tests (tests/e2e)
start the local server the way `make run` does and talk HTTP to it.
"""
from __future__ import annotations

import os
import uuid

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


@pytest.fixture(scope="session")
def aws_account():
    """One moto account for this worker's whole session, with every Affilink table created once."""
    from moto import mock_aws

    from chalicelib.base import config
    from chalicelib.storage import schema
    from tests.helpers import share_botocore_data, watch_moto_writes

    watch_moto_writes()
    share_botocore_data()
    config.reset()
    with mock_aws():
        schema.create_tables()
        yield
    config.reset()


@pytest.fixture
def aws(aws_account):
    """The worker's moto account (shared tables: create what you need with fresh ids).
    Afterwards the settings, the clock and the redirect's link cache are as new."""
    from chalicelib.base import clock, config
    from chalicelib.tap import redirect
    from tests.helpers import forget_writes

    config.reset()
    config.settings()  # read now, from this environment (not from a request's, see `empty_tables`)
    forget_writes()
    yield
    redirect.link_cache.clear()
    clock.set_clock(None)
    config.reset()


@pytest.fixture
def empty_tables(aws):
    """Tables of this test's own, empty, in the same moto account, for a test that lists
    every brand or reads a whole table: `AFFILINK_TABLE_PREFIX` is set to a fresh prefix
    and the tables are created under it. Yields the prefix.

    `chalice.test.Client` applies `.chalice/config.json`'s environment variables to every
    request (the table prefix is no longer one of them, but a stage could set it), so the
    settings are read here, outside any request, and must not be reset during the test."""
    from chalicelib.base import config
    from chalicelib.storage import schema

    shared_connections = {model: model.__dict__.get("_connection") for model in schema.ALL_TABLES}
    prefix = f"t{uuid.uuid4().hex[:10]}-"
    previous = os.environ.get("AFFILINK_TABLE_PREFIX")
    os.environ["AFFILINK_TABLE_PREFIX"] = prefix
    config.reset()
    schema.create_tables()  # reads the settings, with the new prefix
    yield prefix
    assert config.settings().table_prefix == prefix, "the settings were reset during the test"
    for model in schema.ALL_TABLES:
        model.delete_table()
    if previous is None:
        del os.environ["AFFILINK_TABLE_PREFIX"]
    else:
        os.environ["AFFILINK_TABLE_PREFIX"] = previous
    config.reset()
    config.settings()
    for model, connection in shared_connections.items():
        # PynamoDB caches one connection per model class and builds a new one when the
        # table name changes: putting back the shared tables' saves a botocore client per table.
        # PynamoDB offers no public way to do it; without it (measured, issue 20) tests/unit and
        # tests/api took more than twice as long.
        model._connection = connection


@pytest.fixture
def client(aws):
    from chalice.test import Client

    from app import app

    with Client(app) as test_client:
        yield test_client
