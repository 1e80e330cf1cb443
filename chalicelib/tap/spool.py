"""The click spool: where a click goes when its first write failed, and how it
gets written from there, exactly once.

`spool_click` sends the whole click to an SQS queue; if that fails too, the
click is logged whole as a structured error (never lost without a trace).
`write_spooled_click` is what the queue's consumer runs for each message: a
conditional put on the click id, so a message delivered twice writes once.
"""
from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

import botocore.session
from botocore.config import Config

from chalicelib.base.config import settings
from chalicelib.base.observability import count, logger
from chalicelib.storage.dynamodb import condition_failed
from chalicelib.storage.tap import Click


@lru_cache(maxsize=1)
def _sqs_client() -> Any:
    return botocore.session.get_session().create_client(
        "sqs",
        region_name=settings().region,
        config=Config(connect_timeout=0.5, read_timeout=1.0, retries={"total_max_attempts": 2, "mode": "standard"}),
    )


def spool_click(item: dict[str, Any]) -> str:
    """Send the click (its table item) to the spool; "spool", or "log" when the spool failed too."""
    count("SpooledClicks")
    try:
        queue_url = settings().click_spool_queue_url
        if not queue_url:
            raise RuntimeError("AFFILINK_CLICK_SPOOL_URL is not configured")
        _sqs_client().send_message(QueueUrl=queue_url, MessageBody=json.dumps({"click": item}))
        return "spool"
    except Exception as error:
        logger.error(
            "click lost: table and spool both failed",
            click=Click.from_raw_data(item).to_simple_dict(),
            error=type(error).__name__,
        )
        count("LostClicks")
        return "log"


def write_spooled_click(message_body: str) -> None:
    """Write one spooled click; a click already written is a success. Raises
    when it could not be written (the message stays in the queue)."""
    click = Click.from_raw_data(json.loads(message_body)["click"])
    try:
        click.save(condition=Click.click_id.does_not_exist())
    except Exception as error:
        if not condition_failed(error):
            raise
