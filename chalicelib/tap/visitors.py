"""Who tapped, without knowing who: a keyed hash of IP and user agent.

The salt changes every UTC day and is derived from the app secret and the
date, so every Lambda instance agrees on it without storing it, and yesterday's
hashes cannot be linked to today's. The IP itself is never stored or logged.
"""
from __future__ import annotations

import hashlib
import hmac
from datetime import date
from functools import lru_cache
from typing import Optional

from chalicelib.base.config import app_secret


@lru_cache(maxsize=4)
def daily_salt(day: date, secret: str) -> bytes:
    return hmac.new(secret.encode(), f"visitor-salt:{day.isoformat()}".encode(), hashlib.sha256).digest()


def visitor_hash(ip: Optional[str], user_agent: Optional[str], day: date) -> str:
    message = f"{ip or ''}\n{user_agent or ''}".encode("utf-8", "replace")
    return hmac.new(daily_salt(day, app_secret()), message, hashlib.sha256).hexdigest()[:32]
