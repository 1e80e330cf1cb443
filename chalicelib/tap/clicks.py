"""Recording a tap: build the click record and write it once.

The write gets one short attempt (no retries, sub-second timeouts):
the visitor is redirected whatever happens. If it fails, the click goes to
the spool (`tap/spool.py`). A click record never holds an IP.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Optional
from urllib.parse import urlsplit

from chalicelib.base.config import settings
from chalicelib.base.ids import random_uuid_code
from chalicelib.base.observability import logger
from chalicelib.base.timeutil import format_timestamp
from chalicelib.storage.tap import click_item, put_click_once
from chalicelib.tap import spool, user_agents
from chalicelib.tap.visitors import visitor_hash

MAX_USER_AGENT = user_agents.MAX_USER_AGENT
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
    return random_uuid_code()  # 22 characters of [A-Za-z0-9]


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


@dataclass(frozen=True)
class ClickRecord:
    """A tap's click as the table stores it (`item`, the `Click` model's item), and its verdict."""

    click_id: str
    is_bot: bool
    item: dict[str, Any]


def build_click(click_id: str, tap: Tap) -> ClickRecord:
    user_agent = (tap.user_agent or "")[:MAX_USER_AGENT]
    visitor = user_agents.classify(user_agent)
    item = click_item({
        "click_id": click_id,
        "code": tap.code,
        "creator_id": tap.creator_id,
        "brand_id": tap.brand_id,
        "clicked_at": format_timestamp(tap.at),
        "visitor_hash": visitor_hash(tap.source_ip, user_agent, tap.at.date()),
        "user_agent": user_agent or None,
        "referrer": referrer_host(tap.referer),
        "country": country(tap.country_header),
        "device": visitor.device,
        "app": visitor.app,
        "via": tap.via,
        "is_bot": visitor.is_bot,
        "source": tap.source,
        "expires_at": tap.at + timedelta(days=settings().click_retention_days),
    })
    return ClickRecord(click_id, visitor.is_bot, item)


def record_click(click: ClickRecord) -> str:
    """Write the click once; spool it if that fails. Returns where it went."""
    try:
        put_click_once(click.item)
        return "table"
    except Exception as error:  # throttled, timed out, anything: the visitor must not wait
        logger.warning("click write failed; spooling", click_id=click.click_id, error=type(error).__name__)
    return spool.spool_click(click.item)
