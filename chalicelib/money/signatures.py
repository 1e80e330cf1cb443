"""Signed webhooks: `Affilink-Signature: t=<unix seconds>,v1=<hex>[,v1=<hex>…]`.

`v1` is the hex HMAC-SHA256 of `"<t>.<raw body>"` under the brand's webhook
secret. It is checked on the raw bytes, before the body is parsed, with a
constant-time comparison; `t` must be within 300 s of now either way. During the
24 h after a rotation the previous secret is accepted too, and any one matching
`v1` is enough. Every failure is the same kind of 401; the header and the
secrets are never logged.
"""
from __future__ import annotations

import hashlib
import hmac
import re
from datetime import datetime
from typing import Iterable, Optional

from chalicelib.accounts.brands import find_brand
from chalicelib.base.clock import now
from chalicelib.base.errors import Unauthorized
from chalicelib.base.observability import logger
from chalicelib.base.timeutil import parse_stored
from chalicelib.base.validation import MAX_ID_LENGTH
from chalicelib.storage.accounts import Brand

HEADER = "Affilink-Signature"
TOLERANCE_SECONDS = 300
_TIMESTAMP = re.compile(r"^[0-9]{1,12}$")
_HEX_DIGEST = re.compile(r"^[0-9a-fA-F]{64}$")


def sign(secret: str, timestamp: int, raw_body: bytes) -> str:
    """The `v1` value for `raw_body` sent at `timestamp` (unix seconds)."""
    message = str(timestamp).encode("ascii") + b"." + raw_body
    return hmac.new(secret.encode("utf-8"), message, hashlib.sha256).hexdigest()


def parse_header(header: Optional[str]) -> tuple[int, list[str]]:
    """`(t, [v1, …])` from the header; 401 when it is missing or malformed.

    Unknown schemes (`v0=…`) are ignored; `v1` values that are not 64 hex
    digits can never match and are dropped.
    """
    if not header or not header.strip():
        raise Unauthorized(f"missing {HEADER} header")
    timestamps: list[str] = []
    candidates: list[str] = []
    for part in header.split(","):
        name, sep, value = part.strip().partition("=")
        if not sep:
            continue
        if name == "t":
            timestamps.append(value.strip())
        elif name == "v1" and _HEX_DIGEST.match(value.strip()):
            candidates.append(value.strip().lower())
    if len(timestamps) != 1 or not _TIMESTAMP.match(timestamps[0]):
        raise Unauthorized(f"{HEADER} must be t=<unix seconds>,v1=<hex HMAC-SHA256>")
    if not candidates:
        raise Unauthorized(f"{HEADER} has no v1 signature that matches")
    return int(timestamps[0]), candidates


def _usable_secrets(brand: Brand, moment: datetime) -> list[str]:
    secrets = [brand.webhook_secret]
    until = parse_stored(brand.previous_webhook_secret_until)
    if brand.previous_webhook_secret and until is not None and moment < until:
        secrets.append(brand.previous_webhook_secret)
    return secrets


def _matches(secrets: Iterable[str], timestamp: int, raw_body: bytes, candidates: list[str]) -> bool:
    matched = False
    for secret in secrets:
        expected = sign(secret, timestamp, raw_body).encode("ascii")
        for candidate in candidates:
            # No early exit: every comparison is made, each in constant time.
            matched |= hmac.compare_digest(expected, candidate.encode("ascii"))
    return matched


def verify_brand_signature(brand_id: str, raw_body: Optional[bytes], header: Optional[str]) -> Brand:
    """The brand whose webhook secret signed `raw_body`, or `Unauthorized`."""
    try:
        timestamp, candidates = parse_header(header)
        moment = now()
        if abs(moment.timestamp() - timestamp) > TOLERANCE_SECONDS:
            raise Unauthorized(f"{HEADER} timestamp is more than {TOLERANCE_SECONDS} s away from now")
        brand = find_brand(brand_id, consistent=True)  # a secret rotated a moment ago works at once
        # An unknown brand gets the same answer as a wrong signature.
        usable = _usable_secrets(brand, moment) if brand is not None else []
        if brand is None or not _matches(usable, timestamp, raw_body or b"", candidates):
            raise Unauthorized(f"{HEADER} does not match this brand's webhook secret")
        return brand
    except Unauthorized as error:
        logger.warning("webhook signature rejected", brand_id=brand_id[:MAX_ID_LENGTH], reason=error.message)
        raise
