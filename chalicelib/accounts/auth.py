"""Who is calling: the admin key from configuration, or a brand or creator key
minted here and stored only as its SHA-256. Every request is checked with one
consistent read, so a rotated key stops working at once (no authorizer cache)."""
from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from typing import Iterable, Optional

from chalicelib.base.clock import now
from chalicelib.base.config import admin_key
from chalicelib.base.errors import Forbidden, Unauthorized
from chalicelib.base.timeutil import format_timestamp
from chalicelib.storage.accounts import BRAND as BRAND  # the roles of stored keys: the store's own words
from chalicelib.storage.accounts import CREATOR as CREATOR
from chalicelib.storage.accounts import accounts_store

MAX_KEY_LENGTH = 200  # minted keys are 50 characters; anything much longer is not one
ADMIN = "admin"


@dataclass(frozen=True)
class Caller:
    role: str
    id: str = ""  # brand_id or creator_id; empty for the admin


def mint_key(role: str) -> str:
    # 256 bits of randomness: a plain SHA-256 is then enough to store it.
    return f"afl_{role[0]}_{secrets.token_urlsafe(32)}"


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def _bearer_token(authorization: Optional[str]) -> str:
    if not authorization:
        raise Unauthorized("missing Authorization: Bearer <key> header")
    scheme, _, token = authorization.strip().partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise Unauthorized("Authorization header must be 'Bearer <key>'")
    return token


def authenticate(authorization: Optional[str]) -> Caller:
    return caller_of_key(_bearer_token(authorization))


def caller_of_key(key: str) -> Caller:
    """Whose key this is (the admin's, or a live brand or creator key): one consistent read, so a
    rotated key stops at once. `Unauthorized` for any other."""
    if hmac.compare_digest(key.encode("utf-8"), admin_key().encode("utf-8")):
        return Caller(ADMIN)
    if len(key) > MAX_KEY_LENGTH:
        raise Unauthorized("unknown API key")
    item = accounts_store().find_key(hash_key(key))
    if item is None:
        raise Unauthorized("unknown API key")
    return Caller(item.role, item.owner_id)


def require_role(caller: Caller, roles: Iterable[str]) -> None:
    if caller.role not in roles:
        raise Forbidden(f"this endpoint is not available to the {caller.role} role")


def replace_key(role: str, owner_id: str, old_hash: str) -> str:
    """Mint a new key for the brand or creator `owner_id` whose key is `old_hash`, and retire the old
    one in the same transaction (`ChangedMeanwhile` if another rotation got there first)."""
    new_key = mint_key(role)
    accounts_store().replace_key(
        role, owner_id, old_hash=old_hash, new_hash=hash_key(new_key), created_at=format_timestamp(now())
    )
    return new_key
