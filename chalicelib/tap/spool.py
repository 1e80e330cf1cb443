"""The click spool: where a click goes when its first write failed, and how it
gets written from there, exactly once.

`spool_click` sends the whole click to an SQS queue; if that fails too, the
click is logged whole as a structured error (never lost without a trace).
`write_spooled_click` is what the queue's consumer runs for each message: a
conditional put on the click id, so a message delivered twice writes once.
The queue's client comes from `base.aws` (patience "spool": two short attempts).
"""
from __future__ import annotations

import json
from typing import Any

from chalicelib.base import aws
from chalicelib.base.config import settings
from chalicelib.base.observability import count, logger
from chalicelib.storage.tap import click_values, tap_store


def spool_click(item: dict[str, Any]) -> str:
    """Send the click (its table item) to the spool; "spool", or "log" when the spool failed too."""
    count("SpooledClicks")
    try:
        queue_url = settings().click_spool_queue_url
        if not queue_url:
            raise RuntimeError("AFFILINK_CLICK_SPOOL_URL is not configured")
        aws.client("sqs", "spool").send_message(QueueUrl=queue_url, MessageBody=json.dumps({"click": item}))
        return "spool"
    except Exception as error:
        logger.error(
            "click lost: table and spool both failed",
            click=_loggable(item),
            error=type(error).__name__,
        )
        count("LostClicks")
        return "log"


def write_spooled_click(message_body: str) -> None:
    """Write one spooled click; a click already written is a success. Raises
    when it could not be written (the message stays in the queue)."""
    from chalicelib.storage.errors import AlreadyExists  # the spool's consumer only, not the redirect

    try:
        tap_store().put_spooled_click(json.loads(message_body)["click"])
    except AlreadyExists:
        pass


def _loggable(item: dict[str, Any]) -> dict[str, Any]:
    """The click's values as a log line holds them (its expiry in epoch seconds)."""
    values = click_values(item)
    if "expires_at" in values:
        values["expires_at"] = int(values["expires_at"].timestamp())
    return values
