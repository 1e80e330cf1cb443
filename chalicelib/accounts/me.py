"""What a caller may see of accounts: their own record, and brands by role."""
from __future__ import annotations

from typing import Optional

from chalicelib.accounts import brands, creators, programs
from chalicelib.accounts.auth import BRAND, CREATOR, Caller
from chalicelib.base.errors import NotFound


def own_account(caller: Caller) -> dict:
    if caller.role == BRAND:
        return brands.get_brand(caller.id)
    return creators.get_creator(caller.id)


def visible_brands(caller: Caller, *, limit: int, cursor: Optional[str]) -> dict:
    """The admin sees every brand; a creator the brands they may link to."""
    if caller.role == CREATOR:
        return programs.catalogue_for_creator(caller.id, limit=limit, cursor=cursor)
    return brands.list_all_brands(limit=limit, cursor=cursor)


def visible_brand(caller: Caller, brand_id: str) -> dict:
    """Admins and creators see any brand; a brand sees only itself (others: 404)."""
    if caller.role == BRAND and caller.id != brand_id:
        raise NotFound(f"brand {brand_id} not found")
    return brands.get_brand(brand_id)
