"""Brands: who pays commission, to which hosts their creators may link, and on
what terms. Secrets (API key, webhook secret) are shown once, when created or
rotated, and never again."""
from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Any, Callable, Mapping, Optional

from chalicelib.accounts import auth
from chalicelib.accounts.allowed_domains import normalize_allowed_domains
from chalicelib.base import validation
from chalicelib.base.clock import now
from chalicelib.base.errors import InvalidInput, NotFound
from chalicelib.base.ids import new_id
from chalicelib.base.money import CommissionRule
from chalicelib.base.timeutil import format_timestamp
from chalicelib.storage.accounts import BRAND_PUBLIC_FIELDS, Brand, accounts_store
from chalicelib.storage.pagination import Page

EDITABLE_FIELDS = (
    "name",
    "allowed_domains",
    "commission",
    "attribution_window_days",
    "hold_days",
    "program",
)
PROGRAMS = ("open", "invite")
CATALOGUE_FIELDS = ("brand_id", "name", "allowed_domains", "commission", "attribution_window_days", "program")
"""What a creator needs to decide whether to promote a brand (the contract's `GET /brands`)."""
WEBHOOK_SECRET_OVERLAP = timedelta(hours=24)


def _terms(body: Mapping[str, Any], *, partial: bool) -> dict[str, Any]:
    """The validated subset of brand terms present in `body`."""
    terms: dict[str, Any] = {}
    if not partial or "name" in body:
        name = validation.string(body, "name", max_length=100)
        if name is None or not name.strip() or not name.isprintable():
            raise InvalidInput("name must be printable text, not blank")
        terms["name"] = name
    if not partial or "allowed_domains" in body:
        if "allowed_domains" not in body:
            raise InvalidInput("allowed_domains is required")
        terms["allowed_domains"] = normalize_allowed_domains(body["allowed_domains"])
    if not partial or "commission" in body:
        if "commission" not in body:
            raise InvalidInput("commission is required")
        terms["commission"] = CommissionRule.from_request(body["commission"])
    if not partial or "attribution_window_days" in body:
        terms["attribution_window_days"] = validation.integer(
            body, "attribution_window_days", minimum=1, maximum=90, required=partial, default=30
        )
    if not partial or "hold_days" in body:
        terms["hold_days"] = validation.integer(
            body, "hold_days", minimum=0, maximum=120, required=partial, default=30
        )
    if not partial or "program" in body:
        terms["program"] = validation.choice(
            body, "program", PROGRAMS, default=None if partial else "open"
        )
    return terms


def _plain(value: Any) -> Any:
    if isinstance(value, CommissionRule):
        return value.view()
    if isinstance(value, list):
        return list(value)
    return value


def brand_view(brand: Brand) -> dict[str, Any]:
    """A brand as anyone allowed to see it sees it: never a key or a secret."""
    return {"brand_id": brand.brand_id, **{field: _plain(getattr(brand, field)) for field in BRAND_PUBLIC_FIELDS}}


def catalogue_view(brand: Brand) -> dict[str, Any]:
    """What a creator needs to decide whether to promote a brand."""
    view = brand_view(brand)
    return {field: view[field] for field in CATALOGUE_FIELDS}


def _new_webhook_secret() -> str:
    return f"whsec_{secrets.token_urlsafe(32)}"


def create_brand(body: Mapping[str, Any]) -> dict[str, Any]:
    validation.reject_unknown_fields(body, EDITABLE_FIELDS)
    terms = _terms(body, partial=False)
    created_at = format_timestamp(now())
    api_key = auth.mint_key(auth.BRAND)
    webhook_secret = _new_webhook_secret()
    brand = accounts_store().create_brand(
        brand_id=new_id("br"),
        terms=terms,
        api_key_hash=auth.hash_key(api_key),
        webhook_secret=webhook_secret,
        created_at=created_at,
    )
    return {**brand_view(brand), "api_key": api_key, "webhook_secret": webhook_secret}


def find_brand(brand_id: Optional[str], *, consistent: bool = False) -> Optional[Brand]:
    """The brand, or None; an id no brand can have (empty, over-long) is never looked up,
    since DynamoDB would answer such a key with an error of its own."""
    if not brand_id or len(brand_id) > validation.MAX_ID_LENGTH:
        return None
    return accounts_store().find_brand(brand_id, consistent=consistent)


def brand_names(brand_ids: list[str]) -> dict[str, str]:
    """brand_id -> name, for the ids that exist (one BatchGetItem)."""
    unique = sorted({brand_id for brand_id in brand_ids if brand_id})
    return {brand.brand_id: brand.name for brand in accounts_store().find_brands(unique)} if unique else {}


def load_brand(brand_id: str, *, consistent: bool = False) -> Brand:
    """The brand, or `NotFound`."""
    brand = find_brand(brand_id, consistent=consistent)
    if brand is None:
        raise NotFound(f"brand {brand_id} not found")
    return brand


def get_brand(brand_id: str) -> dict[str, Any]:
    return brand_view(load_brand(brand_id))


def update_brand(brand_id: str, body: Mapping[str, Any]) -> dict[str, Any]:
    validation.reject_unknown_fields(body, EDITABLE_FIELDS)
    terms = _terms(body, partial=True)
    if not terms:
        raise InvalidInput(f"nothing to change: give one of {', '.join(EDITABLE_FIELDS)}")
    load_brand(brand_id)  # NotFound for a brand that does not exist
    return brand_view(accounts_store().update_brand_terms(brand_id, terms, updated_at=format_timestamp(now())))


def rotate_api_key(brand_id: str) -> dict[str, str]:
    brand = load_brand(brand_id, consistent=True)
    new_key = auth.replace_key(auth.BRAND, brand.brand_id, brand.api_key_hash)
    return {"api_key": new_key}


def rotate_webhook_secret(brand_id: str) -> dict[str, str]:
    brand = load_brand(brand_id, consistent=True)
    secret = _new_webhook_secret()
    moment = now()
    accounts_store().rotate_webhook_secret(
        brand.brand_id,
        old_secret=brand.webhook_secret,
        new_secret=secret,
        old_secret_until=format_timestamp(moment + WEBHOOK_SECRET_OVERLAP),
        updated_at=format_timestamp(moment),
    )
    return {"webhook_secret": secret}


def catalogue_page(
    *, scope: str, limit: int, cursor: Optional[str], keep: Callable[[Brand], bool] = lambda brand: True
) -> Page:
    """Brands in id order, from the catalogue index (public fields only)."""
    return accounts_store().catalogue_page(limit=limit, cursor=cursor, scope=scope, keep=keep)


def list_all_brands(*, limit: int, cursor: Optional[str]) -> dict[str, Any]:
    return catalogue_page(scope="brands:all", limit=limit, cursor=cursor).body(brand_view)
