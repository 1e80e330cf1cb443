"""Brands: who pays commission, to which hosts their creators may link, and on
what terms. Secrets (API key, webhook secret) are shown once, when created or
rotated, and never again."""
from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Any, Mapping, Optional

from pynamodb.exceptions import DoesNotExist

from chalicelib.accounts import auth
from chalicelib.base import validation
from chalicelib.base.config import now
from chalicelib.base.errors import InvalidInput, NotFound
from chalicelib.base.ids import new_id
from chalicelib.base.timeutil import format_timestamp
from chalicelib.links.domains import normalize_allowed_domains
from chalicelib.money.commission import normalize_currency
from chalicelib.storage.models import Brand, CommissionRule, transaction
from chalicelib.storage.pagination import Page, key_attributes, paginate

EDITABLE_FIELDS = (
    "name",
    "allowed_domains",
    "commission",
    "attribution_window_days",
    "hold_days",
    "program",
)
PROGRAMS = ("open", "invite")
WEBHOOK_SECRET_OVERLAP = timedelta(hours=24)


def parse_commission(value: object) -> CommissionRule:
    if not isinstance(value, dict):
        raise InvalidInput(
            'commission must be {"type": "percent", "rate_bps": …} '
            'or {"type": "flat", "amount": …, "currency": …}'
        )
    kind = value.get("type")
    if kind == "percent":
        validation.reject_unknown_fields(value, ("type", "rate_bps"))
        rate = validation.integer(value, "rate_bps", minimum=1, maximum=10_000)
        return CommissionRule(type="percent", rate_bps=rate)
    if kind == "flat":
        validation.reject_unknown_fields(value, ("type", "amount", "currency"))
        amount = validation.integer(value, "amount", minimum=1)
        currency = normalize_currency(value.get("currency"), "commission.currency")
        return CommissionRule(type="flat", amount=amount, currency=currency)
    raise InvalidInput('commission.type must be "percent" or "flat"')


def commission_view(rule: CommissionRule) -> dict:
    if rule.type == "percent":
        return {"type": "percent", "rate_bps": int(rule.rate_bps)}
    return {"type": "flat", "amount": int(rule.amount), "currency": rule.currency}


def _terms(body: Mapping[str, Any], *, partial: bool) -> dict:
    """The validated subset of brand terms present in `body`."""
    terms: dict = {}
    if not partial or "name" in body:
        terms["name"] = validation.string(body, "name", max_length=100)
        if not terms["name"].strip() or not terms["name"].isprintable():
            raise InvalidInput("name must be printable text, not blank")
    if not partial or "allowed_domains" in body:
        if "allowed_domains" not in body:
            raise InvalidInput("allowed_domains is required")
        terms["allowed_domains"] = normalize_allowed_domains(body["allowed_domains"])
    if not partial or "commission" in body:
        if "commission" not in body:
            raise InvalidInput("commission is required")
        terms["commission"] = parse_commission(body["commission"])
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


def brand_view(brand: Brand) -> dict:
    """A brand as anyone allowed to see it sees it: never a key or a secret."""
    return {
        "brand_id": brand.brand_id,
        "name": brand.name,
        "allowed_domains": list(brand.allowed_domains),
        "commission": commission_view(brand.commission),
        "attribution_window_days": int(brand.attribution_window_days),
        "hold_days": int(brand.hold_days),
        "program": brand.program,
        "created_at": brand.created_at,
        "updated_at": brand.updated_at,
    }


CATALOGUE_FIELDS = ("brand_id", "name", "allowed_domains", "commission", "attribution_window_days", "program")


def catalogue_view(brand: Brand) -> dict:
    """What a creator needs to decide whether to promote a brand."""
    view = brand_view(brand)
    return {field: view[field] for field in CATALOGUE_FIELDS}


def _new_webhook_secret() -> str:
    return f"whsec_{secrets.token_urlsafe(32)}"


def create_brand(body: Mapping[str, Any]) -> dict:
    validation.reject_unknown_fields(body, EDITABLE_FIELDS)
    terms = _terms(body, partial=False)
    created_at = format_timestamp(now())
    api_key = auth.mint_key(auth.BRAND)
    webhook_secret = _new_webhook_secret()
    brand = Brand(
        new_id("br"),
        api_key_hash=auth.hash_key(api_key),
        webhook_secret=webhook_secret,
        created_at=created_at,
        updated_at=created_at,
        **terms,
    )
    with transaction() as write:
        write.save(brand, condition=Brand.brand_id.does_not_exist())
        write.save(auth.key_item(api_key, auth.BRAND, brand.brand_id, created_at))
    return {**brand_view(brand), "api_key": api_key, "webhook_secret": webhook_secret}


def load_brand(brand_id: str, *, consistent: bool = False) -> Brand:
    try:
        return Brand.get(brand_id, consistent_read=consistent)
    except DoesNotExist:
        raise NotFound(f"brand {brand_id} not found") from None


def find_brand(brand_id: str, *, consistent: bool = False) -> Optional[Brand]:
    """The brand, or None; an id no brand can have (empty, over-long) is never looked up,
    since DynamoDB would answer such a key with an error of its own."""
    if not brand_id or len(brand_id) > validation.MAX_ID_LENGTH:
        return None
    try:
        return Brand.get(brand_id, consistent_read=consistent)
    except DoesNotExist:
        return None


def get_brand(brand_id: str) -> dict:
    return brand_view(load_brand(brand_id))


def update_brand(brand_id: str, body: Mapping[str, Any]) -> dict:
    validation.reject_unknown_fields(body, EDITABLE_FIELDS)
    terms = _terms(body, partial=True)
    if not terms:
        raise InvalidInput(f"nothing to change: give one of {', '.join(EDITABLE_FIELDS)}")
    brand = load_brand(brand_id)
    actions = [getattr(Brand, field).set(value) for field, value in terms.items()]
    actions.append(Brand.updated_at.set(format_timestamp(now())))
    brand.update(actions=actions, condition=Brand.brand_id.exists())
    return brand_view(brand)


def rotate_api_key(brand_id: str) -> dict:
    brand = load_brand(brand_id, consistent=True)
    new_key = auth.replace_key(brand, Brand, auth.BRAND, brand.brand_id)
    return {"api_key": new_key}


def rotate_webhook_secret(brand_id: str) -> dict:
    brand = load_brand(brand_id, consistent=True)
    secret = _new_webhook_secret()
    moment = now()
    brand.update(
        actions=[
            Brand.previous_webhook_secret.set(brand.webhook_secret),
            Brand.previous_webhook_secret_until.set(format_timestamp(moment + WEBHOOK_SECRET_OVERLAP)),
            Brand.webhook_secret.set(secret),
            Brand.updated_at.set(format_timestamp(moment)),
        ],
        condition=Brand.webhook_secret == brand.webhook_secret,
    )
    return {"webhook_secret": secret}


def catalogue_page(*, scope: str, limit: int, cursor: Optional[str], keep=lambda brand: True) -> Page:
    """Brands in id order, from the catalogue index (public fields only)."""
    return paginate(
        scope=scope,
        cursor=cursor,
        limit=limit,
        query=lambda start: Brand.catalogue_index.query("brands", last_evaluated_key=start),
        key_attributes=key_attributes(Brand, Brand.catalogue_index),
        keep=keep,
    )


def list_all_brands(*, limit: int, cursor: Optional[str]) -> dict:
    return catalogue_page(scope="brands:all", limit=limit, cursor=cursor).body(brand_view)
