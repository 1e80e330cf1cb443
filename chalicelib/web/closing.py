"""`POST /admin/close-month` within API Gateway's 29 s: the close runs on its own
and the answer is its state after at most `WAIT_SECONDS` — 200 `closed` with
the counts, or 202 `closing` while it goes on (asking again returns the stored
state).

In AWS the close runs as an asynchronous invocation of the close function
(`AFFILINK_CLOSE_MONTH_FUNCTION`, set by the stack): a Lambda instance is frozen
once it has answered, so a thread would stop with it. Without that setting (the
local run, tests) it runs in a background thread.
"""
from __future__ import annotations

import json
import threading
import time
from typing import Any

from chalicelib.base import aws
from chalicelib.base.clock import now
from chalicelib.base.config import settings
from chalicelib.base.observability import logger
from chalicelib.base.timeutil import format_timestamp
from chalicelib.money import close

WAIT_SECONDS = 20.0
POLL_SECONDS = 0.25


def close_within(month: str, wait_seconds: float | None = None) -> close.CloseResult:
    """Start closing `month` (or find it closed) and answer its state within the wait."""
    close.ensure_closable(month)
    stored = close.close_state(month)
    if stored is not None and stored.status == close.CLOSED:
        return stored
    wait = WAIT_SECONDS if wait_seconds is None else wait_seconds
    function_name = settings().close_month_function
    if function_name:
        _invoke_async(function_name, month)
        return _state_within(month, wait)
    deadline = time.monotonic() + wait
    runner = threading.Thread(target=_close_logging_errors, args=(month,), name=f"close-{month}", daemon=True)
    runner.start()
    runner.join(wait)
    # This run may have found another one at work: wait for that one too, within the time left.
    return _state_within(month, max(0.0, deadline - time.monotonic()))


def _close_logging_errors(month: str) -> None:
    try:
        close.close_month(month)
    except Exception:  # logged by the close with its phase; the next request retries
        logger.warning("close did not finish", month=month)


def _state_within(month: str, wait: float) -> close.CloseResult:
    deadline = time.monotonic() + wait
    while True:
        state = close.close_state(month)
        if (state is not None and state.status == close.CLOSED) or time.monotonic() >= deadline:
            return state or close.CloseResult(month, close.CLOSING)
        time.sleep(POLL_SECONDS)


def _lambda_client() -> Any:
    """Lambda's client, from the one place that builds AWS clients (built once, then reused)."""
    return aws.client("lambda")


def _invoke_async(function_name: str, month: str) -> None:
    """The close function, invoked with the event its schedule sends, naming the month."""
    event = {
        "version": "0",
        "id": f"close-{month}-{format_timestamp(now())}",
        "detail-type": "Close month",
        "source": "affilink.admin",
        "account": "",
        "time": format_timestamp(now()),
        "region": aws.region(),
        "resources": [],
        "detail": {"month": month},
    }
    _lambda_client().invoke(FunctionName=function_name, InvocationType="Event", Payload=json.dumps(event).encode())
