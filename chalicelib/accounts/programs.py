"""Affiliate programs: which creators may link to which brand.

The rule itself (`may_link`: an `open` program takes any creator the brand has
not blocked, an `invite` program only creators it approved) is in `standing.py`:
it decides whether a link may be created here and whether a link still redirects.
"""
from __future__ import annotations

from typing import Any, Mapping, Optional

from chalicelib.accounts.brands import catalogue_page, catalogue_view
from chalicelib.accounts.creators import load_creator
from chalicelib.accounts.standing import BLOCKED, STATUSES, may_link
from chalicelib.base import validation
from chalicelib.base.clock import now
from chalicelib.base.errors import Forbidden
from chalicelib.base.timeutil import format_timestamp
from chalicelib.storage.accounts import Brand, accounts_store


def is_blocked(brand_id: str, creator_id: str) -> bool:
    """The brand blocked this creator (their clicks earn nothing from it)."""
    return accounts_store().membership_status(brand_id, creator_id) == BLOCKED


def ensure_may_link(brand: Brand, creator_id: str) -> None:
    status = accounts_store().membership_status(brand.brand_id, creator_id)
    if not may_link(brand.program, status):
        if status == BLOCKED:
            raise Forbidden("this brand has blocked you")
        raise Forbidden("this brand's program is by invitation and has not approved you")


def set_membership(brand_id: str, creator_id: str, body: Mapping[str, Any]) -> dict[str, Any]:
    validation.reject_unknown_fields(body, ("status",))
    status = validation.choice(body, "status", STATUSES)
    load_creator(creator_id)  # NotFound for a creator that does not exist
    membership = accounts_store().save_membership(
        brand_id, creator_id, status=status, updated_at=format_timestamp(now())
    )
    return {
        "brand_id": brand_id,
        "creator_id": creator_id,
        "status": membership.status,
        "updated_at": membership.updated_at,
    }


def memberships_of_brand(brand_id: str) -> dict[str, str]:
    """creator_id -> status (approved, blocked) of every creator the brand has decided on."""
    return {m.creator_id: m.status for m in accounts_store().memberships_of_brand(brand_id)}


def memberships_of_creator(creator_id: str) -> dict[str, str]:
    return {m.brand_id: m.status for m in accounts_store().memberships_of_creator(creator_id)}


def catalogue_for_creator(creator_id: str, *, limit: int, cursor: Optional[str]) -> dict[str, Any]:
    statuses = memberships_of_creator(creator_id)
    page = catalogue_page(
        scope=f"brands:creator:{creator_id}",
        limit=limit,
        cursor=cursor,
        keep=lambda brand: may_link(brand.program, statuses.get(brand.brand_id)),
    )
    return page.body(catalogue_view)
