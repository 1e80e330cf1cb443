"""The one place that builds AWS clients (lazily, once per process and kind) and reads
the region they talk to.

botocore alone, not the full AWS SDK for Python on top of it: that adds ~20 ms to the import
and nothing the service needs.
Kinds differ only in patience: the tap's DynamoDB calls get one short attempt (the
visitor is redirected whatever happens), the click spool two, everything else
botocore's defaults. PynamoDB builds the clients of its models itself.
"""
from __future__ import annotations

import os
import threading
from typing import Any, Optional

_PATIENCE: dict[str, dict[str, Any]] = {
    "tap": {"connect_timeout": 0.3, "read_timeout": 0.5, "retries": {"total_max_attempts": 1, "mode": "standard"}},
    "spool": {"connect_timeout": 0.5, "read_timeout": 1.0, "retries": {"total_max_attempts": 2, "mode": "standard"}},
    "default": {},
}


def region() -> str:
    """The AWS region, read from the environment on every call (never cached: PynamoDB reads it
    when a model class is created, at import time, and tests change it)."""
    return os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "us-east-1"


_clients: dict[tuple[str, str, str], Any] = {}
_lock = threading.Lock()
_loader: list[Any] = []  # botocore's data loader, shared by the clients' sessions


def _session() -> Any:
    """A new botocore session (it reads the environment as it is now: endpoint, credentials)
    whose data loader is shared: each new session would otherwise parse botocore's endpoint
    and service files again (~70 ms a client, paid again after every `reset`). A cache of
    botocore's own files: no behaviour changes."""
    import botocore.loaders
    import botocore.session

    session = botocore.session.get_session()
    if not _loader:
        _loader.append(botocore.loaders.create_loader())
    session.register_component("data_loader", _loader[0])
    return session


def client(service: str, patience: str = "default") -> Any:
    """The botocore client of `service` (`dynamodb`, `sqs`, `lambda`, `secretsmanager`, `ssm`)."""
    key = (service, patience, region())
    found: Optional[Any] = _clients.get(key)
    if found is not None:
        return found
    with _lock:
        found = _clients.get(key)
        if found is None:
            from botocore.config import Config

            options = _PATIENCE[patience]
            config = Config(**options) if options else None
            found = _clients[key] = _session().create_client(
                service, region_name=key[2], config=config
            )
    return found


def reset() -> None:
    """Forget every client (tests that change the endpoint or the region)."""
    with _lock:
        _clients.clear()
