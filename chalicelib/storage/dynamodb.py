"""What every table module shares: lazy table names and region, writes in one
transaction, "did it fail only on its condition", and get-or-None.

Table names and the region are resolved on first use from `base.config`,
never at import time (CDK synthesis imports `app.py` with placeholder values).
"""
from __future__ import annotations

from functools import lru_cache
from typing import Any, Optional, TypeVar

from pynamodb.connection import Connection
from pynamodb.constants import PAY_PER_REQUEST_BILLING_MODE
from pynamodb.exceptions import DoesNotExist
from pynamodb.indexes import AllProjection, Projection
from pynamodb.models import Model
from pynamodb.transactions import TransactWrite

from chalicelib.base.config import region, settings

M = TypeVar("M", bound=Model)


class _TableName:
    def __init__(self, concept: str):
        self.concept = concept

    def __get__(self, obj: object, owner: object = None) -> str:
        return settings().table_name(self.concept)


class _Region:
    # Not settings(): PynamoDB touches `region` when the model class is created,
    # and settings() must not be cached at import.
    def __get__(self, obj: object, owner: object = None) -> str:
        return region()


def table_meta(concept: str, stream_view_type: Optional[str] = None, holds_secrets: bool = False) -> Any:
    """A model's `Meta`: table `<prefix><concept>`, on-demand, a few retries, and a
    stream when a background entry point reads one (`chalicelib/background.py`).
    `holds_secrets`: items keep a secret recoverably (HMAC needs it), so the CDK stack
    encrypts the table with its customer-managed KMS key."""
    attrs: dict[str, Any] = {
        "concept": concept,
        "holds_secrets": holds_secrets,
        "table_name": _TableName(concept),
        "region": _Region(),
        "billing_mode": PAY_PER_REQUEST_BILLING_MODE,
        "max_retry_attempts": 3,
    }
    if stream_view_type:
        attrs["stream_view_type"] = stream_view_type
    return type("Meta", (), attrs)


def index_meta(name: str, projection: Optional[Projection] = None) -> Any:
    """An index's `Meta`; every attribute projected unless said otherwise."""
    return type(
        "Meta",
        (),
        {"index_name": name, "projection": projection or AllProjection(), "billing_mode": PAY_PER_REQUEST_BILLING_MODE},
    )


def get_or_none(
    model: type[M], hash_key: str, range_key: Optional[str] = None, *, consistent: bool = False
) -> Optional[M]:
    """The item with this key, or None."""
    try:
        return model.get(hash_key, range_key, consistent_read=consistent)
    except DoesNotExist:
        return None


def transaction() -> TransactWrite:
    """A PynamoDB write transaction on the configured region and endpoint."""
    return TransactWrite(connection=_transaction_connection(region()))


@lru_cache(maxsize=4)
def _transaction_connection(region: str) -> Connection:
    # One connection (one botocore client) per region for the life of the
    # process: building a client costs tens of milliseconds on every call.
    return Connection(region=region)


def transaction_connections_reset() -> None:
    """Forget the transactions' connections (the bench, between sections with another backend)."""
    _transaction_connection.cache_clear()


def write_conflict(error: Exception) -> bool:
    """True when a write lost a race with a transaction on the same item (DynamoDB
    cancels one of them; botocore does not retry it): trying again is right."""
    if getattr(error, "cause_response_code", None) == "TransactionConflictException":
        return True
    reasons = getattr(error, "cancellation_reasons", None) or []
    return any(reason is not None and reason.code == "TransactionConflict" for reason in reasons)


def condition_failed(error: Exception) -> bool:
    """True when a put, update or transaction failed only on its condition."""
    cause = getattr(error, "cause_response_code", None)
    if cause == "ConditionalCheckFailedException":
        return True
    reasons = getattr(error, "cancellation_reasons", None) or []
    return any(reason is not None and reason.code == "ConditionalCheckFailed" for reason in reasons)


def raise_refusal(error: Exception, *, create: bool = False) -> None:
    """Raise the store's refusal (`storage.errors`) for a failed write: `AlreadyExists` for a create
    that found its key taken, `ChangedMeanwhile` for another failed condition or a lost race. Returns
    when `error` is no refusal (a timeout, a throttle), for the caller to raise it as it is."""
    from chalicelib.storage.errors import AlreadyExists, ChangedMeanwhile  # the tap's path never refuses

    if condition_failed(error):
        raise (AlreadyExists if create else ChangedMeanwhile)(str(error)) from error
    if write_conflict(error):
        raise ChangedMeanwhile(str(error)) from error
