"""Recording a tap: build the click record, write it once, never lose it.

The write gets one short attempt (no botocore retries, sub-second timeouts):
the visitor is redirected whatever happens. If it fails, the click goes to
the spool (an SQS queue) and `write_spooled_clicks` writes it later, exactly
once (a conditional put on the click id). If the spool fails too, the whole
click is logged as a structured error. A click record never holds an IP.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Mapping, Optional
from urllib.parse import urlsplit

import botocore.session
from botocore.config import Config

from chalicelib.base.config import settings
from chalicelib.base.ids import random_code
from chalicelib.base.observability import count, logger
from chalicelib.base.timeutil import format_timestamp
from chalicelib.storage.models import Click, condition_failed, put_click_once
from chalicelib.tap import user_agents as useragents
from chalicelib.tap.visitors import visitor_hash

CLICK_ID_LENGTH = 22
MAX_USER_AGENT = useragents.MAX_USER_AGENT
_COUNTRY = re.compile(r"^[A-Z]{2}$")


@dataclass(frozen=True)
class Tap:
    """What the redirect knows about one request, as plain values."""

    code: str
    creator_id: str
    brand_id: str
    source: Optional[str]
    source_ip: Optional[str]
    user_agent: Optional[str]
    referer: Optional[str]
    country_header: Optional[str]
    via: str
    at: datetime


def new_click_id() -> str:
    return random_code(CLICK_ID_LENGTH)


def referrer_host(referer: Optional[str]) -> str:
    if not referer:
        return "direct"
    try:
        host = urlsplit(referer.strip()).hostname
    except ValueError:
        host = None
    if not host:
        return "direct"
    host = host.lower().rstrip(".")
    return host[4:] if host.startswith("www.") else host


def country(header: Optional[str]) -> str:
    value = (header or "").strip().upper()
    return value if _COUNTRY.match(value) else "unknown"


def build_click(click_id: str, tap: Tap) -> Click:
    user_agent = (tap.user_agent or "")[:MAX_USER_AGENT]
    visitor = useragents.classify(user_agent)
    return Click(
        click_id,
        code=tap.code,
        creator_id=tap.creator_id,
        brand_id=tap.brand_id,
        clicked_at=format_timestamp(tap.at),
        visitor_hash=visitor_hash(tap.source_ip, user_agent, tap.at.date()),
        user_agent=user_agent or None,
        referrer=referrer_host(tap.referer),
        country=country(tap.country_header),
        device=visitor.device,
        app=visitor.app,
        via=tap.via,
        is_bot=visitor.is_bot,
        source=tap.source,
        expires_at=tap.at + timedelta(days=settings().click_retention_days),
    )


# --- the fast write and the spool ------------------------------------------------


@lru_cache(maxsize=1)
def _sqs_client():
    return botocore.session.get_session().create_client(
        "sqs",
        region_name=settings().region,
        config=Config(connect_timeout=0.5, read_timeout=1.0, retries={"total_max_attempts": 2, "mode": "standard"}),
    )


def record_click(click: Click) -> str:
    """Write the click once; spool it if that fails. Returns where it went."""
    try:
        put_click_once(click)
        return "table"
    except Exception as error:  # throttled, timed out, anything: the visitor must not wait
        logger.warning("click write failed; spooling", click_id=click.click_id, error=type(error).__name__)
    return _spool(click)


def _spool(click: Click) -> str:
    count("SpooledClicks")
    try:
        queue_url = settings().click_spool_queue_url
        if not queue_url:
            raise RuntimeError("AFFILINK_CLICK_SPOOL_URL is not configured")
        _sqs_client().send_message(QueueUrl=queue_url, MessageBody=json.dumps({"click": click.serialize()}))
        return "spool"
    except Exception as error:
        logger.error(
            "click lost: table and spool both failed",
            click=click.to_simple_dict(),
            error=type(error).__name__,
        )
        count("LostClicks")
        return "log"


def write_spooled_clicks(records: list[Mapping]) -> list[str]:
    """Write spooled clicks (SQS records); a click already written is a success.

    Returns the message ids that failed, for SQS partial batch responses."""
    failed: list[str] = []
    for record in records:
        try:
            item = json.loads(record["body"])["click"]
            click = Click.from_raw_data(item)
            try:
                click.save(condition=Click.click_id.does_not_exist())
            except Exception as error:
                if not condition_failed(error):
                    raise
        except Exception:
            logger.exception("spooled click not written yet", message_id=record.get("messageId"))
            failed.append(record.get("messageId"))
    return failed
