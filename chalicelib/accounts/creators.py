"""Creators: the people who post links and earn commission."""
from __future__ import annotations

import re
from typing import Any, Mapping, Optional

from chalicelib.accounts import auth
from chalicelib.base import validation
from chalicelib.base.clock import now
from chalicelib.base.errors import Conflict, InvalidInput, NotFound
from chalicelib.base.ids import new_id
from chalicelib.base.timeutil import format_timestamp
from chalicelib.storage.accounts import Creator, accounts_store
from chalicelib.storage.errors import AlreadyExists

_HANDLE = re.compile(r"[a-z0-9_.]{2,32}")


def creator_view(creator: Creator) -> dict[str, Any]:
    return {"creator_id": creator.creator_id, "handle": creator.handle, "created_at": creator.created_at}


def create_creator(body: Mapping[str, Any]) -> dict[str, Any]:
    validation.reject_unknown_fields(body, ("handle",))
    handle = validation.string(body, "handle", min_length=2, max_length=32)
    if handle is None or not _HANDLE.fullmatch(handle):
        raise InvalidInput("handle must be 2 to 32 characters of a-z, 0-9, _ and .")
    created_at = format_timestamp(now())
    api_key = auth.mint_key(auth.CREATOR)
    try:
        creator = accounts_store().create_creator(
            creator_id=new_id("cr"), handle=handle, api_key_hash=auth.hash_key(api_key), created_at=created_at
        )
    except AlreadyExists:
        raise Conflict(f"handle {handle} is taken") from None
    return {**creator_view(creator), "api_key": api_key}


def load_creator(creator_id: str, *, consistent: bool = False) -> Creator:
    """The creator, or `NotFound`."""
    creator = accounts_store().find_creator(creator_id, consistent=consistent)
    if creator is None:
        raise NotFound(f"creator {creator_id} not found")
    return creator


def get_creator(creator_id: str) -> dict[str, Any]:
    return creator_view(load_creator(creator_id))


def rotate_api_key(creator_id: str) -> dict[str, str]:
    creator = load_creator(creator_id, consistent=True)
    return {"api_key": auth.replace_key(auth.CREATOR, creator.creator_id, creator.api_key_hash)}


def creator_handles(creator_ids: list[Optional[str]]) -> dict[str, str]:
    """creator_id -> handle, for the ids that exist (one BatchGetItem); no id (an unattributed
    conversion's) is skipped."""
    unique = sorted({creator_id for creator_id in creator_ids if creator_id})
    return {creator.creator_id: creator.handle for creator in accounts_store().find_creators(unique)} if unique else {}
