"""Signed webhooks: `Affilink-Signature: t=<unix seconds>,v1=<hex>[,v1=<hex>…]`.

`v1` is the hex HMAC-SHA256 of `"<t>.<raw body>"` under the brand's webhook
secret. It is checked on the raw bytes, before the body is parsed, with a
constant-time comparison; `t` must be within 300 s of now either way. During the
24 h after a rotation the previous secret is accepted too, and any one matching
`v1` is enough. Every failure is the same kind of 401; the header and the
secrets are never logged.
"""
from __future__ import annotations

from datetime import datetime
from typing import Optional

from chalicelib.accounts.brands import find_brand
from chalicelib.base import signing
from chalicelib.base.clock import now
from chalicelib.base.errors import Unauthorized
from chalicelib.base.observability import logger
from chalicelib.base.timeutil import parse_stored
from chalicelib.base.validation import MAX_ID_LENGTH
from chalicelib.storage.accounts import Brand

HEADER = "Affilink-Signature"  # the scheme is shared with Stripe's (`base/signing.py`)


def _usable_secrets(brand: Brand, moment: datetime) -> list[str]:
    secrets = [brand.webhook_secret]
    until = parse_stored(brand.previous_webhook_secret_until)
    if brand.previous_webhook_secret and until is not None and moment < until:
        secrets.append(brand.previous_webhook_secret)
    return secrets


def verify_brand_signature(brand_id: str, raw_body: Optional[bytes], header: Optional[str]) -> Brand:
    """The brand whose webhook secret signed `raw_body`, or `Unauthorized`."""
    try:
        timestamp, candidates = signing.parse_header(header, HEADER)
        moment = now()
        signing.check_timestamp(timestamp, moment.timestamp(), HEADER)
        brand = find_brand(brand_id, consistent=True)  # a secret rotated a moment ago works at once
        # An unknown brand gets the same answer as a wrong signature.
        usable = _usable_secrets(brand, moment) if brand is not None else []
        if brand is None or not signing.matches(usable, timestamp, raw_body or b"", candidates):
            raise Unauthorized(f"{HEADER} does not match this brand's webhook secret")
        return brand
    except Unauthorized as error:
        logger.warning("webhook signature rejected", brand_id=brand_id[:MAX_ID_LENGTH], reason=error.message)
        raise
