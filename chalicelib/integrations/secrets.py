"""A brand's shop platform secrets: set by the admin or the brand, never shown back."""
from __future__ import annotations

from typing import Any, Mapping

from chalicelib.accounts.brands import load_brand
from chalicelib.base import validation
from chalicelib.base.clock import now
from chalicelib.base.errors import NotFound
from chalicelib.base.timeutil import format_timestamp
from chalicelib.integrations.catalogue import PLATFORMS
from chalicelib.storage.integrations import integrations_store

MAX_SECRET_LENGTH = 512


def webhook_url(brand_id: str, platform: str, api_base_url: str) -> str:
    """Where the platform must send its webhooks: the API's address (in AWS the short-link
    domain serves only taps)."""
    return f"{api_base_url}/webhooks/{brand_id}/{platform}"


def set_secret(brand_id: str, platform: str, body: Mapping[str, Any], api_base_url: str) -> dict[str, Any]:
    """Store the brand's signing secret for `platform`: `{platform, configured, webhook_url}`."""
    if platform not in PLATFORMS:
        raise NotFound(f"no integration named {platform[:40]!r}: {', '.join(PLATFORMS)}")
    validation.reject_unknown_fields(body, ("secret",))
    secret = validation.required_string(body, "secret", min_length=8, max_length=MAX_SECRET_LENGTH)
    brand = load_brand(brand_id)
    integrations_store().save_secret(brand.brand_id, platform, secret=secret, updated_at=format_timestamp(now()))
    return {"platform": platform, "configured": True,
            "webhook_url": webhook_url(brand.brand_id, platform, api_base_url)}


def secret_of(brand_id: str, platform: str) -> str | None:
    """The brand's secret for `platform`, or None (an unknown brand has none either)."""
    if not brand_id or len(brand_id) > validation.MAX_ID_LENGTH:
        return None
    item = integrations_store().find_secret(brand_id, platform)
    return item.secret if item is not None else None
