"""Short links: a creator's link to one brand's product page.

Codes are global and case-sensitive: random ones from shortuuid, or an alias
the creator picks. Both are claimed with a conditional write, so two links can
never share a code.
"""
from __future__ import annotations

import re
from typing import Any, Mapping, Optional

from chalicelib.accounts.brands import find_brand, load_brand
from chalicelib.accounts.programs import ensure_may_link
from chalicelib.base import validation
from chalicelib.base.clock import now
from chalicelib.base.config import settings
from chalicelib.base.errors import Conflict, InvalidInput, NotFound
from chalicelib.base.ids import random_code
from chalicelib.base.timeutil import format_timestamp, parse_timestamp
from chalicelib.links.destinations import validate_destination
from chalicelib.storage.errors import AlreadyExists
from chalicelib.storage.links import Link, links_store

RANDOM_CODE_LENGTH = 8
_ALIAS = re.compile(r"[A-Za-z0-9_-]{3,40}")
# Top-level paths of this API (and a few every web host is asked for): an
# alias may not shadow them, whatever its case.
RESERVED_CODES = frozenset(
    {
        "admin", "brands", "conversions", "creators", "health", "links", "me",
        "openapi", "openapi.json", "webhooks", "api", "static", "favicon.ico",
        "robots.txt", "docs", "stats", "qr", "app",
    }
)
CREATE_FIELDS = ("brand_id", "destination", "alias", "source", "expires_at")
PATCH_FIELDS = ("destination", "disabled", "expires_at")
_CREATE_ATTEMPTS = 5


def short_url(code: str) -> str:
    return f"{settings().public_base_url}/{code}"


def link_view(link: Link) -> dict:
    return {
        "code": link.code,
        "short_url": short_url(link.code),
        "destination": link.destination,
        "brand_id": link.brand_id,
        "creator_id": link.creator_id,
        "source": link.source,
        "expires_at": link.expires_at,
        "disabled": bool(link.disabled),
        "created_at": link.created_at,
    }


def _future_expiry(body: Mapping[str, Any]) -> Optional[str]:
    value = body.get("expires_at")
    if value is None:
        return None
    moment = parse_timestamp(value, "expires_at")
    if moment <= now():
        raise InvalidInput("expires_at must be in the future")
    return format_timestamp(moment)


def _alias(body: Mapping[str, Any]) -> Optional[str]:
    alias = body.get("alias")
    if alias is None:
        return None
    if not isinstance(alias, str) or not _ALIAS.fullmatch(alias):
        raise InvalidInput("alias must be 3 to 40 characters of A-Z, a-z, 0-9, _ and -")
    if alias.lower() in RESERVED_CODES:
        raise InvalidInput(f"alias {alias!r} is a path of this API")
    return alias


def create_link(creator_id: str, body: Mapping[str, Any]) -> dict:
    validation.reject_unknown_fields(body, CREATE_FIELDS)
    brand_id = validation.string(body, "brand_id", max_length=validation.MAX_ID_LENGTH)
    if "destination" not in body:
        raise InvalidInput("destination is required")
    alias = _alias(body)
    source = validation.string(body, "source", max_length=64, required=False)
    expires_at = _future_expiry(body)
    brand = find_brand(brand_id)
    if brand is None:
        raise InvalidInput(f"brand_id {brand_id} is not a known brand")
    ensure_may_link(brand, creator_id)
    destination = validate_destination(body["destination"], brand.allowed_domains)

    created = now()
    for _attempt in range(_CREATE_ATTEMPTS):
        try:
            link = links_store().create_link(
                code=alias or _random_code(),
                creator_id=creator_id,
                brand_id=brand.brand_id,
                destination=destination,
                source=source,
                expires_at=expires_at,
                created=created,
            )
            return link_view(link)
        except AlreadyExists:
            if alias:
                raise Conflict(f"alias {alias!r} is taken") from None
    raise Conflict("could not find a free code; try again")


def _random_code() -> str:
    while True:
        code = random_code(RANDOM_CODE_LENGTH)
        if code.lower() not in RESERVED_CODES:
            return code


def own_link(creator_id: str, code: str) -> Link:
    """The caller's link, or 404 (another creator's link is as good as unknown)."""
    link = links_store().find_link(code)
    if link is None or link.creator_id != creator_id:
        raise NotFound(f"link {code} not found")
    return link


def get_link(creator_id: str, code: str) -> dict:
    return link_view(own_link(creator_id, code))


def update_link(creator_id: str, code: str, body: Mapping[str, Any]) -> dict:
    validation.reject_unknown_fields(body, PATCH_FIELDS)
    if not body:
        raise InvalidInput(f"nothing to change: give one of {', '.join(PATCH_FIELDS)}")
    disabled = validation.boolean(body, "disabled")
    expires_at = _future_expiry(body)
    link = own_link(creator_id, code)
    changes: dict[str, Any] = {}
    if "destination" in body:
        brand = load_brand(link.brand_id)
        changes["destination"] = validate_destination(body["destination"], brand.allowed_domains)
    if disabled is not None:
        changes["disabled"] = disabled
    if "expires_at" in body:
        changes["expires_at"] = expires_at  # None: the link no longer expires
    return link_view(links_store().update_link(code, creator_id, changes))


def list_links(creator_id: str, *, limit: int, cursor: Optional[str]) -> dict:
    page = links_store().links_of_creator(creator_id, limit=limit, cursor=cursor, scope=f"links:creator:{creator_id}")
    return page.body(link_view)
